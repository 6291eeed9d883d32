import { test } from "node:test";
import assert from "node:assert/strict";
import { ControlClient } from "../../../src/control/control_client.ts";
import { Inspector } from "../../../src/control/inspector.ts";
import { WorkerControl } from "../../../src/control/worker_control.ts";
import { StalkError } from "../../../src/errors.ts";
import { FakeTransport, type Responder } from "./_fake_transport.ts";

function setup(responder: Responder, readOnly = false) {
  const transport = new FakeTransport();
  const client = new ControlClient(transport, () => 1);
  transport.onReply = (ticket, body) =>
    client.handleReply({ ticket, body: new TextEncoder().encode(JSON.stringify(body)) });
  transport.responder = responder;
  const inspector = new Inspector(client, { timeout: 30, workerStatus: () => ({ w: true }) });
  const control = new WorkerControl(client, inspector, {
    readOnly,
    timeout: 30,
    knownFromEvents: (name) => name === "w",
  });
  return { transport, control };
}

async function rejectsWith(promise: Promise<unknown>, status: number, pattern: RegExp) {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof StalkError);
    assert.equal(error.status, status);
    assert.match(error.message, pattern);
    return true;
  });
}

test("pool grow sends n and answers Flower's message", async () => {
  const { transport, control } = setup(() => [{ w: { ok: "pool will grow" } }]);
  assert.deepEqual(await control.poolGrow("w", 3), { message: "Growing 'w' worker's pool by 3" });
  assert.deepEqual(transport.published[0].body.arguments, { n: 3 });
  assert.equal(transport.published[0].body.method, "pool_grow");
});

test("a worker's error reply becomes 403 with its text", async () => {
  const { control } = setup(() => [{ w: { error: "ValueError('Autoscale not enabled')" } }]);
  await rejectsWith(
    control.autoscale("w", 1, 2),
    403,
    /Failed to autoscale 'w' worker: ValueError\('Autoscale not enabled'\)/,
  );
});

test("no reply within the timeout is 504", async () => {
  const { control } = setup(() => undefined);
  await rejectsWith(control.poolShrink("w", 1), 504, /did not reply within 30 ms/);
});

test("an unknown worker is 404 and read-only mode is 403 before anything is sent", async () => {
  const { transport, control } = setup(() => undefined);
  await rejectsWith(control.poolRestart("ghost"), 404, /Unknown worker 'ghost'/);
  const readOnly = setup(() => undefined, true);
  await rejectsWith(readOnly.control.shutdown("w"), 403, /Read only/);
  await rejectsWith(readOnly.control.revoke("t"), 403, /Read only/);
  assert.equal(transport.published.length + readOnly.transport.published.length, 0);
});

test("rate limit checks the task against the worker's registered list", async () => {
  const { control } = setup((message) => {
    if (message.body.method === "registered") {
      return [{ w: ["tasks.add [rate_limit=1/s]", "tasks.echo"] }];
    }
    if (message.body.method === "rate_limit") {
      return [{ w: { ok: "new rate limit set successfully" } }];
    }
    return [{ w: {} }];
  });
  assert.deepEqual(await control.rateLimit("w", "tasks.add", "10/m"), {
    message: "new rate limit set successfully",
  });
  await rejectsWith(control.rateLimit("w", "tasks.nope", "10/m"), 404, /Unknown task 'tasks.nope'/);
});

test("revoke broadcasts to every worker without waiting", async () => {
  const { transport, control } = setup(() => undefined);
  assert.deepEqual(await control.revoke("abc", { terminate: true, signal: "SIGKILL" }), {
    message: "Revoked 'abc'",
  });
  assert.deepEqual(transport.published[0].body.arguments, {
    task_id: "abc",
    terminate: true,
    signal: "SIGKILL",
  });
  assert.equal(transport.published[0].body.destination, null);
});
