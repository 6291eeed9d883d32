import { test } from "node:test";
import assert from "node:assert/strict";
import { RpcBackend } from "../../../src/backend/rpc.ts";
import type { ResultMessage } from "../../../src/broker/transport.ts";

const encoder = new TextEncoder();

function setup(maxEntries?: number) {
  const queues: string[] = [];
  let deliver: (message: ResultMessage) => void = () => {};
  const transport = {
    kind: "amqp" as const,
    consumeResults(queue: string, onResult: (message: ResultMessage) => void) {
      queues.push(queue);
      deliver = onResult;
    },
  };
  const backend = new RpcBackend(transport, { oid: "oid-1", maxEntries });
  const send = (
    taskId: string,
    status: string,
    result: unknown = null,
    correlationId: string | undefined = taskId,
  ) =>
    deliver({
      correlationId,
      body: encoder.encode(
        JSON.stringify({ task_id: taskId, status, result, traceback: null, children: [] }),
      ),
    });
  return { backend, queues, send };
}

test("the backend consumes its own oid queue and names it as reply_to", () => {
  const { backend, queues } = setup();
  assert.deepEqual(queues, ["oid-1"]);
  assert.equal(backend.replyTo, "oid-1");
});

test("results are matched by correlation id and the latest state is kept", async () => {
  const { backend, send } = setup();
  assert.equal((await backend.get("t1")).state, "PENDING");
  send("t1", "STARTED");
  send("t1", "SUCCESS", 3);
  assert.deepEqual(await backend.get("t1"), {
    taskId: "t1",
    state: "SUCCESS",
    result: 3,
    traceback: null,
  });
});

test("a message without correlation id falls back to the body's task_id", async () => {
  const { backend, send } = setup();
  send("t2", "SUCCESS", "x", undefined);
  assert.equal((await backend.get("t2")).result, "x");
});

test("a watch resolves when the ready message arrives", async () => {
  const { backend, send } = setup();
  const watch = await backend.watch("t1");
  const waiting = watch.wait(5_000);
  await Promise.resolve();
  send("t1", "FAILURE", { exc_type: "ValueError", exc_message: ["no"] });
  const { ready, outcome } = await waiting;
  watch.close();
  assert.equal(ready, true);
  assert.equal(outcome.result, "ValueError('no')");
});

test("only the newest outcomes are kept", async () => {
  const { backend, send } = setup(2);
  send("a", "SUCCESS", 1);
  send("b", "SUCCESS", 2);
  send("c", "SUCCESS", 3);
  assert.equal((await backend.get("a")).state, "PENDING");
  assert.equal((await backend.get("c")).result, 3);
});

test("an unreadable message is ignored", async () => {
  const { backend } = setup();
  // Reaches the handler directly: it must not throw into the consumer.
  backend.handle({ correlationId: "t1", body: encoder.encode("not json") });
  assert.equal((await backend.get("t1")).state, "PENDING");
});

test("abort is refused with 501: rpc:// has nowhere to store ABORTED", async () => {
  const { backend } = setup();
  await assert.rejects(backend.abort("t1"), (error: { status?: number; message: string }) => {
    assert.equal(error.status, 501);
    assert.match(error.message, /rpc:\/\/ result backend cannot store the ABORTED state/);
    return true;
  });
});

test("a transport that cannot consume results cannot back rpc://", () => {
  assert.throws(() => new RpcBackend({ kind: "redis" }), /rpc:\/\/ results need a broker/);
});
