/**
 * The Hono application: middleware (CORS, auth, API gate), the routes, and the single error
 * path. Routes stay thin: they validate, call the state or a service, and shape JSON.
 */
import { type Context, Hono } from "hono";
import type { Config } from "../config.ts";
import type { QueueLength, TransportStatus } from "../broker/transport.ts";
import type { WorkerInfo } from "../control/inspector.ts";
import type { WorkerControl } from "../control/worker_control.ts";
import type { TaskRunner } from "../backend/task_runner.ts";
import { StalkError } from "../errors.ts";
import type { TaskJson, TaskQuery } from "../state/types.ts";
import { registerControlRoutes } from "./api/control.ts";
import { registerPublishRoutes } from "./api/publish.ts";
import { registerTaskRoutes } from "./api/tasks.ts";
import { registerWorkerRoutes } from "./api/workers.ts";
import { registerHealthRoute } from "./health.ts";
import { registerMetricsRoute } from "./metrics.ts";
import { apiGate } from "./middleware/api_gate.ts";
import { basicAuth } from "./middleware/basic_auth.ts";
import { permissiveCors } from "./middleware/cors.ts";
import { errorResponse } from "./on_error.ts";
import { RouteTable } from "./route_table.ts";

/** What the HTTP layer reads from the event state. */
export interface EventStateReader {
  task(uuid: string): TaskJson | undefined;
  tasks(query: TaskQuery): TaskJson[];
  /** The same selection produced lazily, for streaming a listing without a limit. */
  iterateTasks(query: TaskQuery): Iterator<TaskJson>;
  taskTypes(): string[];
  workerStatus(): Record<string, boolean>;
}

/** What the HTTP layer reads from the worker-info cache. */
export interface InspectorReader {
  all(): Record<string, WorkerInfo>;
  get(name: string): WorkerInfo | undefined;
  refresh(name?: string, forced?: boolean): Promise<void>;
}

/** Everything the routes need, injected by the composition root. */
export interface AppDeps {
  config: Pick<Config, "basicAuth" | "unauthenticatedApi">;
  state: EventStateReader;
  inspector: InspectorReader;
  control: WorkerControl;
  /** Publishing tasks and reading their results (`apply`, `result`, `abort`, …); 501 without. */
  tasks?: TaskRunner;
  queueLengths(): Promise<QueueLength[]>;
  health(): TransportStatus;
  /** The Prometheus exposition text. */
  metrics(): string;
}

type Handler = (c: Context) => Response | Promise<Response>;

/** Registers a route and records it for 405 answers. */
export type Register = (method: "GET" | "POST", path: string, handler: Handler) => void;

/** Paths served without credentials even when basic auth is on. */
const PUBLIC_PATHS = new Set(["/healthcheck"]);

/** Builds the application. */
export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  const table = new RouteTable();
  const authOn = deps.config.basicAuth.length > 0;

  app.onError(errorResponse);
  if (!authOn) app.use("*", permissiveCors());
  app.options("*", (c) => c.body(null, 204));
  if (authOn) app.use("*", basicAuth(deps.config.basicAuth, PUBLIC_PATHS));
  app.use("*", apiGate(authOn || deps.config.unauthenticatedApi));

  const route: Register = (method, path, handler) => {
    table.add(method, path);
    app.on(method, path, handler);
  };
  registerHealthRoute(route, deps);
  registerMetricsRoute(route, deps);
  registerTaskRoutes(route, deps);
  registerWorkerRoutes(route, deps);
  registerControlRoutes(route, deps);
  registerPublishRoutes(route, deps);

  app.notFound((c) => {
    const allowed = table.allowed(c.req.path);
    if (allowed.length > 0) {
      throw new StalkError(
        "method_not_allowed",
        `Method ${c.req.method} is not allowed on ${c.req.path}`,
        {
          headers: { Allow: allowed.join(", ") },
        },
      );
    }
    throw new StalkError("not_found", `No route for ${c.req.path}`);
  });
  return app;
}
