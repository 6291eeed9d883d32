/**
 * The few places where Deno and Bun differ. Nothing else in Stalk may branch on the runtime:
 * everything else uses web standards and `node:` modules, which both provide.
 */

/** A running HTTP server. */
export interface HttpServer {
  /** The port actually bound (useful with port 0). */
  port: number;
  /** Stops accepting connections and lets in-flight requests finish. */
  close(): Promise<void>;
}

/** Options for {@linkcode serve}. */
export interface ServeOptions {
  port: number;
  /** Interface to bind; empty or undefined means every interface. */
  hostname?: string;
}

type FetchHandler = (request: Request) => Response | Promise<Response>;

interface DenoLike {
  serve(
    options: { port: number; hostname?: string; onListen?: () => void },
    handler: FetchHandler,
  ): { addr: { port: number }; shutdown(): Promise<void> };
}

interface BunLike {
  serve(options: { port: number; hostname?: string; idleTimeout?: number; fetch: FetchHandler }): {
    port: number;
    stop(closeActiveConnections?: boolean): Promise<void> | void;
  };
}

const globals = globalThis as { Deno?: DenoLike; Bun?: BunLike };

/** The name of the runtime Stalk runs on. */
export const runtimeName: "deno" | "bun" = globals.Bun ? "bun" : "deno";

/** Starts an HTTP server on the current runtime. */
export function serve(options: ServeOptions, handler: FetchHandler): HttpServer {
  const hostname = options.hostname || "0.0.0.0";
  if (globals.Bun) {
    // Bun closes a request after 10 s without bytes; `apply` and `result?timeout=` wait longer.
    const server = globals.Bun.serve({
      port: options.port,
      hostname,
      idleTimeout: 0,
      fetch: (request) => handler(withAbsoluteUrl(request, hostname, options.port)),
    });
    return { port: server.port, close: async () => await server.stop() };
  }
  if (globals.Deno) {
    const server = globals.Deno.serve(
      { port: options.port, hostname, onListen: () => {} },
      handler,
    );
    return { port: server.addr.port, close: () => server.shutdown() };
  }
  throw new Error("Unsupported runtime: Stalk runs on Deno or Bun");
}

/**
 * Bun gives a request without a `Host` header (HTTP/1.0) the bare target as its URL
 * (`/healthcheck`), which routers cannot read; Deno makes it absolute. Do the same on Bun.
 */
function withAbsoluteUrl(request: Request, hostname: string, port: number): Request {
  if (request.url.startsWith("http")) return request;
  return new Request(new URL(request.url, `http://${hostname}:${port}`), request);
}
