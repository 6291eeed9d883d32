/**
 * A safe reader of Python pickles (protocols 0 to 5) that holds only plain data: None, bools,
 * ints, floats, str, bytes, lists, tuples, dicts and sets — what Celery's backends pickle for
 * a task that returns plain values. It interprets the opcodes itself and never resolves a name:
 * any opcode that would import or call something (GLOBAL, STACK_GLOBAL, REDUCE, BUILD, INST,
 * OBJ, NEWOBJ, EXT*, persistent ids, out-of-band buffers) is refused with {@linkcode PickleRefused}.
 *
 * The values come out as JSON-ready JavaScript: tuples and sets as arrays, dicts as objects
 * (keys as `json.dumps` writes them), bytes as text (UTF-8, else Latin-1), big ints as numbers,
 * NaN and the infinities as the strings Stalk's JSON results use.
 */

/** A pickle Stalk will not read: it names Python code, or is not a pickle at all. */
export class PickleRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PickleRefused";
  }
}

/** Whether `bytes` looks like a pickle of protocol 2 or later (`\x80` then the protocol). */
export function isPickle(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x80 && bytes[1] >= 2 && bytes[1] <= 5;
}

/** Opcodes that would run or import Python code, by byte, with their names for the message. */
const CODE_OPCODES: Record<number, string> = {
  0x63: "GLOBAL",
  0x93: "STACK_GLOBAL",
  0x52: "REDUCE",
  0x62: "BUILD",
  0x69: "INST",
  0x6f: "OBJ",
  0x81: "NEWOBJ",
  0x92: "NEWOBJ_EX",
  0x82: "EXT1",
  0x83: "EXT2",
  0x84: "EXT4",
  0x50: "PERSID",
  0x51: "BINPERSID",
  0x97: "NEXT_BUFFER",
  0x98: "READONLY_BUFFER",
};

const MARK = Symbol("mark");
const MAX_DEPTH = 1_000;

/** A Python tuple while reading (a list must stay apart: APPEND only applies to lists). */
class Tuple {
  constructor(readonly items: unknown[]) {}
}

/** A Python set or frozenset while reading. */
class PySet {
  constructor(readonly items: unknown[]) {}
}

const utf8 = new TextDecoder("utf-8", { fatal: true });
const latin1 = new TextDecoder("latin1");

/** Reads the pickle in `bytes`; throws {@linkcode PickleRefused} saying why it cannot. */
export function readPickle(bytes: Uint8Array): unknown {
  return new Reader(bytes).run();
}

