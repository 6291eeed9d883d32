import { test } from "node:test";
import assert from "node:assert/strict";
import { ControlClient } from "../../../src/control/control_client.ts";
import { INSPECT_METHODS, Inspector } from "../../../src/control/inspector.ts";
import { FakeClock } from "./_fake_clock.ts";
import { FakeTransport } from "./_fake_transport.ts";

function setup() {
  const transport = new FakeTransport();
  const clock = new FakeClock(1_000_000);
  const client = new ControlClient(transport, () => 1, { timers: clock });
  transport.onReply = (ticket, body) =>
    client.handleReply({ ticket, body: new TextEncoder().encode(JSON.stringify(body)) });
  let answering = false;
  transport.responder = (message) => {
    if (!answering) return undefined;
    const method = message.body.method as string;
    return [{
      w: method === "registered"
        ? ["tasks.add"]
        : method === "stats"
        ? { pid: 1, broker: { alternates: ["x"], transport_options: { password: "s3cret" } } }
        : method === "conf"
        ? { broker_url: "redis+socket:///r.sock?password=s3cret", worker_concurrency: 2 }
        : [],
    }];
  };
  const inspector = new Inspector(client, {
    timeout: 10,
    workerStatus: () => ({ w: true }),
    now: clock.now,
    timers: clock,
    retryWindow: 100,
  });
  return {
    transport,
    inspector,
    answer: () => (answering = true),
    /** Lets `ms` pass: inspections time out, and the inspector's clock moves on. */
    advance: (ms: number) => clock.advance(ms),
    inspections: () => transport.published.filter((m) => m.body.method === "stats").length,
  };
}

test("a worker unheard at worker-online is inspected again on a later heartbeat, with backoff", async () => {
  const t = setup();
  t.inspector.onWorkerEvent("worker-online", "w");
  await t.advance(40);
  assert.equal(t.inspector.get("w"), undefined);
  await t.advance(1000);
  t.inspector.onWorkerEvent("worker-heartbeat", "w");
  assert.equal(t.inspections(), 1, "too soon to ask again");
  await t.advance(1500);
  t.answer();
  t.inspector.onWorkerEvent("worker-heartbeat", "w");
  await t.advance(40);
  assert.equal(t.inspections(), 1, "a due retry waits for the window to close");
  await t.advance(100);
  assert.equal(t.inspections(), 2);
  const info = t.inspector.get("w");
  assert.ok(info);
  for (const method of INSPECT_METHODS) assert.ok(method in info, method);
  assert.deepEqual(
    info.stats,
    { pid: 1, broker: { transport_options: { password: "****" } } },
    "stats.broker.alternates is dropped as Flower does, and no password is kept",
  );
  assert.deepEqual(info.conf, {
    broker_url: "redis+socket:///r.sock?password=****",
    worker_concurrency: 2,
  });
  await t.advance(60_000);
  t.inspector.onWorkerEvent("worker-heartbeat", "w");
  assert.equal(t.inspections(), 2, "a complete worker is not asked on heartbeats");
});

test("a forced refresh does not settle for an inspection already in flight", async () => {
  const t = setup();
  const early = t.inspector.refresh("w");
  t.answer();
  const forced = t.inspector.refresh("w", { forced: true });
  const again = t.inspector.refresh("w", { forced: true });
  await t.advance(10);
  await Promise.all([early, forced, again]);
  assert.equal(t.inspections(), 2, "the second forced call shares the first forced one");
  assert.ok(t.inspector.get("w")?.registered);
});

test("the retries of workers that never answer go out as one broadcast per method", async () => {
  const transport = new FakeTransport();
  const clock = new FakeClock(1_000_000);
  const client = new ControlClient(transport, () => 1, { timers: clock });
  const names = Array.from({ length: 50 }, (_, i) => `w${i}`);
  const inspector = new Inspector(client, {
    timeout: 10,
    workerStatus: () => Object.fromEntries(names.map((name) => [name, true])),
    now: clock.now,
    timers: clock,
  });
  const stats = () => transport.published.filter((m) => m.body.method === "stats");
  // Heartbeats every 2 s from each worker, spread over the interval, for two minutes.
  for (let tick = 0; tick < 3000; tick++) {
    inspector.onWorkerEvent("worker-heartbeat", names[tick % 50]);
    // 50 workers × one beat per 2 s: a beat every 40 ms, and 200 ms is five of them.
    if (tick % 5 === 4) await clock.advance(200);
  }
  await clock.advance(3000);
  const sent = stats();
  // Unbatched, every worker would have been asked at 0, 2, 4, 8, 16, 32, 64 s… (350 times).
  // Unbatched, each worker would have been asked at about 0, 2, 6, 14, 30, 62 and 122 s on
  // its own: 300 or more broadcasts per method. Batched, each backoff step is one or two.
  assert.ok(sent.length >= 5 && sent.length <= 10, `${sent.length} stats broadcasts`);
  const asked = new Set(sent.flatMap((m) => m.body.destination as string[]));
  assert.deepEqual([...asked].sort(), [...names].sort(), "every worker was asked");
  assert.ok(
    sent.every((m) => (m.body.destination as string[]).length >= 25),
    "each broadcast asks many workers at once",
  );
  inspector.stop();
});
