/** An in-process app with a real State, a recording fake of the control actions, and helpers. */
import type { App } from "../../../src/http/deps.ts";
import { createApp } from "../../../src/http/app.ts";
import type { WorkerActions } from "../../../src/http/deps.ts";
import { createWebDeps, type WebTaskService } from "../../../src/web/deps.ts";
import { type LiveClock, LiveStreams } from "../../../src/web/live.ts";
import { webPages } from "../../../src/web/routes.tsx";
import { appDeps } from "../http/_deps.ts";
import { State } from "../../../src/state/state.ts";
import type { CeleryEvent } from "../../../src/state/types.ts";
import { WorkerCountTable } from "../../../src/state/worker_counts.ts";
import { StalkError } from "../../../src/errors.ts";
import type { AuthProvider } from "../../../src/http/auth/policy.ts";

/** A whole minute. */
export const NOW = 1_700_000_040;

/** One recorded control call. */
export interface Call {
  method: string;
  args: unknown[];
}

/** Options of {@linkcode webApp}. */
export interface WebAppOptions {
  readOnly?: boolean;
  open?: boolean;
  basicAuth?: string[];
  /** More auth providers, asked after basic auth (sessions). */
  providers?: AuthProvider[];
  urlPrefix?: string;
  naturalTime?: boolean;
  /** Live streams on this clock, fed by every event the state applies. */
  liveClock?: LiveClock;
}

/** A prepared event from worker `celery@w1`. */
export function event(
  type: string,
  uuid: string,
  fields: Record<string, unknown> = {},
  ts = NOW,
): CeleryEvent {
  return {
    type,
    uuid,
    hostname: "celery@w1",
    timestamp: ts,
    clock: 1,
    local_received: ts,
    ...fields,
  };
}

/** The app over a state holding t1 (SUCCESS), t2 (STARTED, hostile args) and t3 (sent). */
export function webApp(options: WebAppOptions = {}): {
  app: App;
  calls: Call[];
  state: State;
  apply: (e: CeleryEvent) => void;
  live?: LiveStreams;
} {
  const state = new State({ maxTasks: 1000, maxWorkers: 10, now: () => NOW });
  const counts = new WorkerCountTable();
  const listeners = new Set<(e: CeleryEvent) => void>();
  const apply = (e: CeleryEvent) => {
    state.apply(e);
    counts.observe(e);
    for (const listener of listeners) listener(e);
  };
  const live = options.liveClock
    ? new LiveStreams((listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    }, { clock: options.liveClock })
    : undefined;
  apply({
    type: "worker-online",
    hostname: "celery@w1",
    timestamp: NOW - 40,
    clock: 1,
    local_received: NOW - 40,
    freq: 60,
    active: 1,
    processed: 2,
    loadavg: [0.5, 0.25, 0.125],
  });
  apply(
    event("task-received", "t1", { name: "tasks.add", args: "(1, 2)", kwargs: "{}" }, NOW - 30),
  );
  apply(event("task-started", "t1", {}, NOW - 29.5));
  apply(event("task-succeeded", "t1", { result: "3", runtime: 0.5 }, NOW - 29));
  apply(
    event("task-received", "t2", {
      name: "tasks.echo",
      args: `('<script>alert(1)</script>', '"><img src=x onerror=alert(1)>')`,
      kwargs: "{'k': '</textarea><b>x</b>'}",
      parent_id: "t1",
      root_id: "t1",
    }, NOW - 20),
  );
  apply(event("task-started", "t2", {}, NOW - 19));
  apply({
    type: "task-sent",
    uuid: "t3",
    name: "tasks.echo",
    hostname: "gen1@client",
    timestamp: NOW - 10,
    clock: 2,
    local_received: NOW - 10,
  });
  const calls: Call[] = [];
  const record = (method: string) => (...args: unknown[]) => {
    calls.push({ method, args });
    return Promise.resolve({ message: `${method} done` });
  };
  const control: WorkerActions = {
    guardWrite: () => {
      if (options.readOnly) throw new StalkError("forbidden", "Read only mode is enabled");
    },
    revoke: record("revoke"),
    poolGrow: record("poolGrow"),
    poolShrink: record("poolShrink"),
    autoscale: record("autoscale"),
    poolRestart: record("poolRestart"),
    addConsumer: record("addConsumer"),
    cancelConsumer: record("cancelConsumer"),
    rateLimit: record("rateLimit"),
    timeLimit: record("timeLimit"),
    shutdown: record("shutdown"),
  };
  // Sends are recorded, and come back as a task-sent event, as Stalk's own do.
  let sent = 0;
  const tasks: WebTaskService = {
    send: (name, request) => {
      calls.push({ method: "send", args: [name, request] });
      const uuid = `sent-${++sent}`;
      apply({ ...event("task-sent", uuid, { name }), hostname: "gen1@stalk" });
      return Promise.resolve({ taskId: uuid, state: "PENDING" });
    },
    abort: async (taskId) => void await record("abort")(taskId),
    requireBackend: () => {
      throw new StalkError("unavailable", "No result backend configured");
    },
  };
  const base = appDeps(state, {
    basicAuth: options.basicAuth,
    providers: options.providers,
    open: options.open,
  });
  const deps = {
    ...base,
    control,
    web: webPages(createWebDeps({
      options: {
        urlPrefix: options.urlPrefix ?? "",
        autoRefresh: true,
        naturalTime: options.naturalTime ?? false,
        tasksColumns: [
          "name",
          "uuid",
          "state",
          "args",
          "kwargs",
          "result",
          "received",
          "started",
          "runtime",
          "worker",
        ],
        readOnly: options.readOnly ?? false,
        actionsOpen: (options.basicAuth ?? []).length > 0 || (options.providers ?? []).length > 0 ||
          (options.open ?? true),
        broker: "amqp://guest:****@rabbit:5672//",
      },
      state,
      counts,
      inspector: base.inspector,
      control,
      tasks,
      queueLengths: () => Promise.resolve([{ name: "celery", messages: 3, consumers: 1 }]),
      health: () => ({ connected: true, since: 0 }),
      now: () => NOW,
      live,
    })),
  };
  return { app: createApp(deps), calls, state, apply, live };
}

/** Headers a browser sends when it navigates. */
export const BROWSER = { Accept: "text/html,application/xhtml+xml" };

/** The anti-forgery token of the page at `path`. */
export async function tokenOf(app: App, path: string, headers: Record<string, string> = {}) {
  const page = await (await app.request(path, { headers: { ...BROWSER, ...headers } })).text();
  const match = /name="csrf" value="([^"]+)"/.exec(page);
  if (!match) throw new Error(`No form token on ${path}`);
  return match[1];
}
