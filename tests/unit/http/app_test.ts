import { test } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import type { TransportStatus } from "../../../src/broker/transport.ts";
import { createApp } from "../../../src/http/app.ts";
import { State } from "../../../src/state/state.ts";
import type { CeleryEvent } from "../../../src/state/types.ts";
import { appDeps } from "./_deps.ts";

/** A whole minute, so minute bounds fall on known sides of the tasks. */
const NOW = 1_700_000_040;

function event(
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

function setup(options: { basicAuth?: string[]; open?: boolean; status?: TransportStatus } = {}) {
  const state = new State({ maxTasks: 100, maxWorkers: 10, now: () => NOW });
  state.apply(
    event("task-received", "t1", { name: "tasks.add", args: "(1, 2)", kwargs: "{}" }, NOW - 30),
  );
  state.apply(event("task-succeeded", "t1", { result: "3", runtime: 0.5 }, NOW - 29));
  state.apply(
    event("task-received", "t2", { name: "tasks.error", args: "()", kwargs: "{}" }, NOW - 20),
  );
  state.apply({
    type: "task-sent",
    uuid: "t3",
    name: "tasks.echo",
    hostname: "gen1@client",
    timestamp: NOW - 10,
    clock: 2,
    local_received: NOW - 10,
  });
  return createApp(appDeps(state, options));
}

test("GET /api/tasks answers an object keyed by task id, newest first", async () => {
  const response = await setup().request("/api/tasks");
  assert.equal(response.status, 200);
  const body = await response.json();
  assert.deepEqual(Object.keys(body), ["t3", "t2", "t1"]);
  assert.equal(body.t1.state, "SUCCESS");
  assert.equal(body.t1.result, "3");
  assert.equal(body.t1.worker, "celery@w1");
  assert.equal("worker" in body.t3, false, "a task no worker handled has no worker key");
});

test("GET /api/tasks filters, sorts and pages", async () => {
  const app = setup();
  const byName = await (await app.request("/api/tasks?taskname=TASKS.ADD")).json();
  assert.deepEqual(Object.keys(byName), ["t1"]);
  const sorted = await (await app.request("/api/tasks?sort_by=-name&limit=2")).json();
  assert.deepEqual(Object.keys(sorted), ["t2", "t3"], "tasks.error, tasks.echo");
  const paged = await (await app.request("/api/tasks?sort_by=name&offset=1&limit=1")).json();
  assert.deepEqual(Object.keys(paged), ["t3"], "tasks.add, [tasks.echo], tasks.error");
  const all = await (await app.request("/api/tasks?state=All&workername=All&offset=-5")).json();
  assert.equal(Object.keys(all).length, 3);
});

test("GET /api/tasks refuses bad parameters with 400 naming them", async () => {
  const app = setup();
  for (
    const [query, name] of [["limit=abc", "limit"], ["sort_by=uuid", "sort_by"], [
      "received_start=yesterday",
      "received_start",
    ], ["received_end=2024-02-30%2010:00", "received_end"]]
  ) {
    const response = await app.request(`/api/tasks?${query}`);
    assert.equal(response.status, 400, query);
    assert.match((await response.json()).error, new RegExp(`'${name}'`));
  }
});

test("received_start and received_end are inclusive UTC minutes that keep tasks never received", async () => {
  const app = setup();
  const minute = (seconds: number) =>
    new Date(seconds * 1000).toISOString().slice(0, 16).replace("T", "%20");
  const before = await (await app.request(`/api/tasks?received_end=${minute(NOW - 60)}`)).json();
  assert.deepEqual(
    Object.keys(before),
    ["t3"],
    "t1 and t2 were received after the bound; t3 never was",
  );
  const after = await (await app.request(`/api/tasks?received_start=${minute(NOW - 60)}`)).json();
  assert.deepEqual(Object.keys(after), ["t3", "t2", "t1"]);
  const later = await (await app.request(`/api/tasks?received_start=${minute(NOW)}`)).json();
  assert.deepEqual(Object.keys(later), ["t3"]);
});

test("GET /api/task/info answers the task or 404", async () => {
  const app = setup();
  const found = await app.request("/api/task/info/t1");
  assert.equal(found.status, 200);
  assert.equal((await found.json()).uuid, "t1");
  const missing = await app.request("/api/task/info/nope");
  assert.equal(missing.status, 404);
  assert.match((await missing.json()).error, /nope/);
  assert.equal((await app.request("/api/task/info/")).status, 404);
});

test("GET /api/task/types lists the names seen, sorted", async () => {
  const body = await (await setup().request("/api/task/types")).json();
  assert.deepEqual(body, { "task-types": ["tasks.add", "tasks.echo", "tasks.error"] });
});

test("GET /api/workers?status=true answers liveness from events", async () => {
  const body = await (await setup().request("/api/workers?status=true")).json();
  assert.deepEqual(body, { "celery@w1": true });
});

test("/healthcheck is 200 OK while connected and 503 with the reason while not", async () => {
  const up = await setup().request("/healthcheck");
  assert.equal(up.status, 200);
  assert.equal(await up.text(), "OK");
  const down = await setup({ status: { connected: false, since: 0, reason: "ECONNREFUSED" } })
    .request("/healthcheck");
  assert.equal(down.status, 503);
  assert.match(await down.text(), /ECONNREFUSED/);
});

test("the API is closed without auth or FLOWER_UNAUTHENTICATED_API", async () => {
  const app = setup({ open: false });
  const response = await app.request("/api/tasks");
  assert.equal(response.status, 401);
  assert.match((await response.json()).error, /FLOWER_UNAUTHENTICATED_API/);
  assert.equal((await app.request("/healthcheck")).status, 200);
});

test("basic auth guards every route but /healthcheck and sends no CORS headers", async () => {
  const app = setup({ basicAuth: ["alice:secret", "bob:pw"], open: false });
  const header = (pair: string) => ({
    Authorization: `Basic ${Buffer.from(pair).toString("base64")}`,
  });
  const denied = await app.request("/api/tasks");
  assert.equal(denied.status, 401);
  assert.equal(denied.headers.get("WWW-Authenticate"), 'Basic realm="stalk"');
  assert.equal((await app.request("/api/tasks", { headers: header("alice:wrong") })).status, 401);
  assert.equal((await app.request("/api/tasks", { headers: header("alice") })).status, 401);
  const ok = await app.request("/api/tasks", { headers: header("bob:pw") });
  assert.equal(ok.status, 200);
  assert.equal(ok.headers.get("Access-Control-Allow-Origin"), null);
  assert.equal((await app.request("/healthcheck")).status, 200);
});

test("without auth every response carries Flower's permissive CORS headers", async () => {
  const response = await setup().request("/api/task/types");
  assert.equal(response.headers.get("Access-Control-Allow-Origin"), "*");
  assert.match(response.headers.get("Access-Control-Allow-Methods") ?? "", /POST/);
});

test("OPTIONS answers 204 on any path", async () => {
  const response = await setup({ basicAuth: ["a:b"] }).request("/api/tasks", { method: "OPTIONS" });
  assert.equal(response.status, 204);
});

test("a wrong method on a known route is 405 with Allow; an unknown route is a JSON 404", async () => {
  const app = setup();
  const wrong = await app.request("/api/tasks", { method: "POST" });
  assert.equal(wrong.status, 405);
  assert.equal(wrong.headers.get("Allow"), "GET, HEAD, OPTIONS");
  const unknown = await app.request("/api/nothing");
  assert.equal(unknown.status, 404);
  assert.ok((await unknown.json()).error);
});

test("/metrics is Prometheus text, public without auth and guarded with basic auth", async () => {
  const open = await setup().request("/metrics");
  assert.equal(open.status, 200);
  assert.match(open.headers.get("Content-Type") ?? "", /^text\/plain; version=0\.0\.4/);
  assert.equal(await open.text(), "# metrics\n");
  assert.equal(
    (await setup({ open: false }).request("/metrics")).status,
    200,
    "not behind the API gate",
  );
  assert.equal((await setup({ basicAuth: ["a:b"] }).request("/metrics")).status, 401);
});

test("/healthcheck never returns a broker password quoted in the reason", async () => {
  const reason = "connect to redis://:s3cret@h:6379/0?password=s3cret failed";
  const down = await setup({ status: { connected: false, since: 0, reason } })
    .request("/healthcheck");
  const text = await down.text();
  assert.doesNotMatch(text, /s3cret/);
  assert.match(text, /redis:\/\/:\*\*\*\*@h:6379\/0\?password=\*\*\*\*/);
});

test("every JSON answer, streamed or not, error or not, says application/json; charset=UTF-8", async () => {
  const app = setup();
  const closed = setup({ open: false });
  const answers = [
    await app.request("/api/tasks"),
    await app.request("/api/tasks?limit=1"),
    await app.request("/api/task/types"),
    await app.request("/api/task/info/t1"),
    await app.request("/api/task/info/nope"),
    await app.request("/api/workers"),
    await app.request("/api/workers?status=true"),
    await app.request("/api/queues/length"),
    await app.request("/api/tasks?limit=abc"),
    await app.request("/api/tasks", { method: "POST" }),
    await app.request("/api/nothing"),
    await closed.request("/api/tasks"),
  ];
  for (const response of answers) {
    assert.equal(response.headers.get("Content-Type"), "application/json; charset=UTF-8");
    await response.body?.cancel();
  }
});

/** `celery.events.state.Task._fields`, in order. */
const AS_DICT_KEYS = [
  "uuid",
  "name",
  "state",
  "received",
  "sent",
  "started",
  "rejected",
  "succeeded",
  "failed",
  "retried",
  "revoked",
  "args",
  "kwargs",
  "eta",
  "expires",
  "retries",
  "worker",
  "result",
  "exception",
  "timestamp",
  "runtime",
  "traceback",
  "exchange",
  "routing_key",
  "clock",
  "client",
  "root",
  "root_id",
  "parent",
  "parent_id",
  "children",
];

test("/api/task/info has Task.as_dict's keys in order, worker in place even when null", async () => {
  const app = setup();
  const done = await (await app.request("/api/task/info/t1")).json();
  assert.deepEqual(Object.keys(done), AS_DICT_KEYS);
  const sent = await (await app.request("/api/task/info/t3")).json();
  assert.deepEqual(Object.keys(sent), AS_DICT_KEYS);
  assert.equal(sent.worker, null);
  assert.equal(sent.client, "gen1@client");
});

test("/api/tasks moves worker last, as Flower re-adds it, and drops it when none", async () => {
  const body = await (await setup().request("/api/tasks")).json();
  const withoutWorker = AS_DICT_KEYS.filter((key) => key !== "worker");
  assert.deepEqual(Object.keys(body.t1), [...withoutWorker, "worker"]);
  assert.deepEqual(Object.keys(body.t3), withoutWorker);
});

test("root and parent carry the root and parent ids, or null", () => {
  const state = new State({ maxTasks: 10, maxWorkers: 10, now: () => NOW });
  state.apply(event("task-received", "child", { name: "t", root_id: "top", parent_id: "mid" }));
  state.apply(event("task-received", "top", { name: "t", root_id: "top", parent_id: null }));
  const child = state.task("child")!;
  assert.deepEqual([child.root, child.root_id, child.parent, child.parent_id], [
    "top",
    "top",
    "mid",
    "mid",
  ]);
  const top = state.task("top")!;
  assert.deepEqual([top.root, top.parent, top.children], ["top", null, []], "mid is the parent");
});
