/**
 * Defences of the pages against hostile task data and forged requests: the response headers
 * (a Content-Security-Policy that allows only Stalk's own script and style), the anti-forgery
 * token of every action form, and a strict same-origin check on every action POST.
 */
import type { Context } from "hono";
import { createHmac, timingSafeEqual } from "node:crypto";
import { Buffer } from "node:buffer";
import type { Identity } from "../http/auth/identity.ts";
import { StalkError } from "../errors.ts";

/** Headers of every HTML page and fragment stream. */
export const PAGE_HEADERS: Record<string, string> = {
  "Content-Security-Policy": [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join("; "),
  "X-Content-Type-Options": "nosniff",
  "X-Frame-Options": "DENY",
  "Referrer-Policy": "same-origin",
  "Cache-Control": "no-store",
};

/** Who is asking, as the auth gate established it, for binding tokens to the caller. */
function principal(c: Context): string {
  const identity = c.get("identity") as Identity | undefined;
  return identity ? `${identity.via}:${identity.name}` : "";
}

/** The anti-forgery token of the caller's forms. */
export function csrfToken(c: Context, secret: Uint8Array): string {
  return createHmac("sha256", secret).update(`stalk-form:${principal(c)}`).digest("base64url");
}

/**
 * The origin the browser should have used: the request's own, as a reverse proxy forwards it
 * (`X-Forwarded-Host`, `X-Forwarded-Proto`) or as it arrived.
 */
function ownOrigins(c: Context): string[] {
  const url = new URL(c.req.url);
  const hosts = [url.host];
  const forwarded = c.req.header("X-Forwarded-Host")?.split(",")[0]?.trim();
  if (forwarded) hosts.push(forwarded);
  const host = c.req.header("Host");
  if (host) hosts.push(host);
  const protos = [url.protocol.replace(":", "")];
  const proto = c.req.header("X-Forwarded-Proto")?.split(",")[0]?.trim();
  if (proto) protos.push(proto);
  return protos.flatMap((p) => hosts.map((h) => `${p}://${h}`));
}

/**
 * Refuses (403) a POST that another site could have made: an `Origin` other than this one, a
 * `Sec-Fetch-Site` other than same-origin, or a missing or wrong token.
 */
export function checkForgery(c: Context, token: unknown, secret: Uint8Array): void {
  const origin = c.req.header("Origin");
  if (origin !== undefined && !ownOrigins(c).includes(origin)) {
    throw new StalkError("forbidden", `Refused a cross-site request from origin '${origin}'`);
  }
  const site = c.req.header("Sec-Fetch-Site");
  if (site !== undefined && site !== "same-origin" && site !== "none") {
    throw new StalkError("forbidden", `Refused a cross-site request ('Sec-Fetch-Site: ${site}')`);
  }
  const expected = Buffer.from(csrfToken(c, secret));
  const given = Buffer.from(typeof token === "string" ? token : "");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new StalkError("forbidden", "Refused a form without a valid token: reload the page");
  }
}
