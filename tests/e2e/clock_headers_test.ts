// Issue 9 §1: Lamport clocks past 2^31. py-amqp writes such a `clock` header with field type `L`,
// which amqp-client could not decode (the process died on the next pidbox reply, and on every
// restart after). A clock too large to trust (1e30) must not move Stalk's clock either.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import {
  api,
  type BrokerFixture,
  brokerFixture,
  brokerKind,
  publishRawEvents,
  sleep,
  type Stalk,
  startStalk,
  startWorker,
  waitFor,
  type Worker,
  workerStatus,
} from "./_harness/mod.ts";
import { python } from "./_harness/paths.ts";

const run = promisify(execFile);
const SYNTHETIC_HOST = "clock@e2e";
const kind = brokerKind();

function heartbeat(clock: number) {
  return {
    routingKey: "worker.heartbeat",
    body: JSON.stringify({
      type: "worker-heartbeat",
      hostname: SYNTHETIC_HOST,
      timestamp: Date.now() / 1000,
      clock,
      freq: 2,
      active: 0,
      processed: 0,
    }),
  };
}

/** `/api/workers?refresh=true` answers 200 and lists `name` with fresh inspect data. */
async function refreshedWorkers(stalk: Stalk, name: string): Promise<void> {
  const response = await api<Record<string, { registered?: string[] }>>(
    stalk.url,
    "/api/workers?refresh=true",
  );
  assert.equal(response.status, 200, response.text);
  assert.ok(response.json?.[name]?.registered?.length, `no inspect data for ${name}`);
}

async function assertHealthy(stalk: Stalk): Promise<void> {
  const response = await api(stalk.url, "/healthcheck");
  assert.equal(response.status, 200, `${response.text}\n${stalk.output()}`);
}

describe("Lamport clocks past 2^31", () => {
  let broker: BrokerFixture;
  let stalk: Stalk;
  let worker: Worker;

  before(async () => {
    broker = await brokerFixture();
    stalk = await startStalk({ brokerUrl: broker.brokerUrl });
    worker = await startWorker({ brokerUrl: broker.brokerUrl, name: "clock" });
    await waitFor(async () => (await workerStatus(stalk.url))[worker.name] === true, {
      message: `${worker.name} to be seen online`,
    });
  });

  after(async () => {
    await worker?.stop();
    await stalk?.stop();
    await broker?.remove();
  });

  test("after events with clocks of 1e30 and 2^31 + 7, inspection and control still work", async () => {
    await publishRawEvents(kind, broker.brokerUrl, [heartbeat(1e30), heartbeat(2 ** 31 + 7)]);
    await waitFor(async () => SYNTHETIC_HOST in (await workerStatus(stalk.url)), {
      message: "the synthetic heartbeats to be ingested",
    });
    // The inspect broadcast carries Stalk's clock (now past 2^31) to the worker, whose replies
    // then carry a clock header py-amqp writes as `L`.
    await refreshedWorkers(stalk, worker.name);
    await refreshedWorkers(stalk, worker.name);
    const grow = await api(
      stalk.url,
      `/api/worker/pool/grow/${encodeURIComponent(worker.name)}?n=1`,
      { method: "POST" },
    );
    assert.equal(grow.status, 200, grow.text);
    await assertHealthy(stalk);
    assert.doesNotMatch(stalk.output(), /undecodable_frame/);
  });

  test("a restarted Stalk is healthy within seconds and stays so over an enable_events cycle", async () => {
    await stalk.stop();
    const started = Date.now();
    stalk = await startStalk({ brokerUrl: broker.brokerUrl });
    assert.ok(Date.now() - started < 10_000, "Stalk took more than 10 s to become healthy");
    const until = Date.now() + 6_000;
    while (Date.now() < until) {
      await assertHealthy(stalk);
      await sleep(500);
    }
    await refreshedWorkers(stalk, worker.name);
    assert.doesNotMatch(stalk.output(), /undecodable_frame/);
  });

  test("a pidbox reply published by kombu with a clock of 2^40 is understood", {
    skip: kind !== "amqp" && "AMQP field types only",
  }, async () => {
    const vhost = decodeURIComponent(new URL(broker.brokerUrl).pathname.slice(1));
    const { stdout } = await run("rabbitmqctl", ["-q", "list_queues", "-p", vhost, "name"]);
    const queue = stdout.split("\n").map((line) => line.trim())
      .find((name) => name.endsWith(".reply.celery.pidbox"));
    assert.ok(queue, `no Stalk reply queue in:\n${stdout}`);
    const oid = queue.slice(0, -".reply.celery.pidbox".length);
    const script = [
      "import sys",
      "from kombu import Connection, Exchange",
      "with Connection(sys.argv[1]) as conn:",
      "    exchange = Exchange('reply.celery.pidbox', 'direct', durable=False, auto_delete=False)",
      "    conn.Producer().publish({'kombu@e2e': {'ok': 'pong'}}, exchange=exchange,",
      "        routing_key=sys.argv[2], serializer='json',",
      "        headers={'clock': 2**40, 'ticket': 'no-such-ticket', 'big': -2**50})",
    ].join("\n");
    await run(python, ["-c", script, broker.brokerUrl, oid]);
    await sleep(500);
    await assertHealthy(stalk);
    await refreshedWorkers(stalk, worker.name);
    assert.doesNotMatch(stalk.output(), /undecodable_frame/);
  });
});