class Reader {
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  #at = 0;
  readonly #stack: unknown[] = [];
  readonly #marks: number[] = [];
  readonly #memo = new Map<number, unknown>();

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  run(): unknown {
    for (;;) {
      if (this.#at >= this.#bytes.length) throw new PickleRefused("the pickle ends before STOP");
      const at = this.#at;
      const op = this.#bytes[this.#at++];
      const code = CODE_OPCODES[op];
      if (code) throw this.#refuseCode(code, at);
      if (op === 0x2e) return plain(this.#pop(), 0); // STOP
      this.#step(op, at);
    }
  }

  #step(op: number, at: number): void {
    const stack = this.#stack;
    switch (op) {
      case 0x80: // PROTO
        if (this.#u8() > 5) throw new PickleRefused("the pickle's protocol is newer than 5");
        return;
      case 0x95: // FRAME: a length hint only
        this.#take(8);
        return;
      case 0x28: // MARK
        this.#marks.push(stack.length);
        stack.push(MARK);
        return;
      case 0x30: // POP
        this.#pop();
        return;
      case 0x31: // POP_MARK
        this.#popMark();
        return;
      case 0x32: // DUP
        stack.push(this.#top());
        return;
      case 0x4e: // NONE
        stack.push(null);
        return;
      case 0x88: // NEWTRUE
        stack.push(true);
        return;
      case 0x89: // NEWFALSE
        stack.push(false);
        return;
      case 0x4b: // BININT1
        stack.push(this.#u8());
        return;
      case 0x4d: // BININT2
        stack.push(this.#view.getUint16(this.#advance(2), true));
        return;
      case 0x4a: // BININT
        stack.push(this.#view.getInt32(this.#advance(4), true));
        return;
      case 0x8a: // LONG1
        stack.push(littleEndianInt(this.#take(this.#u8())));
        return;
      case 0x8b: // LONG4
        stack.push(littleEndianInt(this.#take(this.#length(4))));
        return;
      case 0x49: // INT (protocol 0; "01"/"00" are True/False)
        stack.push(textInt(this.#line(), true));
        return;
      case 0x4c: // LONG (protocol 0)
        stack.push(textInt(this.#line().replace(/L$/, ""), false));
        return;
      case 0x46: // FLOAT (protocol 0)
        stack.push(Number(this.#line()));
        return;
      case 0x47: // BINFLOAT
        stack.push(this.#view.getFloat64(this.#advance(8), false));
        return;
      case 0x58: // BINUNICODE
        stack.push(this.#utf8(this.#take(this.#length(4))));
        return;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(this.#utf8(this.#take(this.#u8())));
        return;
      case 0x8d: // BINUNICODE8
        stack.push(this.#utf8(this.#take(this.#length(8))));
        return;
      case 0x56: // UNICODE (protocol 0, raw-unicode-escape)
        stack.push(rawUnicodeEscape(this.#line()));
        return;
      case 0x42: // BINBYTES
      case 0x54: // BINSTRING (Python 2 str, read as Python 3 does, as text)
        stack.push(bytesText(this.#take(this.#length(4))));
        return;
      case 0x43: // SHORT_BINBYTES
      case 0x55: // SHORT_BINSTRING
        stack.push(bytesText(this.#take(this.#u8())));
        return;
      case 0x8e: // BINBYTES8
      case 0x96: // BYTEARRAY8
        stack.push(bytesText(this.#take(this.#length(8))));
        return;
      case 0x53: // STRING (protocol 0, a quoted repr)
        stack.push(quotedString(this.#line()));
        return;
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        return;
      case 0x6c: // LIST
        stack.push(this.#popMark());
        return;
      case 0x61: { // APPEND
        const item = this.#pop();
        this.#list(this.#top(), at).push(item);
        return;
      }
      case 0x65: { // APPENDS
        const items = this.#popMark();
        this.#list(this.#top(), at).push(...items);
        return;
      }
      case 0x29: // EMPTY_TUPLE
        stack.push(new Tuple([]));
        return;
      case 0x74: // TUPLE
        stack.push(new Tuple(this.#popMark()));
        return;
      case 0x85: // TUPLE1
        stack.push(new Tuple([this.#pop()]));
        return;
      case 0x86: { // TUPLE2
        const b = this.#pop();
        stack.push(new Tuple([this.#pop(), b]));
        return;
      }
      case 0x87: { // TUPLE3
        const c = this.#pop();
        const b = this.#pop();
        stack.push(new Tuple([this.#pop(), b, c]));
        return;
      }
      case 0x7d: // EMPTY_DICT
        stack.push(new Map());
        return;
      case 0x64: // DICT
        stack.push(this.#setItems(new Map(), this.#popMark(), at));
        return;
      case 0x73: { // SETITEM
        const value = this.#pop();
        const key = this.#pop();
        this.#dict(this.#top(), at).set(key, value);
        return;
      }
      case 0x75: { // SETITEMS
        const items = this.#popMark();
        this.#setItems(this.#dict(this.#top(), at), items, at);
        return;
      }
      case 0x8f: // EMPTY_SET
        stack.push(new PySet([]));
        return;
      case 0x90: { // ADDITEMS
        const items = this.#popMark();
        this.#set(this.#top(), at).items.push(...items);
        return;
      }
      case 0x91: // FROZENSET
        stack.push(new PySet(this.#popMark()));
        return;
      case 0x70: // PUT
        this.#memo.set(textInt(this.#line(), false) as number, this.#top());
        return;
      case 0x71: // BINPUT
        this.#memo.set(this.#u8(), this.#top());
        return;
      case 0x72: // LONG_BINPUT
        this.#memo.set(this.#view.getUint32(this.#advance(4), true), this.#top());
        return;
      case 0x94: // MEMOIZE
        this.#memo.set(this.#memo.size, this.#top());
        return;
      case 0x67: // GET
        stack.push(this.#recall(textInt(this.#line(), false) as number, at));
        return;
      case 0x68: // BINGET
        stack.push(this.#recall(this.#u8(), at));
        return;
      case 0x6a: // LONG_BINGET
        stack.push(this.#recall(this.#view.getUint32(this.#advance(4), true), at));
        return;
      default:
        throw new PickleRefused(
          `unknown pickle opcode 0x${op.toString(16).padStart(2, "0")} at byte ${at}`,
        );
    }
  }

  /** The refusal of a code opcode, naming the Python object when the pickle says it. */
  #refuseCode(code: string, at: number): PickleRefused {
    let named = "";
    if (code === "GLOBAL" || code === "INST") {
      const module = this.#line();
      named = ` '${module}.${this.#line()}'`;
    } else if (code === "STACK_GLOBAL") {
      const [module, name] = this.#stack.slice(-2);
      if (typeof module === "string" && typeof name === "string") named = ` '${module}.${name}'`;
    }
    return new PickleRefused(
      `the pickle holds a Python object${named} (${code} at byte ${at}); Stalk reads only plain ` +
        "data (None, bool, int, float, str, bytes, list, tuple, dict, set) and never runs pickled code",
    );
  }

  #setItems(dict: Map<unknown, unknown>, items: unknown[], at: number): Map<unknown, unknown> {
    if (items.length % 2 !== 0) throw new PickleRefused(`odd number of dict items at byte ${at}`);
    for (let i = 0; i < items.length; i += 2) dict.set(items[i], items[i + 1]);
    return dict;
  }

  #list(value: unknown, at: number): unknown[] {
    if (Array.isArray(value)) return value;
    throw new PickleRefused(`APPEND to something other than a list at byte ${at}`);
  }

  #dict(value: unknown, at: number): Map<unknown, unknown> {
    if (value instanceof Map) return value;
    throw new PickleRefused(`SETITEM on something other than a dict at byte ${at}`);
  }

  #set(value: unknown, at: number): PySet {
    if (value instanceof PySet) return value;
    throw new PickleRefused(`ADDITEMS on something other than a set at byte ${at}`);
  }

  #recall(index: number, at: number): unknown {
    if (!this.#memo.has(index)) throw new PickleRefused(`memo ${index} is unset at byte ${at}`);
    return this.#memo.get(index);
  }

  #pop(): unknown {
    if (this.#stack.length === 0) throw new PickleRefused("the pickle's stack is empty");
    const value = this.#stack.pop();
    if (value === MARK) throw new PickleRefused("a MARK where a value was expected");
    return value;
  }

  #top(): unknown {
    const value = this.#stack.at(-1);
    if (this.#stack.length === 0 || value === MARK) {
      throw new PickleRefused("the pickle's stack has no value on top");
    }
    return value;
  }

  #popMark(): unknown[] {
    const mark = this.#marks.pop();
    if (mark === undefined) throw new PickleRefused("the pickle pops a MARK it never set");
    return this.#stack.splice(mark).slice(1);
  }

  #u8(): number {
    return this.#bytes[this.#advance(1)];
  }

  #length(size: 4 | 8): number {
    const at = this.#advance(size);
    const length = size === 4
      ? this.#view.getUint32(at, true)
      : Number(this.#view.getBigUint64(at, true));
    return length;
  }

  #advance(count: number): number {
    const at = this.#at;
    if (at + count > this.#bytes.length) throw new PickleRefused("the pickle is cut short");
    this.#at += count;
    return at;
  }

  #take(count: number): Uint8Array {
    const at = this.#advance(count);
    return this.#bytes.subarray(at, at + count);
  }

  #line(): string {
    const end = this.#bytes.indexOf(0x0a, this.#at);
    if (end < 0) throw new PickleRefused("the pickle is cut short in a text argument");
    const text = latin1.decode(this.#bytes.subarray(this.#at, end));
    this.#at = end + 1;
    return text;
  }

  #utf8(bytes: Uint8Array): string {
    try {
      return utf8.decode(bytes);
    } catch {
      throw new PickleRefused("a pickled str is not valid UTF-8");
    }
  }
}

/** The JSON-ready form of a read value; refuses a container that holds itself. */
function plain(value: unknown, depth: number, seen = new Set<unknown>()): unknown {
  if (typeof value === "number") return Number.isFinite(value) ? value : String(value);
  if (typeof value !== "object" || value === null) return value;
  if (depth > MAX_DEPTH) throw new PickleRefused(`the pickle nests deeper than ${MAX_DEPTH}`);
  if (seen.has(value)) throw new PickleRefused("the pickle holds a container that holds itself");
  seen.add(value);
  let out: unknown;
  if (Array.isArray(value)) out = value.map((item) => plain(item, depth + 1, seen));
  else if (value instanceof Tuple || value instanceof PySet) {
    out = value.items.map((item) => plain(item, depth + 1, seen));
  } else if (value instanceof Map) {
    const object: Record<string, unknown> = {};
    for (const [key, item] of value) {
      Object.defineProperty(object, jsonKey(plain(key, depth + 1, seen)), {
        value: plain(item, depth + 1, seen),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    out = object;
  }
  seen.delete(value);
  return out;
}

/** A dict key as `json.dumps` writes it: str as is, numbers, `true`/`false`/`null`. */
function jsonKey(key: unknown): string {
  if (typeof key === "string") return key;
  if (key === null) return "null";
  if (typeof key === "boolean" || typeof key === "number") return String(key);
  throw new PickleRefused("a pickled dict has a key JSON cannot hold (a tuple or a list)");
}

/** Two's-complement little-endian, as LONG1/LONG4 store it; a number (lossy past 2^53). */
function littleEndianInt(bytes: Uint8Array): number {
  if (bytes.length === 0) return 0;
  let value = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[i]);
  if (bytes[bytes.length - 1] & 0x80) value -= 1n << BigInt(bytes.length * 8);
  return Number(value);
}

function textInt(text: string, boolForms: boolean): number | boolean {
  if (boolForms && text === "01") return true;
  if (boolForms && text === "00") return false;
  if (!/^[+-]?\d+$/.test(text)) throw new PickleRefused(`'${text}' is not an integer`);
  return Number(text);
}

function bytesText(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    return latin1.decode(bytes);
  }
}

function rawUnicodeEscape(text: string): string {
  return text.replace(
    /\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g,
    (_, short: string, long: string) => String.fromCodePoint(parseInt(short ?? long, 16)),
  );
}

/** Protocol 0's STRING argument: a Python repr in single or double quotes. */
function quotedString(text: string): string {
  const quote = text[0];
  if ((quote !== "'" && quote !== '"') || text.at(-1) !== quote || text.length < 2) {
    throw new PickleRefused("a STRING argument is not quoted");
  }
  const body = text.slice(1, -1);
  const escapes: Record<string, string> = {
    n: "\n",
    r: "\r",
    t: "\t",
    "\\": "\\",
    "'": "'",
    '"': '"',
    a: "\x07",
    b: "\b",
    f: "\f",
    v: "\v",
    "0": "\0",
  };
  return body.replace(
    /\\(x[0-9a-fA-F]{2}|.)/g,
    (_, escape: string) =>
      escape.startsWith("x") && escape.length === 3
        ? String.fromCharCode(parseInt(escape.slice(1), 16))
        : escapes[escape] ?? `\\${escape}`,
  );
}

/**
 * Pickles a flat dict of text and None values (protocol 2, no memo), for the few documents
 * Stalk writes where workers read pickles: the ABORTED document of a `pickle` serializer.
 */
export function pickleTextDict(entries: Record<string, string | null>): Uint8Array {
  const parts: Uint8Array[] = [Uint8Array.of(0x80, 0x02, 0x7d, 0x28)]; // PROTO 2, EMPTY_DICT, MARK
  const text = (value: string) => {
    const bytes = new TextEncoder().encode(value);
    const head = new Uint8Array(5);
    head[0] = 0x58; // BINUNICODE
    new DataView(head.buffer).setUint32(1, bytes.length, true);
    parts.push(head, bytes);
  };
  for (const [key, value] of Object.entries(entries)) {
    text(key);
    if (value === null) parts.push(Uint8Array.of(0x4e)); // NONE
    else text(value);
  }
  parts.push(Uint8Array.of(0x75, 0x2e)); // SETITEMS, STOP
  const out = new Uint8Array(parts.reduce((size, part) => size + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
