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
  publishRawEvents,
  type RawMessage,
  type Stalk,
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

  test("a broker restart is survived: 503 while down, 200 after, new tasks ingested", async () => {
    const before = await celeryClient({
      broker: broker.brokerUrl,
      send: [{ name: "tasks.add", args: [3, 4] }],
    });
    await waitForTaskState(stalk.url, before.ids[0], "SUCCESS");
    assert.equal((await api(stalk.url, "/healthcheck")).status, 200);

    await withBrokerDown(kind, async () => {
      const down = await waitFor(async () => {
        const response = await api(stalk.url, "/healthcheck");
        return response.status === 503 ? response : undefined;
      }, { timeout: 10_000, interval: 100, message: "/healthcheck to answer 503" });
      assert.match(down.text, /^Broker unavailable/);
    });

    // Stalk reconnects with a backoff (0.5 s doubling, jittered).
    await waitFor(async () => (await api(stalk.url, "/healthcheck")).status === 200, {
      timeout: 20_000,
      interval: 200,
      message: `/healthcheck to answer 200 again:\n${stalk.output()}`,
    });

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
      send: [{ name: "tasks.add", args: [40, 2] }],
    });
    const task = await waitForTaskState(stalk.url, sent.ids[0], "SUCCESS", 30_000);
    assert.equal(task.result, "42");
    assert.equal(task.worker, runner.name);

    // What was known before the outage is still there.
    assert.equal((await taskInfo(stalk.url, before.ids[0]))?.state, "SUCCESS");
  });
});
