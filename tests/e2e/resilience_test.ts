// Issues 2 and 5, robustness of event capture on either broker: hostile or broken messages on
// the event channel are dropped without losing real tasks or the valid events beside them, and
// a broker restart is survived (health reports it, ingestion resumes by itself).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import {
  api,
  type BrokerFixture,
  brokerFixture,
  brokerKind,
  celeryClient,
  listTasks,
  publishRawEvents,
  type RawMessage,
  sleep,
  type Stalk,
  startEventStream,
  startStalk,
  startWorker,
  taskInfo,
  waitFor,
  waitForTaskState,
  waitForTaskStates,
  withBrokerDown,
  type Worker,
} from "./_harness/mod.ts";

/** A made-up sender, so synthetic events never touch a real worker's liveness. */
const SYNTHETIC_HOST = "synthetic@e2e";

const kind = brokerKind();
/** How long the broker stays down in the restart test. */
const OUTAGE_MS = 8_000;

/** When the first event after the longest silence in a stream was accepted (epoch ms). */
function afterLongestGap(sent: { at: number }[]): number {
  let best = 1;
  for (let i = 2; i < sent.length; i++) {
    if (sent[i].at - sent[i - 1].at > sent[best].at - sent[best - 1].at) best = i;
  }
  return sent[best].at;
}

