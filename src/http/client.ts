/**
 * The client of a request as the server sees it: its address, for logs and the login throttle,
 * and whether it reached Stalk over HTTPS, for the cookie's `Secure` flag and redirect URIs.
 * With `--xheaders` the proxy's `X-Real-Ip`, `X-Forwarded-For`, `X-Forwarded-Proto` and
 * `X-Scheme` are trusted, as Tornado's `xheaders` does for Flower; without it they are ignored,
 * since any client can send them.
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "./deps.ts";

export type { ClientInfo } from "./deps.ts";

/** Puts `client` on every request; `xheaders` trusts a proxy's forwarding headers. */
export function clientInfo(options: { xheaders: boolean }): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    let address = c.env?.remoteAddress || "unknown";
    let https = new URL(c.req.url).protocol === "https:";
    if (options.xheaders) {
      // The proxy appends the address it saw: the last entry is the one it vouches for.
      const forwarded = c.req.header("X-Forwarded-For")?.split(",").at(-1)?.trim();
      address = c.req.header("X-Real-Ip")?.trim() || forwarded || address;
      const proto = (c.req.header("X-Forwarded-Proto") ?? c.req.header("X-Scheme"))?.split(",")[0]
        .trim().toLowerCase();
      if (proto === "https" || proto === "http") https = proto === "https";
    }
    c.set("client", { address, https });
    await next();
  };
}
