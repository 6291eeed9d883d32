/**
 * The keyword arguments in a `kwargsrepr` (`{'key': 'value', 'n': 1}`) as Flower's search reads
 * them: `ast.literal_eval` of the text, then `str()` of each key and value. Text that is not a
 * Python literal dict (for instance a repr cut to 1024 characters with `...`) has no pairs.
 *
 * `str()` of a string is the string itself; of anything else (numbers, `True`, `None`, lists,
 * nested dicts, bytes) it is the repr, which is the literal's own text here, since the text is a
 * repr. `None` becomes "", as Flower's `_normalize` makes it. Values are not otherwise interpreted.
 */

/** `str(key) -> str(value)` for each item of the literal dict `text`; null if it is not one. */
export function literalDictItems(text: string): Map<string, string> | null {
  const reader = new Reader(text);
  try {
    reader.space();
    if (text[reader.at] !== "{") return null;
    const items = reader.dict();
    reader.space();
    return reader.at === text.length ? items : null;
  } catch (error) {
    if (error === INVALID) return null;
    throw error;
  }
}

/**
 * The JSON value of the Python literal `text` (an `argsrepr` such as `[20, 'a', {'k': None}]`),
 * as a worker decoded it from a JSON message: str, int, float, bool, None, list, tuple (as a
 * list) and dicts with str keys. Null when `text` is not such a literal, for instance a repr cut
 * with `...`, bytes, sets, complex numbers or ints past 2^53 that JSON numbers would round.
 */
export function literalJson(text: string): { value: unknown } | null {
  const reader = new Reader(text);
  try {
    const value = reader.json(0);
    reader.space();
    return reader.at === text.length ? { value } : null;
  } catch (error) {
    if (error === INVALID) return null;
    throw error;
  }
}

/** Nesting deeper than this is refused (the task bodies Stalk sends allow 64 levels). */
const MAX_JSON_DEPTH = 60;

const INVALID = Symbol("invalid literal");
const NUMBER =
  /[+-]?\s*(?:0[xob][0-9a-f_]+|(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:e[+-]?\d[\d_]*)?j?)/iy;
