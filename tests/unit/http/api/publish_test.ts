// The publishing routes in process, through Hono's app.request(), over fake broker and Redis.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Hono } from "hono";
import { RedisBackend } from "../../../../src/backend/redis.ts";
import { TaskRunner } from "../../../../src/tasks/task_runner.ts";
import { StalkError } from "../../../../src/errors.ts";
import type { App } from "../../../../src/http/deps.ts";
import { registerPublishRoutes } from "../../../../src/http/api/publish.ts";
import { errorResponse } from "../../../../src/http/on_error.ts";
import { FakePublisher, FakeRedis, FakeRegistry, meta } from "../../backend/_fakes.ts";

function setup(options: { readOnly?: boolean; backend?: boolean; applyTimeout?: number } = {}) {
  const redis = new FakeRedis();
  const publisher = new FakePublisher();
  const registry = new FakeRegistry();
  registry.workers = { "celery@w1": { registered: ["tasks.add", "tasks.error"] } };
  const backend = options.backend === false ? undefined : new RedisBackend(redis);
  const tasks = new TaskRunner(publisher, backend, registry, {
    applyTimeout: options.applyTimeout ?? 5,
  });
  const control = {
    guardWrite() {
      if (options.readOnly) throw new StalkError("forbidden", "Read only mode is enabled");
    },
  };
  const app: App = new Hono();
  app.onError(errorResponse);
  registerPublishRoutes(app, { control, tasks });
  const post = (path: string, body?: string) => app.request(path, { method: "POST", body });
  return { app, post, redis, publisher };
}

/** Plays a worker: stores `result` for every task published. */
function worker(
  redis: FakeRedis,
  publisher: FakePublisher,
  status: string,
  result: unknown,
  traceback?: string,
) {
  publisher.onPublish = (message) => {
    const id = message.properties.correlation_id;
    setTimeout(
      () => redis.store(`celery-task-meta-${id}`, meta(id, status, result, traceback ?? null)),
      1,
    );
  };
}

test("async-apply answers the task id and PENDING", async () => {
  const { post, publisher } = setup();
  const response = await post(
    "/api/task/async-apply/tasks.add",
    '{"args": [1, 2], "countdown": 1}',
  );
  assert.equal(response.status, 200);
  const body = await response.json();
  assert.deepEqual(Object.keys(body), ["task-id", "state"]);
  assert.equal(body["task-id"], publisher.sent[0].message.headers.id);
  assert.equal(body.state, "PENDING");
  assert.ok(publisher.sent[0].message.headers.eta);
});

test("send-task sends a task no worker registers", async () => {
  const { post, publisher } = setup();
  const response = await post(
    "/api/task/send-task/some.remote.task",
    '{"kwargs": {"a": 1}, "queue": "q1"}',
  );
  assert.equal(response.status, 200);
  assert.equal(publisher.sent[0].route.queue, "q1");
});

test("async-apply of a task no worker registers is a 404", async () => {
  const { post } = setup();
  const response = await post("/api/task/async-apply/tasks.nope");
  assert.equal(response.status, 404);
  assert.deepEqual(await response.json(), { error: "Unknown task 'tasks.nope'" });
});

test("apply answers the result once the task is done", async () => {
  const { post, redis, publisher } = setup();
  worker(redis, publisher, "SUCCESS", 3);
  const response = await post("/api/task/apply/tasks.add", '{"args": [1, 2]}');
  assert.equal(response.status, 200);
  const body = await response.json();
  assert.deepEqual(body, {
    "task-id": publisher.sent[0].message.headers.id,
    state: "SUCCESS",
    result: 3,
  });
});

test("apply of a failing task answers FAILURE, the exception and the traceback", async () => {
  const { post, redis, publisher } = setup();
  worker(redis, publisher, "FAILURE", {
    exc_type: "ValueError",
    exc_message: ["boom"],
    exc_module: "builtins",
  }, "Traceback…");
  const body = await (await post("/api/task/apply/tasks.error")).json();
  assert.equal(body.state, "FAILURE");
  assert.equal(body.result, "ValueError('boom')");
  assert.equal(body.traceback, "Traceback…");
});

