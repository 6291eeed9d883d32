/**
 * The few places where Deno and Bun differ. Nothing else in Stalk may branch on the runtime:
 * everything else uses web standards and `node:` modules, which both provide.
 */

/** A running HTTP server. */
export interface HttpServer {
  /** The port actually bound (useful with port 0); 0 on a Unix socket. */
  port: number;
  /** Stops accepting connections and lets in-flight requests finish. */
  close(): Promise<void>;
}

/** A certificate and its key, PEM text, for serving HTTPS. */
export interface TlsFiles {
  cert: string;
  key: string;
}

/** Options for {@linkcode serve}. */
export interface ServeOptions {
  port: number;
  /** Interface to bind; empty or undefined means every interface. */
  hostname?: string;
  /** Serve HTTPS with this certificate instead of HTTP. */
  tls?: TlsFiles;
  /** Listen on this Unix socket path instead of a TCP port. */
  unixSocket?: string;
}

/** What the server knows about a request's connection. */
export interface RequestInfo {
  /** The peer's IP address; undefined on a Unix socket. */
  remoteAddress?: string;
}

type FetchHandler = (request: Request, info: RequestInfo) => Response | Promise<Response>;

interface DenoServeInfo {
  remoteAddr: { transport: string; hostname?: string };
}

interface DenoLike {
  serve(
    options: {
      port?: number;
      hostname?: string;
      path?: string;
      cert?: string;
      key?: string;
      onListen?: () => void;
    },
    handler: (request: Request, info: DenoServeInfo) => Response | Promise<Response>,
  ): { addr: { port?: number }; shutdown(): Promise<void> };
}

interface BunServer {
  port?: number;
  requestIP(request: Request): { address: string } | null;
  stop(closeActiveConnections?: boolean): Promise<void> | void;
}

interface BunLike {
  serve(options: {
    port?: number;
    hostname?: string;
    unix?: string;
    tls?: { cert: string; key: string };
    idleTimeout?: number;
    fetch: (request: Request, server: BunServer) => Response | Promise<Response>;
  }): BunServer;
  gc(force: boolean): void;
}

const globals = globalThis as { Deno?: DenoLike; Bun?: BunLike; gc?: () => void };

/**
 * Runs a full garbage collection now where the runtime allows it: always under Bun, under Deno
 * only with `--v8-flags=--expose-gc`. Returns whether one ran.
 */
export function collectGarbage(): boolean {
  if (globals.Bun) {
    globals.Bun.gc(true);
    return true;
  }
  if (typeof globals.gc !== "function") return false;
  globals.gc();
  return true;
}

/** The name of the runtime Stalk runs on. */
export const runtimeName: "deno" | "bun" = globals.Bun ? "bun" : "deno";

/** Starts an HTTP(S) server on the current runtime, on a TCP port or a Unix socket. */
export function serve(options: ServeOptions, handler: FetchHandler): HttpServer {
  const hostname = options.hostname || "0.0.0.0";
  const where = options.unixSocket
    ? { unix: options.unixSocket, path: options.unixSocket }
    : { port: options.port, hostname };
  if (globals.Bun) {
    const { path: _path, ...bunWhere } = where as Record<string, unknown>;
    // Bun closes a request after 10 s without bytes; `apply` and `result?timeout=` wait longer.
    const server = globals.Bun.serve({
      ...bunWhere,
      ...(options.tls ? { tls: options.tls } : {}),
      idleTimeout: 0,
      fetch: (request, server) =>
        handler(withAbsoluteUrl(request, options.tls ? "https" : "http", hostname, options.port), {
          remoteAddress: server.requestIP(request)?.address,
        }),
    });
    return { port: server.port ?? 0, close: async () => await server.stop() };
  }
  if (globals.Deno) {
    const { unix: _unix, ...denoWhere } = where as Record<string, unknown>;
    const server = globals.Deno.serve(
      { ...denoWhere, ...(options.tls ?? {}), onListen: () => {} },
      (request, info) =>
        handler(withHttpScheme(request), { remoteAddress: info.remoteAddr.hostname }),
    );
    return { port: server.addr.port ?? 0, close: () => server.shutdown() };
  }
  throw new Error("Unsupported runtime: Stalk runs on Deno or Bun");
}

/**
 * Bun gives a request without a `Host` header (HTTP/1.0) the bare target as its URL
 * (`/healthcheck`), which routers cannot read; Deno makes it absolute. Do the same on Bun.
 */
function withAbsoluteUrl(
  request: Request,
  scheme: string,
  hostname: string,
  port: number,
): Request {
  if (request.url.startsWith("http")) return request;
  return new Request(new URL(request.url, `${scheme}://${hostname}:${port}`), request);
}

/** Deno names a Unix-socket request's scheme `http+unix:`, which routers misread: make it http. */
function withHttpScheme(request: Request): Request {
  if (!request.url.startsWith("http+unix:")) return request;
  return new Request(`http:${request.url.slice("http+unix:".length)}`, request);
}

/** A SQLite database file opened through the runtime's own driver. */
export interface SqliteDatabase {
  /** Rows of a query with `?` placeholders. */
  all(sql: string, params: unknown[]): Record<string, unknown>[];
  /** Runs a statement; returns how many rows it changed. */
  run(sql: string, params: unknown[]): number;
  close(): void;
}

interface SqliteStatement {
  all(...params: unknown[]): Record<string, unknown>[];
  run(...params: unknown[]): { changes: number | bigint };
}

/**
 * Opens `file` (which must exist) with `node:sqlite` under Deno or `bun:sqlite` under Bun, both
 * built in, so the single binary needs no native module. Waits up to `busyMs` for a worker's
 * write lock.
 */
export async function openSqlite(file: string, busyMs = 5_000): Promise<SqliteDatabase> {
  // Specifiers in variables: each runtime's bundler and checker must not resolve the other's.
  if (globals.Bun) {
    const specifier = "bun:sqlite";
    const { Database } = await import(specifier);
    const db = new Database(file, { create: false, readwrite: true });
    db.run(`PRAGMA busy_timeout = ${busyMs}`);
    const prepare = (sql: string) => db.query(sql) as SqliteStatement;
    return sqliteOver(prepare, () => db.close());
  }
  const specifier = "node:sqlite";
  const { DatabaseSync } = await import(specifier);
  const db = new DatabaseSync(file);
  db.exec(`PRAGMA busy_timeout = ${busyMs}`);
  return sqliteOver((sql) => db.prepare(sql) as SqliteStatement, () => db.close());
}

function sqliteOver(prepare: (sql: string) => SqliteStatement, close: () => void): SqliteDatabase {
  return {
    all: (sql, params) => prepare(sql).all(...params),
    run: (sql, params) => Number(prepare(sql).run(...params).changes),
    close,
  };
}
