/**
 * Python renderings of JSON values: `repr()` for task headers (`argsrepr`, `kwargsrepr`) and
 * exception strings, and `json.dumps()` with Python's default separators for documents that
 * Celery itself would have written.
 */

/** Celery's `argsrepr_maxsize` and `kwargsrepr_maxsize` (`celery/app/amqp.py`). */
export const REPR_MAX_LENGTH = 1024;

/** Python's `repr()` of a JSON value: `'text'`, `True`, `None`, `[1, 2]`, `{'a': 1}`. */
export function pythonRepr(value: unknown): string {
  if (value === null || value === undefined) return "None";
  if (value === true) return "True";
  if (value === false) return "False";
  if (typeof value === "number") return numberRepr(value);
  if (typeof value === "string") return stringRepr(value);
  if (Array.isArray(value)) return `[${value.map(pythonRepr).join(", ")}]`;
  if (typeof value === "object") {
    const items = Object.entries(value).map(([key, item]) =>
      `${stringRepr(key)}: ${pythonRepr(item)}`
    );
    return `{${items.join(", ")}}`;
  }
  return stringRepr(String(value));
}

/**
 * `repr()` of positional arguments: JSON args decode to a Python list, and that list is what
 * Celery's `as_task_v2` reprs (`[]`, `[4, 5]`), not a tuple.
 */
export function argsRepr(args: readonly unknown[]): string {
  return truncateRepr(pythonRepr(args));
}

/** `repr()` of keyword arguments: `{}`, `{'a': 1}`. */
export function kwargsRepr(kwargs: Record<string, unknown>): string {
  return truncateRepr(pythonRepr(kwargs));
}

/** Cuts a repr to {@linkcode REPR_MAX_LENGTH} characters, ending in `...` when cut. */
export function truncateRepr(text: string, max = REPR_MAX_LENGTH): string {
  return text.length <= max ? text : `${text.slice(0, max - 3)}...`;
}

/** Python's `json.dumps(value)`: `", "` and `": "` separators, non-ASCII escaped. */
export function pythonJsonDumps(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "string") return asciiJson(value);
  if (typeof value === "number" || typeof value === "boolean") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(pythonJsonDumps).join(", ")}]`;
  if (typeof value === "object") {
    const items = Object.entries(value).map(([key, item]) =>
      `${asciiJson(key)}: ${pythonJsonDumps(item)}`
    );
    return `{${items.join(", ")}}`;
  }
  return asciiJson(String(value));
}

function numberRepr(value: number): string {
  if (Number.isNaN(value)) return "nan";
  if (!Number.isFinite(value)) return value > 0 ? "inf" : "-inf";
  return String(value);
}

/** Python 3's string repr: single quotes unless the text has `'` and no `"`. */
function stringRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = quote;
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (char === "\\") out += "\\\\";
    else if (char === quote) out += `\\${quote}`;
    else if (char === "\n") out += "\\n";
    else if (char === "\r") out += "\\r";
    else if (char === "\t") out += "\\t";
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, "0")}`;
    else out += char;
  }
  return out + quote;
}

function asciiJson(text: string): string {
  return JSON.stringify(text).replace(
    /[\u007f-\uffff]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}
