/**
 * `--url_prefix`: the whole application answers under `/<prefix>/`, as behind a reverse proxy
 * that forwards that path. Requests are handed on with the prefix removed, so routes are written
 * once; the pages build their links with the prefix (`src/web/paths.ts`). A redirect to a path
 * the inner app wrote without the prefix (the login's `/login?next=…` and its `next`) gets it.
 */
import { Hono } from "hono";
import type { App, AppEnv } from "./deps.ts";
import { jsonResponse } from "./json.ts";

/** `app` mounted under `/<prefix>`; `prefix` has no slashes around it. */
export function withUrlPrefix(app: App, prefix: string): App {
  const base = `/${prefix}`;
  const outer = new Hono<AppEnv>();
  outer.all("*", async (c) => {
    const url = new URL(c.req.url);
    if (url.pathname === base) {
      return c.redirect(`${base}/${url.search}`, 301);
    }
    // Probes keep working at the root, whatever the prefix.
    if (url.pathname === "/healthcheck") return app.fetch(c.req.raw, c.env);
    if (!url.pathname.startsWith(`${base}/`)) {
      return jsonResponse(
        c,
        { error: `No route for ${url.pathname}: this server answers under ${base}/` },
        404,
      );
    }
    url.pathname = url.pathname.slice(base.length);
    return withBase(await app.fetch(new Request(url, c.req.raw), c.env), base);
  });
  return outer;
}

/** `response` with a `Location` that is a path on this server but outside `base` moved under it. */
function withBase(response: Response, base: string): Response {
  const location = response.headers.get("Location");
  if (
    !location?.startsWith("/") || location.startsWith("//") || location.startsWith("/\\") ||
    location === base || location.startsWith(`${base}/`) || location.startsWith(`${base}?`)
  ) {
    return response;
  }
  try {
    response.headers.set("Location", `${base}${location}`);
    return response;
  } catch {
    // A response with immutable headers (one passed through from fetch) is copied instead.
    const moved = new Response(response.body, response);
    moved.headers.set("Location", `${base}${location}`);
    return moved;
  }
}