const PREFIX = /(?:[rRuUbB]|[bB][rR]|[rR][bB])?(?=['"])/y;
const ESCAPES: Record<string, string> = {
  "\\": "\\",
  "'": "'",
  '"': '"',
  "n": "\n",
  "r": "\r",
  "t": "\t",
  "a": "\x07",
  "b": "\b",
  "f": "\f",
  "v": "\v",
  "\n": "",
};

class Reader {
  readonly text: string;
  at = 0;

  constructor(text: string) {
    this.text = text;
  }

  space(): void {
    while (this.at < this.text.length && /\s/.test(this.text[this.at])) this.at++;
  }

  expect(char: string): void {
    this.space();
    if (this.text[this.at] !== char) throw INVALID;
    this.at++;
  }

  /** A `{...}` dict (the reader is at `{`): its items as `str()` texts. */
  dict(): Map<string, string> {
    const items = new Map<string, string>();
    this.at++;
    this.space();
    if (this.text[this.at] === "}") {
      this.at++;
      return items;
    }
    while (true) {
      const key = this.value();
      this.expect(":");
      const value = this.value();
      items.set(key ?? "", value ?? "");
      this.space();
      const next = this.text[this.at++];
      if (next === "}") return items;
      if (next !== ",") throw INVALID;
      this.space();
      if (this.text[this.at] === "}") {
        this.at++;
        return items;
      }
    }
  }

  /** Any literal; its `str()`: a str decoded, null for None, the source text otherwise. */
  value(): string | null {
    this.space();
    const start = this.at;
    const char = this.text[this.at];
    PREFIX.lastIndex = this.at;
    const prefix = PREFIX.exec(this.text);
    if (prefix) {
      this.at += prefix[0].length;
      const decoded = this.string(/r/i.test(prefix[0]));
      return /b/i.test(prefix[0]) ? this.text.slice(start, this.at) : decoded;
    }
    if (char === "[" || char === "(" || char === "{") {
      this.container(char);
      return this.text.slice(start, this.at);
    }
    for (const name of ["True", "False", "None"]) {
      if (
        this.text.startsWith(name, this.at) && !/\w/.test(this.text[this.at + name.length] ?? "")
      ) {
        this.at += name.length;
        return name === "None" ? null : name;
      }
    }
    NUMBER.lastIndex = this.at;
    const number = NUMBER.exec(this.text);
    if (!number || number[0].replace(/[+-\s]/g, "") === "") throw INVALID;
    this.at += number[0].length;
    // A complex literal: 1+2j.
    NUMBER.lastIndex = this.at;
    if (/^[+-]/.test(this.text[this.at] ?? "")) {
      const imaginary = NUMBER.exec(this.text);
      if (imaginary && /j$/i.test(imaginary[0])) this.at += imaginary[0].length;
    }
    if (/\w/.test(this.text[this.at] ?? "")) throw INVALID;
    return this.text.slice(start, this.at);
  }

  /** A literal as the JSON value it came from; throws INVALID for what JSON cannot carry. */
  json(depth: number): unknown {
    if (depth > MAX_JSON_DEPTH) throw INVALID;
    this.space();
    const char = this.text[this.at];
    PREFIX.lastIndex = this.at;
    const prefix = PREFIX.exec(this.text);
    if (prefix) {
      if (/b/i.test(prefix[0])) throw INVALID;
      this.at += prefix[0].length;
      let value = this.string(/r/i.test(prefix[0]));
      // Adjacent literals concatenate: 'a' 'b' is 'ab'.
      while (true) {
        this.space();
        PREFIX.lastIndex = this.at;
        const next = PREFIX.exec(this.text);
        if (!next || /b/i.test(next[0])) return value;
        this.at += next[0].length;
        value += this.string(/r/i.test(next[0]));
      }
    }
    if (char === "[" || char === "(") return this.jsonList(char === "[" ? "]" : ")", depth);
    if (char === "{") return this.jsonDict(depth);
    for (const [name, value] of [["True", true], ["False", false], ["None", null]] as const) {
      if (
        this.text.startsWith(name, this.at) && !/\w/.test(this.text[this.at + name.length] ?? "")
      ) {
        this.at += name.length;
        return value;
      }
    }
    NUMBER.lastIndex = this.at;
    const number = NUMBER.exec(this.text);
    if (!number) throw INVALID;
    this.at += number[0].length;
    if (/[\w.]/.test(this.text[this.at] ?? "")) throw INVALID;
    const source = number[0].replace(/[\s_]/g, "");
    // Decimal ints and floats only: hex, octal, binary and complex are not JSON's.
    if (!/^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i.test(source)) throw INVALID;
    const value = Number(source);
    if (!Number.isFinite(value)) throw INVALID;
    if (/^[+-]?\d+$/.test(source)) {
      if (!Number.isSafeInteger(value) || /^[+-]?0\d/.test(source)) throw INVALID;
    } else if (Number.isInteger(value)) {
      // 1.0 is a float in Python; a JSON number written from here would arrive as the int 1.
      throw INVALID;
    }
    return value;
  }

  /** `[...]` or `(...)` (the reader is at the opening bracket) as an array. */
  jsonList(close: string, depth: number): unknown {
    const items: unknown[] = [];
    let commas = 0;
    this.at++;
    while (true) {
      this.space();
      if (this.text[this.at] === close) {
        this.at++;
        // `(x)` is x itself, not a tuple: only `(x,)` is.
        if (close === ")" && items.length === 1 && commas === 0) throw INVALID;
        return items;
      }
      items.push(this.json(depth + 1));
      this.space();
      const next = this.text[this.at];
      if (next === ",") {
        this.at++;
        commas++;
      } else if (next !== close) throw INVALID;
    }
  }

  /** `{...}` with str keys (the reader is at `{`) as an object; a set is INVALID. */
  jsonDict(depth: number): Record<string, unknown> {
    const items: Record<string, unknown> = {};
    this.at++;
    while (true) {
      this.space();
      if (this.text[this.at] === "}") {
        this.at++;
        return items;
      }
      const key = this.json(depth + 1);
      if (typeof key !== "string") throw INVALID;
      this.expect(":");
      Object.defineProperty(items, key, {
        value: this.json(depth + 1),
        enumerable: true,
        writable: true,
        configurable: true,
      });
      this.space();
      const next = this.text[this.at];
      if (next === ",") this.at++;
      else if (next !== "}") throw INVALID;
    }
  }

  /** `[...]`, `(...)`, or a `{...}` dict or set, checked but not kept. */
  container(open: string): void {
    const close = open === "[" ? "]" : open === "(" ? ")" : "}";
    this.at++;
    let isDict: boolean | undefined;
    while (true) {
      this.space();
      if (this.text[this.at] === close) {
        this.at++;
        return;
      }
      this.value();
      this.space();
      if (open === "{") {
        const colon = this.text[this.at] === ":";
        if (isDict === undefined) isDict = colon;
        if (colon !== isDict) throw INVALID;
        if (colon) {
          this.at++;
          this.value();
          this.space();
        }
      }
      const next = this.text[this.at];
      if (next === ",") {
        this.at++;
        continue;
      }
      if (next !== close) throw INVALID;
    }
  }

  /** A quoted string (the reader is at its quote), decoded. */
  string(raw: boolean): string {
    const text = this.text;
    const quote = text[this.at];
    const triple = text.startsWith(quote.repeat(3), this.at);
    const end = triple ? quote.repeat(3) : quote;
    this.at += end.length;
    let out = "";
    while (true) {
      if (this.at >= text.length) throw INVALID;
      if (text.startsWith(end, this.at)) {
        this.at += end.length;
        return out;
      }
      const char = text[this.at];
      if (!triple && char === "\n") throw INVALID;
      if (char !== "\\") {
        out += char;
        this.at++;
        continue;
      }
      const next = text[this.at + 1];
      if (next === undefined) throw INVALID;
      if (raw) {
        out += char + next;
        this.at += 2;
        continue;
      }
      out += this.escape();
    }
  }

  /** One backslash escape, decoded; the reader is at the backslash. */
  escape(): string {
    const text = this.text;
    const next = text[this.at + 1];
    if (next in ESCAPES) {
      this.at += 2;
      return ESCAPES[next];
    }
    const hex = next === "x" ? 2 : next === "u" ? 4 : next === "U" ? 8 : 0;
    if (hex > 0) {
      const digits = text.slice(this.at + 2, this.at + 2 + hex);
      if (!new RegExp(`^[0-9a-fA-F]{${hex}}$`).test(digits)) throw INVALID;
      this.at += 2 + hex;
      return String.fromCodePoint(parseInt(digits, 16));
    }
    const octal = /^[0-7]{1,3}/.exec(text.slice(this.at + 1, this.at + 4));
    if (octal) {
      this.at += 1 + octal[0].length;
      return String.fromCodePoint(parseInt(octal[0], 8));
    }
    // Python keeps an unknown escape as written.
    this.at += 2;
    return `\\${next}`;
  }
}
