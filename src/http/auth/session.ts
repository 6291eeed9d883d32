/**
 * Signed cookies: a JSON payload, base64url, and its HMAC-SHA-256 under `--cookie_secret`, made
 * and checked with Web Crypto (constant-time verification). The payload carries its own expiry,
 * checked on every read, so a stolen or kept cookie stops working when the session ends.
 */

const encoder = new TextEncoder();

function toBase64Url(bytes: Uint8Array): string {
  let text = "";
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function fromBase64Url(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return undefined;
  const binary = atob(text.replaceAll("-", "+").replaceAll("_", "/"));
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}

/** Signs and verifies cookie payloads; `now` is seconds since the epoch (a test fakes it). */
export class CookieSigner {
  readonly #key: Promise<CryptoKey>;
  readonly #now: () => number;

  constructor(secret: string, now: () => number = () => Date.now() / 1000) {
    this.#key = crypto.subtle.importKey(
      "raw",
      encoder.encode(secret),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign", "verify"],
    );
    this.#now = now;
  }

  /** The cookie value for `payload`, valid for `ttl` seconds. */
  async sign(payload: Record<string, unknown>, ttl: number): Promise<string> {
    const body = toBase64Url(
      encoder.encode(JSON.stringify({ ...payload, exp: Math.floor(this.#now() + ttl) })),
    );
    const mac = await crypto.subtle.sign("HMAC", await this.#key, encoder.encode(body));
    return `${body}.${toBase64Url(new Uint8Array(mac))}`;
  }

  /** The payload of a genuine, unexpired `value`; undefined for anything else. */
  async verify(value: string | undefined): Promise<Record<string, unknown> | undefined> {
    const [body, mac, extra] = (value ?? "").split(".");
    if (!body || !mac || extra !== undefined) return undefined;
    const signature = fromBase64Url(mac);
    if (!signature) return undefined;
    const genuine = await crypto.subtle.verify(
      "HMAC",
      await this.#key,
      signature,
      encoder.encode(body),
    );
    if (!genuine) return undefined;
    const bytes = fromBase64Url(body);
    if (!bytes) return undefined;
    const payload = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
    if (typeof payload.exp !== "number" || payload.exp <= this.#now()) return undefined;
    return payload;
  }
}

/**
 * `next` if it is a path on this server, else `/`. Only `/x…` counts: `//host`, `/\host`,
 * schemes and anything with control characters would send the browser elsewhere.
 */
export function localPath(next: string | undefined): string {
  if (!next || !next.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) {
    return "/";
  }
  // deno-lint-ignore no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(next)) return "/";
  return next;
}
