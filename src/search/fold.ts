/**
 * Case folding for search, close to Python's `str.casefold()` that Flower uses: ASCII and most
 * text fold as `toLowerCase()`; text with other characters also goes through `toUpperCase()`
 * first, which folds the special cases casefold knows (`ß` -> `ss`, `ﬁ` -> `fi`).
 */

const NON_ASCII = /[\u0080-\uffff]/;

/** `text` folded for case-insensitive comparison. */
export function fold(text: string): string {
  return NON_ASCII.test(text) ? text.toUpperCase().toLowerCase() : text.toLowerCase();
}

/** True when `text` is ASCII only, so folding keeps every character at its index. */
export function isAscii(text: string): boolean {
  return !NON_ASCII.test(text);
}
