/**
 * Python's `strtobool` (what Flower and Tornado accept for a boolean option or parameter): the
 * one list of spellings, for the configuration and the HTTP parameters alike.
 */

const TRUE = new Set(["y", "yes", "t", "true", "on", "1"]);
const FALSE = new Set(["n", "no", "f", "false", "off", "0"]);

/** How an error message lists the accepted spellings. */
export const STRTOBOOL_WORDS = "true/false, yes/no, on/off, 1/0";

/** The boolean `text` spells, case and surrounding space ignored; undefined when it is none. */
export function strtobool(text: string): boolean | undefined {
  const folded = text.trim().toLowerCase();
  if (TRUE.has(folded)) return true;
  if (FALSE.has(folded)) return false;
  return undefined;
}
