/**
 * Builds the auth policy from the configuration: basic-auth users, API tokens, and the public
 * paths. Reads the token file, so a missing or malformed one stops start-up with a reason.
 */
import { readFileSync } from "node:fs";
import type { Config } from "../../config.ts";
import { ConfigError } from "../../config.ts";
import { describeError } from "../../log.ts";
import { basicAuthProvider } from "./basic.ts";
import { type AuthPolicy, type AuthProvider, createAuthPolicy } from "./policy.ts";
import { parseTokenFile, tokenProvider } from "./tokens.ts";

/** Paths served without credentials: probes carry none. */
const ALWAYS_PUBLIC = ["/healthcheck"];

/** The providers and public paths the configuration asks for. */
export function authProviders(config: Config): AuthProvider[] {
  const providers: AuthProvider[] = [];
  if (config.basicAuth.length > 0) providers.push(basicAuthProvider(config.basicAuth));
  if (config.access.apiTokens) providers.push(tokenProvider(readTokens(config.access.apiTokens)));
  return providers;
}

/** The policy for `config`, with `extra` providers (the OAuth session) asked after the rest. */
export function authPolicyFor(config: Config, extra: AuthProvider[] = []): AuthPolicy {
  const publicPaths = new Set(ALWAYS_PUBLIC);
  // The login pages must be reachable by whoever is not logged in yet.
  if (extra.length > 0) ["/login", "/logout"].forEach((path) => publicPaths.add(path));
  if (config.access.metricsPublic) publicPaths.add("/metrics");
  return createAuthPolicy({
    providers: [...authProviders(config), ...extra],
    publicPaths,
    unauthenticatedApi: config.unauthenticatedApi,
  });
}

function readTokens(path: string) {
  let text;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new ConfigError(`cannot read --api_tokens file '${path}': ${describeError(error)}`);
  }
  try {
    return parseTokenFile(text);
  } catch (error) {
    throw new ConfigError(`invalid --api_tokens file '${path}': ${describeError(error)}`);
  }
}
