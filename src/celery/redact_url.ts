/**
 * Masks the credentials of broker, backend and management-API URLs before they are printed or
 * returned. It covers every form the URL parsers accept: `user:pass@`, a password holding `@`
 * (the last `@` ends the user info, as in kombu and WHATWG URLs), query parameters such as
 * `?password=` (redis-py, `redis+socket://`), and `;`-separated failover lists (kombu, Sentinel).
 */

/** What replaces a secret. */
export const MASK = "****";

/** Query parameter names whose values are secrets (`password`, `sentinel_password`, `token`). */
const SECRET_PARAM = /pass|secret|token|credential/i;

/** A URL inside free text: a scheme, `://`, and everything up to white space or a quote. */
const URL_IN_TEXT = /[a-z][a-z0-9+.-]*:\/\/[^\s'"<>`]*/gi;

/** `user:pass@` at the very start of a value without a scheme (`guest:secret@host//`). */
const LEADING_USERINFO = /^([^\s:/@]*):[^\s]*@/;

/** A JSON member with a secret-looking name (`"password": "…"` in transport options). */
const JSON_SECRET = /("[^"]*(?:pass|secret|token|credential)[^"]*"\s*:\s*)"(?:[^"\\]|\\.)*"/gi;

/**
 * The text with the password of every URL in it replaced by `****`. A value that is only a
 * URL gets the same treatment, and so does one without a scheme (`user:pass@host`), which a
 * configuration error may echo back, and so do JSON members such as `"password": "…"`
 * (`--broker_transport_options`).
 */
export function redactUrl(text: string): string {
  let found = false;
  const out = text.replace(URL_IN_TEXT, (url) => {
    found = true;
    return redactOne(url);
  });
  const masked = found ? out : redactQuery(out.replace(LEADING_USERINFO, `$1:${MASK}@`));
  return masked.replace(JSON_SECRET, `$1"${MASK}"`);
}

/** One URL that starts with its scheme; `;` may join several (failover, Sentinel). */
function redactOne(url: string): string {
  // Split only where a new URL starts, so a `;` inside a password stays part of it.
  return url.split(/;(?=[a-z][a-z0-9+.-]*:\/\/)/i).map(redactSegment).join(";");
}

function redactSegment(segment: string): string {
  const start = segment.indexOf("://") + 3;
  const rest = segment.slice(start);
  const at = rest.lastIndexOf("@");
  const colon = rest.indexOf(":");
  let masked = rest;
  // A password may hold `@`, `/` or `?` when written unencoded: mask up to the last `@`.
  if (at !== -1 && colon !== -1 && colon < at) {
    masked = `${rest.slice(0, colon)}:${MASK}${rest.slice(at)}`;
  }
  return segment.slice(0, start) + redactQuery(masked);
}

/** Masks the value of every secret-looking query parameter. */
function redactQuery(text: string): string {
  const q = text.indexOf("?");
  if (q === -1) return text;
  const query = text.slice(q + 1).replace(
    // Only `&` separates parameters (Python's parse_qs since 3.9.2); `;` belongs to the value.
    /(^|&)([^=&#]*)=([^&#]*)/g,
    (whole, sep: string, name: string) =>
      SECRET_PARAM.test(decodeName(name)) ? `${sep}${name}=${MASK}` : whole,
  );
  return `${text.slice(0, q + 1)}${query}`;
}

function decodeName(name: string): string {
  try {
    return decodeURIComponent(name.replaceAll("+", " "));
  } catch {
    return name;
  }
}

/**
 * `value` with {@linkcode redactUrl} applied to every string in it, and secret-named members
 * (`password`, `sentinel_password`, ...) masked: for worker replies Stalk returns as they came,
 * whose `conf` may hold a `?password=` URL Celery's own censoring leaves alone.
 */
export function redactDeep(value: unknown): unknown {
  if (typeof value === "string") return value.includes("://") ? redactUrl(value) : value;
  if (Array.isArray(value)) return value.map(redactDeep);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      out[key] = typeof item === "string" && SECRET_PARAM.test(key) && item !== ""
        ? MASK
        : redactDeep(item);
    }
    return out;
  }
  return value;
}
