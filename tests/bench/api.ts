/**
 * API latency and throughput with `wrk` against a full Stalk: each route once with one
 * connection (latency: p50/p99 of back-to-back requests) and once with several (throughput),
 * idle and then again while a paced flood (~20,000 events/s) is being ingested.
 */
import type { Stalk } from "../e2e/_harness/stalk.ts";
import type { BrokerFixture } from "../e2e/_harness/rabbit.ts";
import { startBenchChild } from "./_proc.ts";
import { getJson } from "./_stalk.ts";
import { wrk, type WrkResult } from "./_wrk.ts";
import { amqpClientUrl } from "./ingest.ts";

/** One route under test. */
export interface Route {
  label: string;
  path: string;
  /**
   * A p99 target in ms that holds idle and under the flood (the search routes of issue #14);
   * without it, the route's family target applies idle and the flood may double p99.
   */
  p99Ms?: number;
}

/** One route's figures: latency with one connection, rate with `connections`. */
export interface RouteSample extends Route {
  latency: WrkResult;
  throughput?: WrkResult;
}

/** Options of an API run. */
export interface ApiOptions {
  /** Seconds per wrk run. */
  seconds: number;
  /** Connections of the throughput run; 0 skips it. */
  connections: number;
  /** A one-second wrk run first, not counted, so the figures are of warm (compiled) code. */
  warmUp: boolean;
}

/** The routes of the issue, with ids and names taken from what `stalk` holds. */
export async function routesFor(stalk: Stalk, held: number): Promise<Route[]> {
  // A task from the newer half of the store, so a flood's evictions cannot remove it.
  const page = await getJson<Record<string, unknown>>(
    stalk.url,
    `/api/tasks?limit=1&offset=${Math.floor(held / 4)}`,
  );
  const id = Object.keys(page)[0];
  if (!id) throw new Error("Cannot pick a task for /api/task/info: the store is empty");
  const deep = Math.floor(held * 0.9);
  return [
    { label: "tasks limit=100", path: "/api/tasks?limit=100" },
    { label: "tasks state=FAILURE", path: "/api/tasks?limit=100&state=FAILURE" },
    { label: "tasks workername=", path: "/api/tasks?limit=100&workername=celery@bench-w3" },
    {
      label: "tasks taskname=",
      path: "/api/tasks?limit=100&taskname=app.mail.send_welcome_email",
    },
    { label: "tasks sort_by=-received", path: "/api/tasks?limit=100&sort_by=-received" },
    {
      label: "tasks state+sort_by",
      path: "/api/tasks?limit=100&state=SUCCESS&sort_by=-received",
    },
    { label: `tasks offset=${deep}`, path: `/api/tasks?limit=100&offset=${deep}` },
    ...searchRoutes(id),
    { label: "task/info/<id>", path: `/api/task/info/${id}` },
    { label: "task/types", path: "/api/task/types" },
    { label: "workers?status=true", path: "/api/workers?status=true" },
  ];
}

/**
 * Issue #14's search cases over the flood's tasks (`_flood.ts`): substring terms answer within
 * 50 ms p99, exact ones (through the interned indexes) within 5 ms. The first is the worst case,
 * a term in no task, so every block of ids, args, kwargs and results is read.
 */
export function searchRoutes(id: string): Route[] {
  const search = (label: string, query: string, p99Ms: number, extra = ""): Route => ({
    label: `search ${label}`,
    path: `/api/tasks?limit=100&search=${encodeURIComponent(query)}${extra}`,
    p99Ms,
  });
  return [
    search("substring, no match", "zzqx-nowhere", 50),
    search("substring common", "charged", 50),
    search("result: none match", "result:zzqx-nowhere", 50),
    search("exception:", "exception:upstream", 50),
    search("kwargs:k=v", "kwargs:priority=5", 50),
    search("kwargs: pair nobody has", "kwargs:priority=6", 5),
    search("uuid: prefix", `uuid:${id.slice(0, 8)}`, 50),
    search("OR of names + NOT", "(name:tasks.add OR name:tasks.echo) -state:SUCCESS", 50),
    search("state: (exact)", "state:FAILURE", 5),
    search("name: (exact)", "name:app.mail.send_welcome_email", 5),
    search("state: + sort", "state:FAILURE", 5, "&sort_by=-received"),
    search("runtime>", "runtime>0.5 state:SUCCESS", 50),
  ];
}

/** Runs every route idle. */
export async function apiRun(
  stalk: Stalk,
  routes: Route[],
  options: ApiOptions,
): Promise<RouteSample[]> {
  const out: RouteSample[] = [];
  for (const route of routes) {
    const url = stalk.url + route.path;
    if (options.warmUp) await wrk(url, 1, 1);
    const latency = await wrk(url, 1, options.seconds);
    const throughput = options.connections > 0
      ? await wrk(url, options.connections, options.seconds)
      : undefined;
    out.push({ ...route, latency, throughput });
  }
  return out;
}

/** The routes' figures while a paced flood runs, and the rate the flood actually had. */
export async function apiUnderFlood(
  broker: BrokerFixture,
  stalk: Stalk,
  routes: Route[],
  options: ApiOptions & { rate: number },
): Promise<{ samples: RouteSample[]; floodRate: number }> {
  const runs = routes.length * (options.connections > 0 ? 2 : 1);
  const seconds = runs * (options.seconds + 0.3) + 3;
  const publisher = startBenchChild("deno", "publish.ts", [
    "--url",
    amqpClientUrl(broker.brokerUrl),
    "--tasks",
    String(Math.ceil((options.rate * seconds) / 3) + 1000),
    "--seed",
    "900",
    "--rate",
    String(options.rate),
    "--max-seconds",
    String(seconds),
  ]);
  try {
    const started = await publisher.line<number>("started", 60_000);
    // Let the flood settle before measuring.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const samples = await apiRun(stalk, routes, options);
    const done = await publisher.line<{ events: number; endedAt: number }>(
      "done",
      (seconds + 30) * 1000,
    );
    return { samples, floodRate: done.events / ((done.endedAt - started) / 1000) };
  } finally {
    await publisher.stop();
  }
}