describe("resilience of event capture", () => {
  let broker: BrokerFixture;
  let stalk: Stalk;
  let worker: Worker;

  before(async () => {
    broker = await brokerFixture();
    stalk = await startStalk({ brokerUrl: broker.brokerUrl });
    worker = await startWorker({ brokerUrl: broker.brokerUrl, name: "res", concurrency: 2 });
  });

  after(async () => {
    await worker?.stop();
    await stalk?.stop();
    await broker?.remove();
  });

  test("malformed event messages are dropped; real tasks and a batch's valid events are kept", async () => {
    const now = () => Date.now() / 1000;
    const event = (type: string, uuid: string, fields: Record<string, unknown> = {}) => ({
      type,
      uuid,
      hostname: SYNTHETIC_HOST,
      timestamp: now(),
      clock: 1,
      pid: 4242,
      ...fields,
    });
    const kept = randomUUID(); // its valid events ride in a batch full of broken ones
    const keptReceived = randomUUID(); // only a valid task-received, in the same batch
    const huge = randomUUID();
    const deep = randomUUID();
    const unknown = randomUUID();
    const missingType = randomUUID();

    const first = await celeryClient({
      broker: broker.brokerUrl,
      send: [
        { name: "tasks.add", args: [1, 2] },
        { name: "tasks.echo", kwargs: { k: "v" } },
        { name: "tasks.error", args: ["still counted"] },
      ],
    });
    const [realAdd] = first.ids;

    // Nest 100 000 levels: far past any sane event, cheap to build.
    const nested = "[".repeat(100_000) + "]".repeat(100_000);
    const garbage: RawMessage[] = [
      { routingKey: "task.received", body: "{not json" },
      { routingKey: "task.received", body: new Uint8Array([0xff, 0xfe, 0x7b, 0x7d]) },
      { routingKey: "task.received", body: "" },
      {
        routingKey: "task.received",
        body: "garbage",
        contentType: "application/x-python-serialize",
      },
      { routingKey: "task.succeeded", body: "42" },
      { routingKey: "task.succeeded", body: "null" },
      { routingKey: "task.succeeded", body: '"a string"' },
      { routingKey: "task.received", body: JSON.stringify({ uuid: missingType, hostname: "x" }) },
      // Wrong field types aimed at a real task: if applied they would overwrite its result.
      {
        routingKey: "task.succeeded",
        body: JSON.stringify(event("task-succeeded", realAdd, { timestamp: "yesterday" })),
      },
      {
        routingKey: "task.succeeded",
        body: JSON.stringify(event("task-succeeded", realAdd, { result: { not: "a repr" } })),
      },
      {
        routingKey: "task.failed",
        body: JSON.stringify(event("task-failed", realAdd, { hostname: 7, exception: "X()" })),
      },
      // A batch mixing valid and invalid events.
      {
        routingKey: "task.multi",
        body: JSON.stringify([
          event("task-received", kept, { name: "synthetic.kept", args: "()", kwargs: "{}" }),
          event("task-started", kept, { hostname: 12 }),
          "junk",
          null,
          42,
          [1, 2, 3],
          { type: "task-failed" },
          event("task-failed", kept, { timestamp: "later", exception: "Boom()" }),
          event("task-received", keptReceived, { name: "synthetic.received", retries: 0 }),
          event("task-succeeded", kept, { result: "'synthetic ok'", runtime: 0.5 }),
          event("task-retried", kept, { retries: "three" }),
        ]),
      },
      // 9 MB, over the 8 MB limit, as one otherwise valid event.
      {
        routingKey: "task.received",
        body: JSON.stringify(
          event("task-received", huge, { name: "synthetic.huge", args: "x".repeat(9 << 20) }),
        ),
      },
      // Deeply nested inside an otherwise valid event, and as a whole batch.
      {
        routingKey: "task.received",
        body: `{"type":"task-received","uuid":"${deep}","hostname":"${SYNTHETIC_HOST}",` +
          `"timestamp":${now()},"name":"synthetic.deep","extra":${nested}}`,
      },
      { routingKey: "task.multi", body: nested },
      // A type that is neither task-* nor worker-*.
      { routingKey: "bogus.event", body: JSON.stringify(event("bogus-event", unknown)) },
    ];
    // On Redis the transport's own envelope can be broken too.
    const notEnvelopes = [
      { routingKey: "task.received", text: "{not an envelope" },
      { routingKey: "task.received", text: JSON.stringify({ body: 42 }) },
      { routingKey: "task.received", text: JSON.stringify({ body: "!!not base64!!" }) },
    ];
    await publishRawEvents(kind, broker.brokerUrl, garbage, notEnvelopes);

    const second = await celeryClient({
      broker: broker.brokerUrl,
      send: [{ name: "tasks.add", args: [20, 22] }, { name: "tasks.retry", kwargs: { n: 1 } }],
    });
    // Once more, in reverse, behind the second batch.
    await publishRawEvents(kind, broker.brokerUrl, [...garbage].reverse());

    const real = await waitForTaskStates(
      stalk.url,
      [...first.ids, ...second.ids],
      ["SUCCESS", "FAILURE"],
      30_000,
    );
    assert.deepEqual(
      real.map((task) => [task.name, task.state, task.result, task.worker]),
      [
        ["tasks.add", "SUCCESS", "3", worker.name],
        ["tasks.echo", "SUCCESS", "{'args': [], 'kwargs': {'k': 'v'}}", worker.name],
        ["tasks.error", "FAILURE", null, worker.name],
        ["tasks.add", "SUCCESS", "42", worker.name],
        ["tasks.retry", "SUCCESS", "'done'", worker.name],
      ],
    );
    assert.equal(real[2].exception, "ValueError('still counted')");
    assert.equal(real[0].exception, null, "the invalid task-failed aimed at it was dropped");

    // The valid events of the mixed batch were applied.
    const keptTask = await waitForTaskState(stalk.url, kept, "SUCCESS", 5_000);
    assert.equal(keptTask.name, "synthetic.kept");
    assert.equal(keptTask.result, "'synthetic ok'");
    assert.equal(keptTask.runtime, 0.5);
    assert.equal(keptTask.failed, null, "the invalid task-failed in the batch was dropped");
    assert.equal(keptTask.retried, null, "the invalid task-retried in the batch was dropped");
    const receivedTask = await waitForTaskState(stalk.url, keptReceived, "RECEIVED", 5_000);
    assert.equal(receivedTask.name, "synthetic.received");

    // The dropped messages left no trace.
    for (const id of [huge, deep, unknown, missingType]) {
      assert.equal(await taskInfo(stalk.url, id), undefined, `task ${id} is unknown`);
    }
    const types = await api<{ "task-types": string[] }>(stalk.url, "/api/task/types");
    assert.ok(!types.json?.["task-types"].includes("synthetic.huge"), types.text);
    assert.ok(!types.json?.["task-types"].includes("synthetic.deep"), types.text);

    // Still healthy, still connected, still ingesting.
    const health = await api(stalk.url, "/healthcheck");
    assert.equal(health.status, 200, `${health.text}\n${stalk.output()}`);
    const third = await celeryClient({
      broker: broker.brokerUrl,
      send: [{ name: "tasks.add", args: [5, 5] }],
    });
    const last = await waitForTaskState(stalk.url, third.ids[0], "SUCCESS");
    assert.equal(last.result, "10");

    // Logged once per kind of drop, not once per message.
    const drops = stalk.output().match(/Dropped a malformed event/g) ?? [];
    assert.ok(drops.length >= 1, `no drop was logged:\n${stalk.output()}`);
    assert.ok(drops.length <= 8, `${drops.length} drop lines:\n${stalk.output()}`);
  });

  test("a broker restart: retries every 2 s at most, back within 2 s, every later event seen", async () => {
    const before = await celeryClient({
      broker: broker.brokerUrl,
      send: [{ name: "tasks.add", args: [3, 4] }],
    });
    await waitForTaskState(stalk.url, before.ids[0], "SUCCESS");
    assert.equal((await api(stalk.url, "/healthcheck")).status, 200);

    // Synthetic events all through the outage: they tell exactly what Stalk should have seen.
    const stream = startEventStream(kind, broker.brokerUrl, { name: "stream.tick" });
    let downSeen = 0;
    try {
      await waitFor(() => stream.sent().length >= 10, { timeout: 10_000, message: "a stream" });
      await withBrokerDown(kind, async () => {
        const down = await waitFor(async () => {
          const response = await api(stalk.url, "/healthcheck");
          return response.status === 503 ? response : undefined;
        }, { timeout: 10_000, interval: 100, message: "/healthcheck to answer 503" });
        assert.match(down.text, /^Broker unavailable/);
        downSeen = Date.now();
        // Long enough for the old policy's backoff (0.5 s doubling to 30 s) to reach 8 s.
        await sleep(OUTAGE_MS);
      });
      const reconnectedAt = await waitFor(async () => {
        const response = await api(stalk.url, "/healthcheck");
        return response.status === 200 ? Date.now() : undefined;
      }, {
        timeout: 20_000,
        interval: 50,
        message: `/healthcheck to answer 200 again:\n${stalk.output()}`,
      });
      // The broker is back when the stream, retrying every 100 ms, gets its first event through
      // after the outage: the event after the longest silence. (The restart command returns
      // later, and RabbitMQ still takes connections for a while after stop_app begins.)
      await waitFor(() => stream.sent().some((event) => event.at > downSeen + OUTAGE_MS), {
        message: "the stream to get through again",
      });
      const brokerBack = afterLongestGap(stream.sent());
      const reconnectMs = reconnectedAt - brokerBack;
      console.log(`${kind}: reconnected ${reconnectMs} ms after the broker was back`);
      assert.ok(
        reconnectMs <= 2_500,
        `reconnected only after ${reconnectMs} ms:\n${stalk.output()}`,
      );

      await sleep(2_000);
      await stream.stop();
      const after = stream.sent().filter((event) => event.at > reconnectedAt);
      assert.ok(after.length >= 10, `only ${after.length} events sent after the reconnect`);
      const missing = await waitFor(async () => {
        const seen = new Set(
          (await listTasks(stalk.url, { taskname: "stream.tick" })).map(([id]) => id),
        );
        const unseen = after.filter((event) => !seen.has(event.uuid));
        return unseen.length === 0 ? unseen : undefined;
      }, {
        timeout: 10_000,
        interval: 200,
        message: `every event sent after the reconnect to be seen:\n${stalk.output()}`,
      });
      assert.deepEqual(missing, []);
      const sinceBack = stream.sent().filter((event) => event.at > brokerBack).length;
      console.log(
        `${kind}: saw all ${after.length} events sent after the reconnect ` +
          `(${sinceBack} were sent after the broker was back)`,
      );
    } finally {
      await stream.stop();
    }

    // On RabbitMQ the worker reconnects by itself (Celery retries every few seconds). Celery
    // 5.2's Redis consumer does not always come back from a Redis restart (it stays connected to
    // nothing), which is Celery's problem, not Stalk's: there a fresh worker proves that Stalk
    // sees new events after the restart.
    let runner = worker;
    if (kind === "redis") {
      await worker.stop();
      worker = runner = await startWorker({ brokerUrl: broker.brokerUrl, name: "res2" });
    }
    const sent = await celeryClient({
      broker: broker.brokerUrl,
      send: Array.from({ length: 20 }, (_, i) => ({ name: "tasks.add", args: [i, 1] })),
    });
    const tasks = await waitForTaskStates(stalk.url, sent.ids, ["SUCCESS"], 30_000);
    assert.deepEqual(tasks.map((task) => task.result), sent.ids.map((_, i) => String(i + 1)));
    assert.ok(tasks.every((task) => task.worker === runner.name));

    // What was known before the outage is still there.
    assert.equal((await taskInfo(stalk.url, before.ids[0]))?.state, "SUCCESS");
  });
});
