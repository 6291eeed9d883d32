import { test } from "node:test";
import assert from "node:assert/strict";
import { ControlClient } from "../../../src/control/control_client.ts";
import { FakeClock, turn } from "./_fake_clock.ts";
import { FakeTransport } from "./_fake_transport.ts";

function setup() {
  const transport = new FakeTransport();
  const clock = new FakeClock();
  const client = new ControlClient(transport, () => 1, { timers: clock });
  transport.onReply = (ticket, body) =>
    client.handleReply({ ticket, body: new TextEncoder().encode(JSON.stringify(body)) });
  return { transport, client, clock };
}

/** Tracks whether `promise` has settled. */
function watch<T>(promise: Promise<T>): { promise: Promise<T>; settled: () => boolean } {
  let settled = false;
  promise.finally(() => (settled = true)).catch(() => {});
  return { promise, settled: () => settled };
}

test("a call with a destination stops as soon as every destination replied", async () => {
  const { transport, client } = setup();
  transport.responder = () => [{ "celery@w1": { ok: "pong" } }];
  const call = watch(client.call("ping", {}, { destination: ["celery@w1"], timeout: 5000 }));
  await turn();
  assert.ok(call.settled(), "did not wait for the timeout");
  const replies = await call.promise;
  assert.deepEqual(replies, { "celery@w1": { ok: "pong" } });
  assert.deepEqual(transport.published[0].body.destination, ["celery@w1"]);
  assert.deepEqual(transport.published[0].body.reply_to, {
    exchange: "reply.celery.pidbox",
    routing_key: "oid",
  });
  assert.equal(client.pending, 0);
});

test("a broadcast to all collects replies until none comes for the timeout", async () => {
  const { transport, client, clock } = setup();
  transport.responder = () => [{ a: 1 }, { b: 2 }];
  const call = watch(client.call("stats", {}, { timeout: 30 }));
  await clock.advance(29);
  assert.equal(call.settled(), false, "still listening within the timeout");
  await clock.advance(1);
  assert.deepEqual(await call.promise, { a: 1, b: 2 });
});

test("silence ends the call empty after the timeout", async () => {
  const { client, clock } = setup();
  const call = client.call("stats", {}, { destination: ["x"], timeout: 20 });
  await clock.advance(20);
  assert.deepEqual(await call, {});
});

test("replies for another ticket, without a ticket, or not JSON are ignored", async () => {
  const { transport, client } = setup();
  transport.onReply = (ticket) => {
    client.handleReply({ ticket: "someone-else", body: new TextEncoder().encode('{"x": 1}') });
    client.handleReply({ body: new TextEncoder().encode('{"y": 1}') });
    client.handleReply({ ticket, body: new TextEncoder().encode("not json") });
    client.handleReply({ ticket, body: new TextEncoder().encode("[1]") });
    client.handleReply({ ticket, body: new TextEncoder().encode('{"w": {"ok": 1}}') });
  };
  transport.responder = () => [{}];
  assert.deepEqual(await client.call("ping", {}, { destination: ["w"], timeout: 50 }), {
    w: { ok: 1 },
  });
});

test("concurrent calls keep their own replies", async () => {
  const { transport, client } = setup();
  transport.responder = (message) => [{ w: message.body.method }];
  const [a, b] = await Promise.all([
    client.call("stats", {}, { destination: ["w"], timeout: 500 }),
    client.call("registered", {}, { destination: ["w"], timeout: 500 }),
  ]);
  assert.deepEqual([a, b], [{ w: "stats" }, { w: "registered" }]);
});

test("the overall deadline ends a call that keeps receiving replies", async () => {
  const { transport, client, clock } = setup();
  let ticket = "";
  transport.responder = (message) => {
    ticket = message.body.ticket as string;
    return [];
  };
  const call = watch(client.call("stats", {}, { timeout: 40, deadline: 120 }));
  const started = clock.time;
  // A reply every 10 ms keeps the 40 ms idle timeout from ever firing.
  for (let n = 0; !call.settled() && clock.time - started < 1000; n++) {
    client.handleReply({ ticket, body: new TextEncoder().encode(`{"w${n}": 1}`) });
    await clock.advance(10);
  }
  await call.promise;
  assert.ok(clock.time - started < 400);
});

test("a publish failure rejects the call and leaves nothing pending", async () => {
  const { transport, client } = setup();
  transport.connected = false;
  await assert.rejects(client.call("ping", {}, { timeout: 1000 }));
  assert.equal(client.pending, 0);
});

test("cast sends no ticket and no reply_to", async () => {
  const { transport, client } = setup();
  await client.cast("heartbeat", {});
  assert.equal(transport.published[0].body.ticket, undefined);
  assert.equal(transport.published[0].body.reply_to, undefined);
});
