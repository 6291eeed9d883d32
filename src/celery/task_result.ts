/**
 * Result documents as Celery's backends store them (`{"status", "result", "traceback", ...}`),
 * turned into what Flower's API shows: the state, a JSON-safe result (an exception as its
 * Python repr, `ValueError('boom')`), and the traceback.
 */
import { isPickle, readPickle } from "./pickle.ts";
import { pythonRepr } from "./python_repr.ts";

/** `celery.states.READY_STATES`: the task will not change any more. */
export const READY_STATES: ReadonlySet<string> = new Set(["SUCCESS", "FAILURE", "REVOKED"]);

/** `celery.states.EXCEPTION_STATES`: `result` holds an exception dict. */
export const EXCEPTION_STATES: ReadonlySet<string> = new Set(["RETRY", "FAILURE", "REVOKED"]);

/** A task's state and result as the API reports them. */
export interface TaskOutcome {
  taskId: string;
  state: string;
  /** The return value as plain JSON, or an exception's repr in exception states. */
  result: unknown;
  traceback: string | null;
}

/** True for SUCCESS, FAILURE and REVOKED. */
export function isReady(state: string): boolean {
  return READY_STATES.has(state);
}

/** What an unknown task looks like: Celery never stores PENDING. */
export function pendingOutcome(taskId: string): TaskOutcome {
  return { taskId, state: "PENDING", result: null, traceback: null };
}

/**
 * Decodes a result document's JSON text (the Redis value, or an `rpc://` message body). Throws
 * an Error saying what is wrong when it is not a JSON object with a `status`.
 */
export function decodeResult(taskId: string, text: string): TaskOutcome {
  return outcomeOf(taskId, parseLenient(text));
}

/**
 * Decodes a result document stored as bytes (memcached): JSON text, or a pickle (the `pickle`
 * result serializer) read by the safe reader. Throws an Error saying what is wrong, a
 * {@linkcode PickleRefused} for a pickle that holds Python objects.
 */
export function decodeResultBytes(taskId: string, bytes: Uint8Array): TaskOutcome {
  if (isPickle(bytes)) return outcomeOf(taskId, readPickle(bytes));
  return decodeResult(taskId, new TextDecoder().decode(bytes));
}

/** The outcome of a decoded result document (`{"status", "result", "traceback", ...}`). */
export function outcomeOf(taskId: string, meta: unknown): TaskOutcome {
  if (typeof meta !== "object" || meta === null || Array.isArray(meta)) {
    throw new Error("the result document is not a JSON object");
  }
  const { status, result, traceback } = meta as Record<string, unknown>;
  if (typeof status !== "string") throw new Error("the result document has no status");
  const plain = plainJson(result);
  const exception = EXCEPTION_STATES.has(status) ? exceptionRepr(plain) : undefined;
  return {
    taskId,
    state: status,
    result: exception ?? plain,
    traceback: typeof traceback === "string" ? traceback : null,
  };
}

/**
 * The repr Python gives the exception a backend stored as
 * `{"exc_type": "ValueError", "exc_message": ["boom"], "exc_module": "builtins"}`:
 * `ValueError('boom')`. Undefined when `value` is not such a dict.
 */
export function exceptionRepr(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const { exc_type: type, exc_message: message } = value as Record<string, unknown>;
  if (typeof type !== "string" || type === "") return undefined;
  const args = Array.isArray(message)
    ? message
    : message === undefined || message === null
    ? []
    : [message];
  // Python's BaseException.__repr__ uses the class's __name__, not its dotted __qualname__.
  const name = type.slice(type.lastIndexOf(".") + 1);
  return `${name}(${args.map(pythonRepr).join(", ")})`;
}

/**
 * Makes a decoded value plain JSON: kombu 5.3+ tags (`{"__type__": "datetime", "__value__":
 * "…"}`) become their text, a UUID its canonical form; other values are kept.
 */
export function plainJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plainJson);
  if (typeof value !== "object" || value === null) return value;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  if (keys.length === 2 && "__type__" in record && "__value__" in record) {
    const tagged = untag(record.__type__, record.__value__);
    if (tagged !== undefined) return tagged;
  }
  return Object.fromEntries(keys.map((key) => [key, plainJson(record[key])]));
}

function untag(type: unknown, value: unknown): unknown {
  switch (type) {
    case "datetime":
    case "date":
    case "time":
    case "decimal":
    case "bytes":
    case "base64":
      return typeof value === "string" ? value : undefined;
    case "uuid": {
      const hex = typeof value === "object" && value !== null
        ? (value as { hex?: unknown }).hex
        : value;
      if (typeof hex !== "string" || !/^[0-9a-f]{32}$/i.test(hex)) return undefined;
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${
        hex.slice(20)
      }`
        .toLowerCase();
    }
    default:
      return undefined;
  }
}

/**
 * `JSON.parse`, falling back to reading Python's `NaN`, `Infinity` and `-Infinity` (which
 * `json.dumps` writes by default) as the strings `"NaN"`, `"Infinity"` and `"-Infinity"`.
 */
export function parseResultJson(text: string): unknown {
  return parseLenient(text);
}

function parseLenient(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const patched = quoteNonFinite(text);
    if (patched === text) throw error;
    return JSON.parse(patched);
  }
}

function quoteNonFinite(text: string): string {
  let out = "";
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (inString) {
      out += char;
      if (char === "\\") out += text[++i] ?? "";
      else if (char === '"') inString = false;
      continue;
    }
    if (char === '"') {
      inString = true;
      out += char;
      continue;
    }
    const word = /^(-?Infinity|NaN)/.exec(text.slice(i, i + 9))?.[1];
    if (word) {
      out += `"${word}"`;
      i += word.length - 1;
    } else {
      out += char;
    }
  }
  return out;
}
