/**
 * What the HTTP layer needs from the rest of Stalk, as narrow interfaces: each route module
 * names only what it reads or calls, so an in-process test hands it small fakes or real
 * services, and no route module imports `app.ts`.
 */
import type { Context, Hono } from "hono";
import type { QueueLength, TransportStatus } from "../broker/transport.ts";
import type { ManagementQueue } from "../broker/management_api.ts";
import type { RefreshOptions, WorkerInfo } from "../control/inspector.ts";
import type { WorkerActions } from "../control/worker_control.ts";
import type { TaskRunner } from "../tasks/task_runner.ts";
import type { CompiledSearch, TaskJson, TaskQuery } from "../state/types.ts";
import type { AuthPolicy } from "./auth/policy.ts";
import type { Identity } from "./auth/identity.ts";
import type { LoginThrottle } from "./auth/throttle.ts";

/** What the server passes with each request (`app.fetch(request, connection)`). */
export interface ConnectionInfo {
  /** The peer's IP address; absent for in-process requests and Unix sockets. */
  remoteAddress?: string;
}

/** What the server knows about the client of one request (set by `client.ts`). */
export interface ClientInfo {
  /** The client's IP address, or `unknown` (in-process requests, Unix sockets). */
  address: string;
  /** True when the client used HTTPS: directly, or to a trusted proxy. */
  https: boolean;
}

/**
 * Hono's environment for Stalk: the client (address, HTTPS) and the caller's identity are on
 * every request, so a route or page asks `c.get("identity").role` what it may show.
 */
export interface AppEnv {
  Bindings: ConnectionInfo;
  Variables: { identity: Identity; client: ClientInfo };
}

/** The application every route module registers on (Hono's router answers 404 and 405). */
export type App = Hono<AppEnv>;

/** What the task routes read from the event state. */
export interface TaskReader {
  task(uuid: string): TaskJson | undefined;
  tasks(query: TaskQuery): TaskJson[];
  /** The same selection produced lazily, for streaming a listing without a limit. */
  iterateTasks(query: TaskQuery): Iterator<TaskJson>;
  taskTypes(): string[];
  /** Builds what a search reads without holding the event loop (optional: see `State`). */
  prepareSearch?(search: CompiledSearch): Promise<void>;
}

/** Worker liveness as events show it. */
export interface WorkerStatusReader {
  workerStatus(): Record<string, boolean>;
}

/** What the HTTP layer reads from the worker-info cache. */
export interface WorkerInfoReader {
  all(): Record<string, WorkerInfo>;
  get(name: string): WorkerInfo | undefined;
  refresh(name?: string, options?: RefreshOptions): Promise<void>;
}

/** Refuses mutating calls in read-only mode (403), before anything else happens. */
export interface WriteGuard {
  guardWrite(): void;
}

/** The worker and task control actions the control routes call. */
export type { WorkerActions } from "../control/worker_control.ts";

/** Publishing tasks and reading their results (`apply`, `result`, `abort`, …). */
export type TaskService = Pick<TaskRunner, "applyTimeout" | "apply" | "send" | "result" | "abort">;

/** What `GET /healthcheck` reads. */
export interface HealthDeps {
  health(): TransportStatus;
}

/** What `GET /metrics` reads: the Prometheus exposition text. */
export interface MetricsDeps {
  metrics(): string;
}

/** What the task read routes use. */
export interface TaskRouteDeps {
  state: TaskReader;
}

/** What the worker read routes use. */
export interface WorkerRouteDeps {
  state: WorkerStatusReader;
  inspector: WorkerInfoReader;
  queueLengths(): Promise<QueueLength[] | ManagementQueue[]>;
}

/** What the control routes use. */
export interface ControlRouteDeps {
  control: WorkerActions;
}

/** What the publishing and result routes use. */
export interface PublishRouteDeps {
  control: WriteGuard;
  tasks: TaskService;
}

/** Everything the application needs, injected by the composition root. */
export interface AppDeps
  extends HealthDeps, MetricsDeps, WorkerRouteDeps, ControlRouteDeps, PublishRouteDeps {
  /** Who may call what: identities, roles and the 401s (`src/http/auth/`). */
  auth: AuthPolicy;
  /** Slows down repeated failed logins per address; none means no slowing. */
  loginThrottle?: LoginThrottle;
  /** `--xheaders`: trust a proxy's X-Forwarded-For/-Proto and X-Real-Ip. */
  xheaders?: boolean;
  /** The OAuth login (`/login`, `/logout`), when `--auth_provider` is set. */
  login?: { register(app: App, options: { throttle?: LoginThrottle }): void };
  state: TaskReader & WorkerStatusReader;
  control: WorkerActions;
  /** The web UI's pages (`webPages` in `src/web/routes.tsx`); without it only the API is served. */
  web?: Pages;
}

/**
 * Pages served beside the API. The HTTP layer defines this seam and the web UI fills it, so
 * `src/http/` does not import `src/web/` (which builds on `App` and the identity).
 */
export interface Pages {
  /** The prefix the whole application is served under, without slashes; empty for the root. */
  readonly urlPrefix: string;
  /** Registers the pages' routes on `app`. */
  register(app: App): void;
  /** The error page for `error` when the request wants a page, or undefined for the JSON body. */
  errorPage(c: Context, error: unknown): Response | undefined;
}
