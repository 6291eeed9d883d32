/**
 * The search query's tokens, split as Flower's `_tokenize` splits them (`flower/utils/search.py`):
 * whitespace separates, `(` and `)` stand alone, double quotes may open and close anywhere in a
 * term and keep spaces and parentheses in it, a backslash escapes `"` and `\`, and unquoted `AND`,
 * `OR` (and here `NOT`) are operators. Stalk adds one token Flower rejects: a leading unquoted `-`
 * is negation of what follows it.
 */
import { SearchFailure } from "./search_error.ts";

/** Most tokens in a query, parentheses and operators included (Flower's `MAX_QUERY_TOKENS`). */
export const MAX_QUERY_TOKENS = 128;

/** What a token is. */
export type TokenKind = "TERM" | "AND" | "OR" | "NOT" | "NEG" | "LPAREN" | "RPAREN" | "EOF";

/** One token; `position` indexes the query as given. */
export interface Token {
  kind: TokenKind;
  /** The term's text with quotes and escapes resolved; the operator's text otherwise. */
  value: string;
  position: number;
  /** True when any part of the term was quoted: then it is never an operator. */
  quoted: boolean;
}

const SPACE = /\s/;

/** Splits `query` (already trimmed, found at `base` in the text the user typed) into tokens. */
export function tokenize(query: string, base = 0): Token[] {
  const tokens: Token[] = [];
  const push = (kind: TokenKind, value: string, position: number, quoted = false) => {
    tokens.push({ kind, value, position: base + position, quoted });
    if (tokens.length > MAX_QUERY_TOKENS) {
      throw new SearchFailure(`Query exceeds ${MAX_QUERY_TOKENS} tokens`);
    }
  };
  const length = query.length;
  let index = 0;
  while (index < length) {
    const char = query[index];
    if (SPACE.test(char)) {
      index++;
      continue;
    }
    if (char === "(" || char === ")") {
      push(char === "(" ? "LPAREN" : "RPAREN", char, index);
      index++;
      continue;
    }
    // `-term`, `-(…)`: negation. A lone `-` is left to the term rules, which reject it.
    if (char === "-" && index + 1 < length && !SPACE.test(query[index + 1])) {
      push("NEG", "-", index);
      index++;
      continue;
    }
    const position = index;
    let value = "";
    let quoted = false;
    let open = false;
    while (index < length) {
      const c = query[index];
      if (
        c === "\\" && index + 1 < length && (query[index + 1] === '"' || query[index + 1] === "\\")
      ) {
        value += query[index + 1];
        index += 2;
        continue;
      }
      if (c === '"') {
        quoted = true;
        open = !open;
        index++;
        continue;
      }
      if (!open && (SPACE.test(c) || c === "(" || c === ")")) break;
      value += c;
      index++;
    }
    if (open) throw new SearchFailure("Unterminated quoted phrase", base + position);
    if (value === "") throw new SearchFailure("Empty search term", base + position);
    if (!quoted && (value === "AND" || value === "OR" || value === "NOT")) {
      push(value, value, position);
    } else {
      push("TERM", value, position, quoted);
    }
  }
  tokens.push({ kind: "EOF", value: "", position: base + length, quoted: false });
  return tokens;
}
