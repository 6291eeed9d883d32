/**
 * Flower's `--auth` e-mail patterns, with the restricted syntax of its CVE-2022-30034 fix:
 * `a@x.com|b@y.org` is an exact list, `.*@example.com` a single wildcard that can only match
 * characters of an e-mail's local part, and anything else must equal the e-mail. The same syntax
 * serves `--auth_operator` and `--auth_admin`.
 */

/** Why `pattern` is not a valid `--auth` pattern, or undefined when it is. */
export function emailPatternProblem(pattern: string): string | undefined {
  if (pattern.trim() === "") return "expected an e-mail, a|b|c list or .*@domain pattern";
  if ((pattern.match(/\*/g) ?? []).length > 1) return "at most one '*' is allowed";
  if (pattern.includes("*") && pattern.includes("|")) return "'*' and '|' cannot be combined";
  const at = pattern.lastIndexOf("@");
  if (pattern.slice(at + 1).includes("*")) return "'*' is not allowed in the domain";
  return undefined;
}

/** The characters RFC 5322 allows in a dot-atom local part: what `.*` may stand for. */
const LOCAL_PART = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~.\\-]*";

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");
}

/** A matcher for a valid pattern (check it with {@linkcode emailPatternProblem} first). */
export function emailMatcher(pattern: string): (email: string) => boolean {
  if (pattern.includes("|")) {
    const allowed = new Set(pattern.split("|"));
    return (email) => allowed.has(email);
  }
  if (pattern.includes("*")) {
    const source = escapeRegExp(pattern).replace("\\.\\*", LOCAL_PART);
    const regex = new RegExp(`^${source}$`);
    return (email) => regex.test(email);
  }
  return (email) => email === pattern;
}
