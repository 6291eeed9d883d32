/**
 * API tokens: `--api_tokens FILE` names each token, its role and the SHA-256 of its secret, so
 * the file never holds a usable credential. `Authorization: Bearer <token>` then works on every
 * route, whichever login the browser uses. File format, one token a line, `#` starts a comment:
 *
 *     ci-deploy  operator  sha256:3f7a…   (64 hex digits: `printf %s "$TOKEN" | sha256sum`)
 */
import { Buffer } from "node:buffer";
import { type Identity, isRole, type Role, ROLES } from "./identity.ts";
import type { AuthProvider } from "./policy.ts";
import { findDigest, sha256 } from "./_secret.ts";

/** One named token as the file lists it. */
export interface ApiToken {
  name: string;
  role: Role;
  /** SHA-256 of the token's secret. */
  digest: Buffer;
}

/** Reads a token file's text; throws an Error naming the line on anything malformed. */
export function parseTokenFile(text: string): ApiToken[] {
  const tokens: ApiToken[] = [];
  const names = new Set<string>();
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.replace(/#.*$/, "").trim();
    if (line === "") return;
    const where = `line ${index + 1}`;
    const fields = line.split(/\s+/);
    if (fields.length !== 3) {
      throw new Error(`${where}: expected 'name role sha256:<64 hex digits>'`);
    }
    const [name, role, hash] = fields;
    if (!isRole(role)) {
      throw new Error(`${where}: unknown role '${role}', expected one of ${ROLES.join(", ")}`);
    }
    const hex = /^sha256:([0-9a-f]{64})$/i.exec(hash);
    if (!hex) throw new Error(`${where}: expected the token's hash as sha256:<64 hex digits>`);
    if (names.has(name)) throw new Error(`${where}: token name '${name}' appears twice`);
    names.add(name);
    tokens.push({ name, role, digest: Buffer.from(hex[1], "hex") });
  });
  return tokens;
}

/** Bearer tokens as a provider. */
export function tokenProvider(tokens: ApiToken[]): AuthProvider {
  const digests = tokens.map((token) => token.digest);
  return {
    label: "Bearer",
    authenticate(c): Identity | null {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header("Authorization") ?? "");
      if (!match) return null;
      const found = findDigest(sha256(match[1]), digests);
      if (found < 0) return null;
      return { name: tokens[found].name, role: tokens[found].role, via: "token" };
    },
    challenge: () => ({ "WWW-Authenticate": 'Bearer realm="stalk"' }),
  };
}
