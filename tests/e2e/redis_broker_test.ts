// Issue 5, what only a Redis broker has: priority sub-queues, global_keyprefix, and the keys
// Stalk writes for remote control (which must not pile up). The rest of the suite already runs
// against Redis with STALK_E2E_BROKER=redis.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import {
  api,
  type BrokerFixture,
  brokerFixture,
  brokerKind,
  celeryClient,
  redisCli,
  type Stalk,
  startStalk,
  startWorker,
  waitFor,
  waitForTaskState,
  type Worker,
} from "./_harness/mod.ts";

const skip = brokerKind() === "redis" ? false : "Redis-only behaviour (STALK_E2E_BROKER=redis)";
const SEP = "\x06\x16";

interface QueueLengths {
  active_queues: { name: string; messages: number }[];
}

describe("a Redis broker", { skip }, () => {
  let broker: BrokerFixture;
  let db: string;

  before(async () => {
    broker = await brokerFixture();
    db = new URL(broker.brokerUrl).pathname.slice(1);
  });

  after(async () => {
    await broker?.remove();
  });

  describe("with kombu's default names", () => {
    let stalk: Stalk;
    let worker: Worker;
    let live: Worker;
    const idle = `idle-${randomBytes(3).toString("hex")}`;

    before(async () => {
      stalk = await startStalk({ brokerUrl: broker.brokerUrl });
      worker = await startWorker({
        brokerUrl: broker.brokerUrl,
        name: "prio",
        queues: ["celery", idle],
      });
      await waitFor(async () => {
        const info = await api<Record<string, unknown>>(
          stalk.url,
          `/api/workers?workername=${worker.name}`,
        );
        return info.status === 200;
      }, { timeout: 15_000, message: "the worker to be inspected" });
      // The worker leaves; its queue stays known to Stalk's inspect cache, and nobody consumes it.
      await worker.stop();
      live = await startWorker({ brokerUrl: broker.brokerUrl, name: "live" });
    });

    after(async () => {
      await live?.stop();
      await worker?.stop();
      await stalk?.stop();
    });

    test("queue lengths add up every priority sub-queue", async () => {
      const sent = await celeryClient({
        broker: broker.brokerUrl,
        send: [0, 4, 7, 9, 9].map((priority) => ({
          name: "tasks.add",
          args: [1, priority],
          options: { queue: idle, priority },
        })),
      });
      assert.equal(sent.ids.length, 5);
      const lists = await Promise.all(
        ["", `${SEP}3`, `${SEP}6`, `${SEP}9`].map((suffix) =>
          redisCli("-n", db, "LLEN", idle + suffix)
        ),
      );
      assert.deepEqual(lists, ["1", "1", "1", "2"], "kombu spread them over its four lists");
      const response = await api<QueueLengths>(stalk.url, "/api/queues/length");
      assert.equal(response.status, 200, response.text);
      const queue = response.json?.active_queues.find((q) => q.name === idle);
      assert.equal(queue?.messages, 5, response.text);
      assert.ok(response.json?.active_queues.some((q) => q.name === "celery"), response.text);
    });

    test("a task Stalk sends with a priority lands on that priority's list", async () => {
      const response = await api<{ "task-id": string }>(
        stalk.url,
        `/api/task/send-task/tasks.add`,
        {
          method: "POST",
          body: JSON.stringify({ args: [2, 2], queue: idle, priority: 7 }),
        },
      );
      assert.equal(response.status, 200, response.text);
      const raw = await redisCli("-n", db, "LINDEX", `${idle}${SEP}6`, "0");
      const envelope = JSON.parse(raw);
      assert.equal(envelope.headers.id, response.json?.["task-id"]);
      assert.equal(envelope.properties.priority, 7);
      assert.equal(envelope.properties.body_encoding, "base64");
      assert.deepEqual(JSON.parse(atob(envelope.body))[0], [2, 2]);
    });

    test("a thousand remote-control calls leave no keys behind", async () => {
      const member = async () =>
        await redisCli("-n", db, "SMEMBERS", "_kombu.binding.reply.celery.pidbox");
      const before = (await member()).split("\n").filter(Boolean);
      // 125 inspections of one live worker, 8 broadcasts each, every one answered.
      for (let i = 0; i < 125; i++) {
        const response = await api(stalk.url, `/api/workers?refresh=true&workername=${live.name}`);
        assert.equal(response.status, 200, response.text);
      }
      const after = (await member()).split("\n").filter(Boolean);
      assert.deepEqual(after, before, "one reply binding for this Stalk, however many calls");
      const replyLists = (await redisCli("-n", db, "KEYS", "*.reply.celery.pidbox*")).split("\n")
        .filter((key) => key && !key.startsWith("_kombu.binding."));
      assert.deepEqual(replyLists, [], "no reply list left holding messages");
      await stalk.stop();
      const left = (await member()).split("\n").filter(Boolean);
      assert.equal(left.length, before.length - 1, "the binding is removed when Stalk stops");
    });
  });

  describe("with a global_keyprefix", () => {
    const options = { global_keyprefix: `pfx${randomBytes(2).toString("hex")}:` };
    let stalk: Stalk;
    let worker: Worker;

    before(async () => {
      stalk = await startStalk({
        brokerUrl: broker.brokerUrl,
        args: [`--broker_transport_options=${JSON.stringify(options)}`],
      });
      worker = await startWorker({
        brokerUrl: broker.brokerUrl,
        name: "pfx",
        env: { STALK_E2E_TRANSPORT_OPTIONS: JSON.stringify(options) },
      });
    });

    after(async () => {
      await worker?.stop();
      await stalk?.stop();
    });

    test("events, inspection and task publishing all use the prefixed names", async () => {
      await waitFor(
        async () =>
          (await api<Record<string, boolean>>(stalk.url, "/api/workers?status=true")).json
            ?.[worker.name],
        {
          timeout: 15_000,
          message: "the prefixed worker's heartbeats to reach Stalk",
        },
      );
      const sent = await celeryClient({
        broker: broker.brokerUrl,
        transport_options: options,
        send: [{ name: "tasks.add", args: [20, 1] }],
      });
      assert.equal((await waitForTaskState(stalk.url, sent.ids[0], "SUCCESS")).result, "21");

      const published = await api<{ "task-id": string }>(
        stalk.url,
        "/api/task/async-apply/tasks.add",
        {
          method: "POST",
          body: JSON.stringify({ args: [1, 1] }),
        },
      );
      assert.equal(published.status, 200, published.text);
      assert.equal(
        (await waitForTaskState(stalk.url, published.json!["task-id"], "SUCCESS")).result,
        "2",
      );

      const info = await api<Record<string, unknown>>(
        stalk.url,
        `/api/workers?refresh=true&workername=${worker.name}`,
      );
      assert.equal(info.status, 200, info.text);
      const keys = (await redisCli("-n", db, "KEYS", "*_kombu.binding.*")).split("\n").filter(
        Boolean,
      );
      assert.ok(keys.some((key) => key.startsWith(options.global_keyprefix)), keys.join(", "));
    });
  });
});
