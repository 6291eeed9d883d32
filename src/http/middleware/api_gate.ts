/**
 * Flower's API gate: with no authentication configured, `/api/*` is refused unless the operator
 * opted in with `FLOWER_UNAUTHENTICATED_API`.
 */
import type { MiddlewareHandler } from "hono";
import { StalkError } from "../../errors.ts";

/** Refuses `/api/*` with 401 unless `open` is true. */
export function apiGate(open: boolean): MiddlewareHandler {
  return async (c, next) => {
    if (
      !open && c.req.method !== "OPTIONS" &&
      (c.req.path === "/api" || c.req.path.startsWith("/api/"))
    ) {
      throw new StalkError(
        "unauthorized",
        "FLOWER_UNAUTHENTICATED_API environment variable is required to enable API without authentication",
      );
    }
    await next();
  };
}
