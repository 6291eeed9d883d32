/**
 * HTTP Basic authentication against `--basic_auth` pairs. Every pair is compared, in constant
 * time over SHA-256 digests, so neither the match position nor the lengths leak through timing.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { Buffer } from "node:buffer";
import type { AuthProvider } from "./policy.ts";

function digest(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}

/** The user of the `user:password` pair `header` carries, or null when it carries none. */
function checkBasicAuth(header: string | undefined, pairs: string[]): string | null {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? "");
  if (!match) return null;
  const offered = Buffer.from(match[1], "base64").toString("utf8");
  const offeredDigest = digest(offered);
  let ok = false;
  for (const pair of pairs) ok = timingSafeEqual(offeredDigest, digest(pair)) || ok;
  if (!ok) return null;
  const colon = offered.indexOf(":");
  return colon < 0 ? offered : offered.slice(0, colon);
}

/** Basic auth as a provider: Flower's basic-auth users may do everything, so they are admins. */
export function basicAuthProvider(pairs: string[]): AuthProvider {
  return {
    label: "Basic",
    authenticate(c) {
      const user = checkBasicAuth(c.req.header("Authorization"), pairs);
      return user === null ? null : { name: user, role: "admin", via: "basic" };
    },
    challenge: () => ({ "WWW-Authenticate": 'Basic realm="stalk"' }),
  };
}
