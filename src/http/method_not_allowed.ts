/**
 * 405 with `Allow` for a known path asked with the wrong method. Hono's router matches the
 * paths: after the routes are registered, each route path gets one more handler, for any
 * method, which runs only when no route of the request's method answered first.
 */
import { StalkError } from "../errors.ts";
import type { App } from "./deps.ts";

const ROUTE_METHODS = new Set(["GET", "POST", "PUT", "PATCH", "DELETE"]);

/** Registers the 405 handlers; call it after every route is registered. */
export function answerWrongMethods(app: App): void {
  const methods = new Map<string, Set<string>>();
  for (const route of app.routes) {
    // Middleware (`use`) is registered as ALL, the CORS preflight as OPTIONS: neither is a route.
    if (!ROUTE_METHODS.has(route.method)) continue;
    const set = methods.get(route.path) ?? new Set<string>();
    set.add(route.method);
    methods.set(route.path, set);
  }
  for (const [path, set] of methods) {
    // HEAD is answered by GET routes, and OPTIONS by the preflight handler on every path.
    const allowed = new Set([...set, "OPTIONS"]);
    if (set.has("GET")) allowed.add("HEAD");
    const allow = [...allowed].sort().join(", ");
    app.all(path, (c) => {
      throw new StalkError(
        "method_not_allowed",
        `Method ${c.req.method} is not allowed on ${c.req.path}`,
        { headers: { Allow: allow } },
      );
    });
  }
}
