import { test } from "node:test";
import assert from "node:assert/strict";
import { RedisBackend } from "../../../src/backend/redis.ts";
import { TaskRunner } from "../../../src/tasks/task_runner.ts";
import { parseTaskRequest } from "../../../src/celery/task_options.ts";
import { StalkError } from "../../../src/errors.ts";
import { FakePublisher, FakeRedis, FakeRegistry, meta } from "../backend/_fakes.ts";

function setup(options: { backend?: boolean; sentEvents?: boolean } = {}) {
  const redis = new FakeRedis();
  const publisher = new FakePublisher();
  const registry = new FakeRegistry();
  registry.workers = {
    "celery@w1": { registered: ["tasks.add [rate_limit=10/m]", "tasks.error"] },
  };
  let ids = 0;
  const runner = new TaskRunner(
    publisher,
    options.backend === false ? undefined : new RedisBackend(redis),
    registry,
    {
      applyTimeout: 60,
      origin: "gen1@test",
      sendSentEvent: options.sentEvents ?? false,
      clock: () => 41,
      now: () => Date.UTC(2024, 4, 6),
      newId: () => `id-${++ids}`,
    },
  );
  return { redis, publisher, registry, runner };
}

const request = (body: unknown = {}) => parseTaskRequest(body);

function assertStatus(status: number, pattern: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof StalkError, String(error));
    assert.equal(error.status, status);
    assert.match(error.message, pattern);
    return true;
  };
}

test("async-apply publishes to the celery queue and reports the backend's state", async () => {
  const { publisher, runner } = setup();
  assert.deepEqual(
    await runner.send("tasks.add", request({ args: [1, 2] }), { checkRegistered: true }),
    {
      taskId: "id-1",
      state: "PENDING",
    },
  );
  assert.equal(publisher.sent.length, 1);
  const [{ message, route }] = publisher.sent;
  assert.deepEqual(route, { queue: "celery", exchange: "", routingKey: "celery" });
  assert.equal(message.headers.task, "tasks.add");
  assert.equal(message.headers.origin, "gen1@test");
  assert.deepEqual(message.body[0], [1, 2]);
});

test("a task name is matched on the text before the first space of a registered entry", async () => {
  const { runner } = setup();
  await runner.requireRegistered("tasks.add");
  await assert.rejects(
    runner.requireRegistered("tasks.ad"),
    assertStatus(404, /^Unknown task 'tasks.ad'$/),
  );
});

test("a cold inspect cache is refreshed once before a task is called unknown", async () => {
  const { registry, runner } = setup();
  registry.workers = { "celery@w1": {} };
  registry.onRefresh = () => registry.workers = { "celery@w1": { registered: ["tasks.sleep"] } };
  await runner.requireRegistered("tasks.sleep");
  assert.equal(registry.refreshes, 1);
  await assert.rejects(runner.requireRegistered("tasks.other"), assertStatus(404, /Unknown task/));
  assert.equal(registry.refreshes, 1);
});

test("send-task does not check the task, async-apply does", async () => {
  const { publisher, runner } = setup();
  await runner.send("no.such.task", request(), { checkRegistered: false });
  await assert.rejects(
    runner.send("no.such.task", request(), { checkRegistered: true }),
    assertStatus(404, /Unknown task 'no.such.task'/),
  );
  assert.equal(publisher.sent.length, 1);
});

test("without a backend, sending works and reports PENDING; results need a backend", async () => {
  const { runner } = setup({ backend: false });
  assert.equal(
    (await runner.send("tasks.add", request(), { checkRegistered: true })).state,
    "PENDING",
  );
  const needed = assertStatus(
    503,
    /No result backend configured: start Stalk with --result_backend/,
  );
  await assert.rejects(runner.apply("tasks.add", request()), needed);
  await assert.rejects(runner.result("id-1"), needed);
  await assert.rejects(runner.abort("id-1"), needed);
});

