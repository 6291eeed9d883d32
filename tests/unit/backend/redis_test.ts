import { test } from "node:test";
import assert from "node:assert/strict";
import { RedisBackend } from "../../../src/backend/redis.ts";
import { StalkError } from "../../../src/errors.ts";
import { FakeRedis, meta } from "./_fakes.ts";

const KEY = "celery-task-meta-t1";

function setup() {
  const redis = new FakeRedis();
  return { redis, backend: new RedisBackend(redis) };
}

test("a task with no stored result is PENDING", async () => {
  const { backend } = setup();
  assert.deepEqual(await backend.get("t1"), {
    taskId: "t1",
    state: "PENDING",
    result: null,
    traceback: null,
  });
});

test("a stored result is read from celery-task-meta-<id>", async () => {
  const { redis, backend } = setup();
  redis.data.set(KEY, meta("t1", "SUCCESS", 3));
  assert.equal((await backend.get("t1")).result, 3);
  assert.deepEqual(redis.log, [`GET ${KEY}`]);
});

test("a watch subscribes first, reads once, then takes the ready message from the channel", async () => {
  const { redis, backend } = setup();
  const watch = await backend.watch("t1");
  assert.deepEqual(redis.log, [`SUBSCRIBE ${KEY}`]);
  const waiting = watch.wait(5_000);
  await Promise.resolve();
  redis.store(KEY, meta("t1", "STARTED", { pid: 1 }));
  redis.store(KEY, meta("t1", "SUCCESS", "done"));
  const { ready, outcome } = await waiting;
  watch.close();
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.equal(ready, true);
  assert.equal(outcome.result, "done");
  assert.deepEqual(redis.log, [`SUBSCRIBE ${KEY}`, `GET ${KEY}`, `UNSUBSCRIBE ${KEY}`]);
});

test("a result already stored is found by the first read, without waiting", async () => {
  const { redis, backend } = setup();
  redis.data.set(
    KEY,
    meta("t1", "FAILURE", { exc_type: "ValueError", exc_message: ["boom"] }, "tb"),
  );
  const watch = await backend.watch("t1");
  const { ready, outcome } = await watch.wait(60_000);
  watch.close();
  assert.equal(ready, true);
  assert.equal(outcome.result, "ValueError('boom')");
  assert.equal(outcome.traceback, "tb");
});

test("when time runs out the watch answers the latest state, not ready", async () => {
  const { redis, backend } = setup();
  const watch = await backend.watch("t1");
  const waiting = watch.wait(20);
  redis.store(KEY, meta("t1", "STARTED"));
  const { ready, outcome } = await waiting;
  watch.close();
  assert.equal(ready, false);
  assert.equal(outcome.state, "STARTED");
});

test("two watches of one task share the subscription until both close", async () => {
  const { redis, backend } = setup();
  const first = await backend.watch("t1");
  const second = await backend.watch("t1");
  first.close();
  first.close();
  assert.equal(redis.channels.get(KEY)?.size, 1);
  redis.data.set(KEY, meta("t1", "SUCCESS", 1));
  assert.equal((await second.wait(1_000)).ready, true);
  second.close();
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.equal(redis.channels.has(KEY), false);
});

test("after a reconnect, watched keys are read again so a missed result still arrives", async () => {
  const { redis, backend } = setup();
  const watch = await backend.watch("t1");
  const waiting = watch.wait(5_000);
  await Promise.resolve();
  redis.data.set(KEY, meta("t1", "SUCCESS", 7)); // written while pub/sub was down: no message
  redis.reconnected();
  const { ready, outcome } = await waiting;
  watch.close();
  assert.equal(ready, true);
  assert.equal(outcome.result, 7);
});

test("abort writes the exact document of AbortableAsyncResult.abort() and publishes it", async () => {
  const { redis, backend } = setup();
  redis.data.set(KEY, meta("t1", "STARTED"));
  const heard: string[] = [];
  await redis.subscribe(KEY, (message) => heard.push(message));
  await backend.abort("t1");
  const doc =
    '{"status": "ABORTED", "result": null, "traceback": null, "children": null, "date_done": null, "task_id": "t1"}';
  assert.ok(redis.log.includes(`SETEX ${KEY} 86400 ${doc}`), redis.log.join("\n"));
  assert.deepEqual(heard, [doc]);
});

test("abort leaves a task that succeeded alone, as Celery's write guard does", async () => {
  const { redis, backend } = setup();
  redis.data.set(KEY, meta("t1", "SUCCESS", 1));
  await backend.abort("t1");
  assert.ok(!redis.log.some((line) => line.startsWith("SETEX")));
});

test("a backend that cannot be reached is a 503 that says so", async () => {
  const { redis, backend } = setup();
  redis.down = true;
  for (
    const action of [() => backend.get("t1"), () => backend.watch("t1"), () => backend.abort("t1")]
  ) {
    await assert.rejects(action(), (error: unknown) => {
      assert.ok(error instanceof StalkError);
      assert.equal(error.status, 503);
      assert.match(error.message, /^Result backend unavailable: The client is offline/);
      return true;
    });
  }
});

test("an unreadable stored document is a 500 naming the task", async () => {
  const { redis, backend } = setup();
  redis.data.set(KEY, "\x80\x04pickle");
  await assert.rejects(backend.get("t1"), /Cannot read the result of 't1'/);
});
