/**
 * `flowerconfig.py` (`--conf`) read without Python: a file of literal assignments as Flower's
 * documentation shows them (`port = 5555`, `basic_auth = ["a:b"]`), with numbers, strings,
 * booleans, `None`, lists, tuples and dicts. Any other Python is refused with its line, since
 * Stalk cannot run it.
 */

/** A Python literal, as JSON-like data (tuples become arrays). */
export type PyValue = null | boolean | number | string | PyValue[] | { [key: string]: PyValue };

/** One `name = value` of the file. */
export interface Assignment {
  name: string;
  value: PyValue;
  line: number;
}

/** A file that is not only literal assignments; the message names the line. */
export class ConfigFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigFileError";
  }
}

type Token =
  | { kind: "name" | "op" | "newline" | "end"; text: string; line: number }
  | { kind: "number"; text: string; value: number; line: number }
  | { kind: "string"; text: string; value: string; line: number };

const ESCAPES: Record<string, string> = {
  "\\": "\\",
  "'": "'",
  '"': '"',
  n: "\n",
  t: "\t",
  r: "\r",
  "0": "\0",
  a: "\x07",
  b: "\b",
  f: "\f",
  v: "\v",
  "\n": "",
};

/** Splits the text into tokens; newlines inside brackets are not statement ends, as in Python. */
function tokenize(text: string, fail: (line: number, why: string) => never): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  let depth = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch === "\n") {
      if (depth === 0) tokens.push({ kind: "newline", text: "\n", line });
      line++;
      i++;
    } else if (ch === " " || ch === "\t" || ch === "\r" || ch === "\f") {
      i++;
    } else if (ch === "#") {
      while (i < text.length && text[i] !== "\n") i++;
    } else if (ch === "\\" && text[i + 1] === "\n") {
      i += 2;
      line++;
    } else if (/[A-Za-z_]/.test(ch)) {
      const start = i;
      while (i < text.length && /\w/.test(text[i])) i++;
      const word = text.slice(start, i);
      if (/^[rRuU]$/.test(word) && (text[i] === "'" || text[i] === '"')) {
        const string = readString(text, i, word.toLowerCase() === "r", line, fail);
        tokens.push({ kind: "string", text: word, value: string.value, line });
        line += string.lines;
        i = string.end;
      } else {
        tokens.push({ kind: "name", text: word, line });
      }
    } else if (/[0-9.]/.test(ch) && /[0-9]/.test(text[ch === "." ? i + 1 : i] ?? "")) {
      const match =
        /^(0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|(\d[\d_]*)?\.?\d*([eE][+-]?\d+)?)/
          .exec(text.slice(i))!;
      const raw = match[0];
      const clean = raw.replaceAll("_", "");
      const value = /^0[oObB]/.test(clean)
        ? parseInt(clean.slice(2), /^0[oO]/.test(clean) ? 8 : 2)
        : Number(clean);
      if (Number.isNaN(value)) fail(line, `'${raw}' is not a number`);
      tokens.push({ kind: "number", text: raw, value, line });
      i += raw.length;
    } else if (ch === "'" || ch === '"') {
      const string = readString(text, i, false, line, fail);
      tokens.push({ kind: "string", text: ch, value: string.value, line });
      line += string.lines;
      i = string.end;
    } else if ("[]{}(),:=-+".includes(ch)) {
      if ("[{(".includes(ch)) depth++;
      if ("]})".includes(ch)) depth = Math.max(0, depth - 1);
      tokens.push({ kind: "op", text: ch, line });
      i++;
    } else {
      // Any other character is Python that is not a literal (operators, decorators, ...).
      tokens.push({ kind: "op", text: ch, line });
      i++;
    }
  }
  tokens.push({ kind: "newline", text: "\n", line }, { kind: "end", text: "", line });
  return tokens;
}

/** Reads a quoted string at `start`, single or triple quoted, with Python's escapes. */
function readString(
  text: string,
  start: number,
  raw: boolean,
  line: number,
  fail: (line: number, why: string) => never,
): { value: string; end: number; lines: number } {
  const quote = text[start];
  const triple = text.startsWith(quote.repeat(3), start);
  const close = triple ? quote.repeat(3) : quote;
  let i = start + close.length;
  let value = "";
  let lines = 0;
  while (true) {
    if (i >= text.length) fail(line, "a string is not closed");
    if (text.startsWith(close, i)) return { value, end: i + close.length, lines };
    const ch = text[i];
    if (ch === "\n") {
      if (!triple) fail(line, "a string is not closed on its line");
      lines++;
    }
    if (ch === "\\" && !raw) {
      const next = text[i + 1];
      if (next === "x" || next === "u" || next === "U") {
        const size = next === "x" ? 2 : next === "u" ? 4 : 8;
        const hex = text.slice(i + 2, i + 2 + size);
        if (!new RegExp(`^[0-9a-fA-F]{${size}}$`).test(hex)) fail(line, "a bad \\x or \\u escape");
        value += String.fromCodePoint(parseInt(hex, 16));
        i += 2 + size;
        continue;
      }
      if (next in ESCAPES) {
        if (next === "\n") lines++;
        value += ESCAPES[next];
        i += 2;
        continue;
      }
      value += ch; // Python keeps unknown escapes as they are
      i++;
      continue;
    }
    value += ch;
    i++;
  }
}