test("apply that does not finish in time is a 504 with the task id and state", async () => {
  const { post } = setup();
  const response = await post("/api/task/apply/tasks.add?timeout=0.05");
  assert.equal(response.status, 504);
  const body = await response.json();
  assert.match(body.error, /^Task '.+' did not finish within 0.05 s$/);
  assert.equal(body.state, "PENDING");
  assert.equal(typeof body["task-id"], "string");
});

test("result answers the state at once, and the result only when ready", async () => {
  const { app, redis } = setup();
  redis.data.set("celery-task-meta-x", meta("x", "STARTED", { pid: 1 }));
  assert.deepEqual(await (await app.request("/api/task/result/x")).json(), {
    "task-id": "x",
    state: "STARTED",
  });
  redis.data.set("celery-task-meta-x", meta("x", "SUCCESS", [1, "a"]));
  assert.deepEqual(await (await app.request("/api/task/result/x")).json(), {
    "task-id": "x",
    state: "SUCCESS",
    result: [1, "a"],
  });
});

test("result with a timeout answers 504 with the state when the task is not done", async () => {
  const { app } = setup();
  const response = await app.request("/api/task/result/x?timeout=0.02");
  assert.equal(response.status, 504);
  assert.deepEqual(await response.json(), {
    error: "Task 'x' did not finish within 0.02 s",
    "task-id": "x",
    state: "PENDING",
  });
});

test("a bad timeout is a 400 naming it", async () => {
  const { app } = setup();
  const response = await app.request("/api/task/result/x?timeout=soon");
  assert.equal(response.status, 400);
  assert.match((await response.json()).error, /Invalid 'timeout'/);
});

test("abort answers Flower's message", async () => {
  const { post, redis } = setup();
  const response = await post("/api/task/abort/t-9");
  assert.deepEqual(await response.json(), { message: "Aborted 't-9'" });
  assert.ok(redis.log.some((line) => line.startsWith("SETEX celery-task-meta-t-9 86400")));
});

test("malformed JSON, a non-object body and bad options are 400s with a JSON error", async () => {
  const { post, publisher } = setup();
  for (
    const [body, pattern] of [
      ["{args: [1]}", /^Invalid JSON body: /],
      ["[1, 2]", /^Invalid body: expected a JSON object$/],
      ['{"args": {"a": 1}}', /^Invalid 'args': expected a JSON array/],
      ['{"kwargs": "a=1"}', /^Invalid 'kwargs': expected a JSON object/],
      ['{"eta": "next week"}', /^Invalid option 'eta'/],
      ['{"expires": "never"}', /^Invalid option 'expires'/],
      ['{"countdown": "x"}', /^Invalid option 'countdown'/],
      ['{"countdown": 1e300}', /^Invalid option 'countdown': .*years 1 to 9999/],
    ] as const
  ) {
    const response = await post("/api/task/async-apply/tasks.add", body);
    assert.equal(response.status, 400, body);
    assert.match((await response.json()).error, pattern, body);
  }
  assert.equal(publisher.sent.length, 0);
});

test("read-only mode refuses every publishing route and abort with 403", async () => {
  const { post, publisher } = setup({ readOnly: true });
  for (const path of ["apply/tasks.add", "async-apply/tasks.add", "send-task/x", "abort/t1"]) {
    const response = await post(`/api/task/${path}`, "{}");
    assert.equal(response.status, 403, path);
    assert.deepEqual(await response.json(), { error: "Read only mode is enabled" });
  }
  assert.equal(publisher.sent.length, 0);
});

test("without a backend, apply, result and abort are 503s that say a backend is needed", async () => {
  const { app, post } = setup({ backend: false });
  for (
    const response of [
      await post("/api/task/apply/tasks.add"),
      await app.request("/api/task/result/x"),
      await post("/api/task/abort/x"),
    ]
  ) {
    assert.equal(response.status, 503);
    assert.match((await response.json()).error, /No result backend configured/);
  }
  assert.equal((await post("/api/task/async-apply/tasks.add")).status, 200);
});
