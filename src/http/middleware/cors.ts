/**
 * Flower's CORS behaviour: when no authentication is configured every response allows any
 * origin; with authentication on, no CORS headers are sent at all.
 */
import type { MiddlewareHandler } from "hono";

const HEADERS: Record<string, string> = {
  "Access-Control-Allow-Origin": "*",
  "Access-Control-Allow-Headers":
    "x-requested-with,access-control-allow-origin,authorization,content-type",
  "Access-Control-Allow-Methods": "PUT, DELETE, OPTIONS, POST, GET, PATCH",
};

/** Adds the permissive CORS headers to every response. */
export function permissiveCors(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    for (const [name, value] of Object.entries(HEADERS)) c.res.headers.set(name, value);
  };
}