/**
 * Parses the file's text into its assignments, in order. Throws ConfigFileError naming the file,
 * the line and its text when the file holds anything but `name = <literal>` statements.
 */
export function parseConfigFile(text: string, file: string): Assignment[] {
  const lines = text.split("\n");
  const fail = (line: number, why: string): never => {
    const source = (lines[line - 1] ?? "").trim();
    const hint = /^def\s+format_task\b/.test(source)
      ? "; format_task takes a Python function, which Stalk cannot run (Stalk runs no Python)"
      : "";
    throw new ConfigFileError(
      `${file} line ${line}: ${why}: '${source}'; only literal assignments such as ` +
        `port = 5555 or basic_auth = ["user:password"] are supported${hint}`,
    );
  };
  const tokens = tokenize(text, fail);
  let pos = 0;
  const peek = () => tokens[pos];
  const next = () => tokens[pos++];
  const expectOp = (op: string, line: number) => {
    const token = next();
    if (token.kind !== "op" || token.text !== op) fail(token.line ?? line, "not a literal");
  };

  const value = (): PyValue => {
    const token = next();
    if (token.kind === "number") return token.value;
    if (token.kind === "string") {
      let out = token.value;
      while (peek().kind === "string") out += (next() as { value: string }).value;
      return out;
    }
    if (token.kind === "name") {
      if (token.text === "True") return true;
      if (token.text === "False") return false;
      if (token.text === "None") return null;
      return fail(token.line, `'${token.text}' is not a literal`);
    }
    if (token.kind === "op") {
      if (token.text === "-" || token.text === "+") {
        const number = next();
        if (number.kind !== "number") return fail(token.line, "not a literal");
        return token.text === "-" ? -number.value : number.value;
      }
      if (token.text === "[" || token.text === "(") return sequence(token.text === "[" ? "]" : ")");
      if (token.text === "{") return mapping();
    }
    return fail(token.line, "not a literal");
  };

  const sequence = (close: string): PyValue[] => {
    const items: PyValue[] = [];
    while (!(peek().kind === "op" && peek().text === close)) {
      items.push(value());
      const sep = peek();
      if (sep.kind === "op" && sep.text === ",") next();
      else if (!(sep.kind === "op" && sep.text === close)) fail(sep.line, "not a literal");
    }
    next();
    return items;
  };

  const mapping = (): { [key: string]: PyValue } => {
    const out: { [key: string]: PyValue } = {};
    while (!(peek().kind === "op" && peek().text === "}")) {
      const keyToken = peek();
      const key = value();
      if (typeof key !== "string" && typeof key !== "number" && typeof key !== "boolean") {
        fail(keyToken.line, "a dict key must be a string or a number");
      }
      expectOp(":", keyToken.line);
      out[String(key)] = value();
      const sep = peek();
      if (sep.kind === "op" && sep.text === ",") next();
      else if (!(sep.kind === "op" && sep.text === "}")) fail(sep.line, "not a literal");
    }
    next();
    return out;
  };

  const out: Assignment[] = [];
  while (peek().kind !== "end") {
    const token = next();
    if (token.kind === "newline") continue;
    if (token.kind !== "name") fail(token.line, "not an assignment");
    const eq = next();
    if (eq.kind !== "op" || eq.text !== "=") fail(token.line, "not a literal assignment");
    const assigned = value();
    const end = next();
    if (end.kind !== "newline") fail(token.line, "not a literal assignment");
    out.push({ name: token.text, value: assigned, line: token.line });
  }
  return out;
}

/** The option text a literal stands for: lists joined by commas, dicts as JSON. */
export function optionText(value: PyValue): string | undefined {
  if (value === null) return undefined;
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "number") return String(value);
  if (typeof value === "string") return value;
  if (Array.isArray(value)) return value.map((item) => optionText(item) ?? "").join(",");
  return JSON.stringify(value);
}
