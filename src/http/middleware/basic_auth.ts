/**
 * HTTP Basic authentication against `--basic_auth` pairs. Every pair is compared, in constant
 * time over SHA-256 digests, so neither the match position nor the lengths leak through timing.
 */
import type { MiddlewareHandler } from "hono";
import { createHash, timingSafeEqual } from "node:crypto";
import { Buffer } from "node:buffer";
import { StalkError } from "../../errors.ts";

function digest(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}

/** True when `header` carries one of the `user:password` pairs. */
export function checkBasicAuth(header: string | undefined, pairs: string[]): boolean {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? "");
  if (!match) return false;
  const offered = digest(Buffer.from(match[1], "base64").toString("utf8"));
  let ok = false;
  for (const pair of pairs) ok = timingSafeEqual(offered, digest(pair)) || ok;
  return ok;
}

/** Requires valid credentials on every request whose path is not in `publicPaths`. */
export function basicAuth(pairs: string[], publicPaths: Set<string>): MiddlewareHandler {
  return async (c, next) => {
    if (c.req.method === "OPTIONS" || publicPaths.has(c.req.path)) return await next();
    if (!checkBasicAuth(c.req.header("Authorization"), pairs)) {
      throw new StalkError("unauthorized", "Access denied: valid Basic credentials are required", {
        headers: { "WWW-Authenticate": 'Basic realm="stalk"' },
      });
    }
    await next();
  };
}
