/**
 * HTTP Basic authentication against `--basic_auth` entries. Flower's `user:password` pairs stay
 * valid and make admins, as in Flower; an entry may name a lower role before the user,
 * `viewer=user:password` or `operator=user:password`. Every entry is compared in constant time
 * over SHA-256 digests, so neither the match position nor the lengths leak through timing.
 */
import { Buffer } from "node:buffer";
import { type Identity, isRole, type Role } from "./identity.ts";
import type { AuthProvider } from "./policy.ts";
import { findDigest, sha256 } from "./_secret.ts";

/** One `--basic_auth` account. */
export interface BasicUser {
  user: string;
  /** The `user:password` text a client's `Authorization: Basic` header carries. */
  pair: string;
  role: Role;
}

/** Reads one `--basic_auth` entry: `[role=]user:password`. */
export function parseBasicUser(entry: string): BasicUser {
  const eq = entry.indexOf("=");
  const colon = entry.indexOf(":");
  const prefix = eq >= 0 && (colon < 0 || eq < colon) ? entry.slice(0, eq) : "";
  const role = isRole(prefix) ? prefix : "admin";
  const pair = isRole(prefix) ? entry.slice(eq + 1) : entry;
  const split = pair.indexOf(":");
  return { user: split < 0 ? pair : pair.slice(0, split), pair, role };
}

/** Basic auth as a provider; `entries` are `--basic_auth` texts (`[role=]user:password`). */
export function basicAuthProvider(entries: string[]): AuthProvider {
  const users = entries.map(parseBasicUser);
  const digests = users.map((user) => sha256(user.pair));
  return {
    label: "Basic",
    authenticate(c): Identity | null {
      const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(c.req.header("Authorization") ?? "");
      if (!match) return null;
      const offered = Buffer.from(match[1], "base64").toString("utf8");
      const found = findDigest(sha256(offered), digests);
      if (found < 0) return null;
      return { name: users[found].user, role: users[found].role, via: "basic" };
    },
    challenge: () => ({ "WWW-Authenticate": 'Basic realm="stalk"' }),
  };
}
