/**
 * The gate in front of every route: asks the auth policy who the caller is, puts that identity
 * on the request context (`c.get("identity")`), or refuses with the policy's 401; then checks
 * the role the route needs (`permissions.ts`) and refuses a caller below it with a 403.
 */
import type { MiddlewareHandler } from "hono";
import { StalkError } from "../../errors.ts";
import type { AppEnv, WriteGuard } from "../deps.ts";
import { hasRole } from "./identity.ts";
import { requiredRole } from "./permissions.ts";
import type { AuthPolicy } from "./policy.ts";
import type { LoginThrottle } from "./throttle.ts";

/** Options for {@linkcode authGate}. */
export interface GateOptions {
  /** Slows down repeated failures from one address; none in tests that do not need it. */
  throttle?: LoginThrottle;
  /** Waits `ms`; a test passes one that records instead of sleeping. */
  sleep?: (ms: number) => Promise<void>;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Sets `identity` on each request, or throws the policy's 401 (after the throttle's delay). */
export function authGate(policy: AuthPolicy, options: GateOptions = {}): MiddlewareHandler<AppEnv> {
  const { throttle, sleep = realSleep } = options;
  return async (c, next) => {
    const identity = await policy.authenticate(c);
    const address = c.get("client")?.address ?? "unknown";
    const offered = c.req.header("Authorization") !== undefined;
    if (!identity) {
      const wait = offered && throttle ? throttle.fail(address) : 0;
      if (wait > 0) await sleep(wait);
      throw policy.refusal(c);
    }
    if (offered && identity.via !== "anonymous") throttle?.succeed(address);
    c.set("identity", identity);
    await next();
  };
}

/**
 * Refuses a caller below the role the route needs, with a 403 naming that role. Before that,
 * `guard` (read-only mode) refuses every action to everyone, admins included.
 */
export function requireRole(guard?: WriteGuard): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const identity = c.get("identity");
    const needed = requiredRole(c.req.method, c.req.path);
    if (needed !== "viewer") guard?.guardWrite();
    if (!hasRole(identity, needed)) {
      throw new StalkError(
        "forbidden",
        `Access denied: ${c.req.method} '${c.req.path}' needs the ${needed} role; ` +
          `'${identity.name}' has the ${identity.role} role`,
      );
    }
    await next();
  };
}

/**
 * Sends a browser that navigates to a page without any valid credentials to `/login`, with the
 * page as `next`; API clients and other methods get the gate's 401 as before.
 */
export function redirectToLogin(policy: AuthPolicy): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const navigating = c.req.method === "GET" &&
      (c.req.header("Accept") ?? "").includes("text/html") &&
      !c.req.path.startsWith("/api/") && c.req.header("Authorization") === undefined;
    if (navigating && !(await policy.authenticate(c))) {
      const url = new URL(c.req.url);
      return c.redirect(`/login?next=${encodeURIComponent(url.pathname + url.search)}`, 302);
    }
    await next();
  };
}