test("apply subscribes before publishing and returns the result", async () => {
  const { redis, publisher, runner } = setup();
  publisher.onPublish = (message) => {
    const id = message.properties.correlation_id;
    assert.ok(redis.log.includes(`SUBSCRIBE celery-task-meta-${id}`), "subscribed before publish");
    queueMicrotask(() => redis.store(`celery-task-meta-${id}`, meta(id, "SUCCESS", 3)));
  };
  const { ready, outcome } = await runner.apply("tasks.add", request({ args: [1, 2] }), 5);
  assert.equal(ready, true);
  assert.deepEqual(outcome, { taskId: "id-1", state: "SUCCESS", result: 3, traceback: null });
});

test("apply that runs out of time reports the task id and its state", async () => {
  const { runner } = setup();
  const { ready, outcome } = await runner.apply("tasks.add", request(), 0.02);
  assert.equal(ready, false);
  assert.equal(outcome.taskId, "id-1");
  assert.equal(outcome.state, "PENDING");
});

test("apply checks the backend and the task before publishing anything", async () => {
  const { publisher, redis, runner } = setup();
  await assert.rejects(runner.apply("tasks.nope", request()), assertStatus(404, /Unknown task/));
  redis.down = true;
  await assert.rejects(
    runner.apply("tasks.add", request()),
    assertStatus(503, /Result backend unavailable/),
  );
  assert.equal(publisher.sent.length, 0);
});

test("a failed publish closes the watch and passes the broker's error on", async () => {
  const { publisher, redis, runner } = setup();
  publisher.fail = new StalkError("unavailable", "Broker unavailable: down");
  await assert.rejects(
    runner.apply("tasks.add", request()),
    assertStatus(503, /Broker unavailable/),
  );
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.equal(redis.channels.size, 0);
});

test("result without a timeout answers at once; with one it waits", async () => {
  const { redis, runner } = setup();
  redis.data.set("celery-task-meta-x", meta("x", "STARTED"));
  assert.deepEqual(await runner.result("x"), {
    ready: false,
    outcome: { taskId: "x", state: "STARTED", result: null, traceback: null },
  });
  const waiting = runner.result("x", 5);
  await new Promise((resolve) => setTimeout(resolve, 0));
  redis.store("celery-task-meta-x", meta("x", "SUCCESS", "ok"));
  assert.equal((await waiting).outcome.result, "ok");
});

test("with sent events on, each task is followed by its task-sent event", async () => {
  const { publisher, runner } = setup({ sentEvents: true });
  await runner.send("tasks.any", request({ args: [4, 5], queue: "q1" }), {
    checkRegistered: false,
  });
  assert.equal(publisher.sent.length, 1);
  assert.equal(publisher.events.length, 1);
  const event = publisher.events[0];
  assert.equal(event.type, "task-sent");
  assert.equal(event.uuid, "id-1");
  assert.equal(event.hostname, "gen1@test");
  assert.equal(event.clock, 41);
  assert.equal(event.timestamp, Date.UTC(2024, 4, 6) / 1000);
  assert.deepEqual([event.name, event.args, event.kwargs], ["tasks.any", "[4, 5]", "{}"]);
  assert.deepEqual([event.queue, event.exchange, event.routing_key], ["q1", "", "q1"]);
});

test("with sent events off, no event is published", async () => {
  const { publisher, runner } = setup();
  await runner.send("tasks.any", request(), { checkRegistered: false });
  assert.equal(publisher.sent.length, 1);
  assert.equal(publisher.events.length, 0);
});

test("a task-sent that cannot be published does not fail the sent task", async () => {
  const { publisher, runner } = setup({ sentEvents: true });
  publisher.failEvents = new Error("channel closed");
  const sent = await runner.send("tasks.any", request(), { checkRegistered: false });
  assert.equal(sent.taskId, "id-1");
  assert.equal(publisher.sent.length, 1);
});
