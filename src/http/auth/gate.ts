/**
 * The gate in front of every route: asks the auth policy who the caller is, puts that identity
 * on the request context (`c.get("identity")`), or refuses with the policy's 401.
 */
import type { MiddlewareHandler } from "hono";
import { StalkError } from "../../errors.ts";
import type { AppEnv } from "../deps.ts";
import { hasRole, type Role } from "./identity.ts";
import type { AuthPolicy } from "./policy.ts";

/** Sets `identity` on each request, or throws the policy's 401. */
export function authGate(policy: AuthPolicy): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const identity = await policy.authenticate(c);
    if (!identity) throw policy.refusal();
    c.set("identity", identity);
    await next();
  };
}

const READS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Refuses calls that change workers or tasks (every method but GET, HEAD and OPTIONS) to a
 * caller below `role`. Read-only mode is checked by the services and refuses even an admin.
 */
export function requireRoleForWrites(role: Role): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!READS.has(c.req.method) && !hasRole(c.get("identity"), role)) {
      throw new StalkError(
        "forbidden",
        `Access denied: '${
          c.get("identity").name
        }' is not allowed to ${c.req.method} '${c.req.path}'`,
      );
    }
    await next();
  };
}
