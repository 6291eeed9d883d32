// Issue 3, worker inspection and the control API's statuses: /api/workers (the inspect cache,
// filled by events), /api/queues/length on RabbitMQ, and the 400/403/404/405/503/504-class answers
// of the control routes against real workers.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import {
  api,
  type ApiResponse,
  type BrokerFixture,
  brokerFixture,
  brokerKind,
  celeryClient,
  CONTROL_BEFORE_HEART,
  HEART_BEFORE_CONTROL,
  pingWorker,
  sleep,
  type Stalk,
  startStalk,
  startWorker,
  waitFor,
  waitForTaskState,
  type Worker,
  workerStatus,
} from "./_harness/mod.ts";
import { freePort } from "./_harness/port.ts";

interface WorkerInfo {
  stats?: {
    pid?: number;
    pool?: { "max-concurrency"?: number };
    broker?: Record<string, unknown>;
    total?: Record<string, number>;
  };
  active_queues?: { name: string }[];
  registered?: string[];
  scheduled?: { request?: { id?: string } }[];
  active?: { id?: string; name?: string }[];
  reserved?: unknown[];
  revoked?: string[];
  conf?: Record<string, unknown>;
  timestamp?: number;
}

interface QueueLength {
  name: string;
  messages: number;
  consumers?: number;
}

const INSPECT_KEYS = [
  "stats",
  "active_queues",
  "registered",
  "scheduled",
  "active",
  "reserved",
  "revoked",
  "conf",
  "timestamp",
];

const rand = () => randomBytes(3).toString("hex");

describe("worker inspection and control statuses", () => {
  const ownQueue = `q-own-${rand()}`;
  const idleQueue = `q-idle-${rand()}`;
  let broker: BrokerFixture;
  let stalk: Stalk;
  let readOnly: Stalk;
  /** Consumes `celery` and `ownQueue`. */
  let worker: Worker;
  /** Consumes `idleQueue`, then is stopped: its queue stays known and fills up. */
  let gone: Worker;

  before(async () => {
    broker = await brokerFixture();
    [stalk, readOnly] = await Promise.all([
      startStalk({ brokerUrl: broker.brokerUrl }),
      startStalk({ brokerUrl: broker.brokerUrl, args: ["--read_only"] }),
    ]);
    // Let the start-up inspection (1 s without replies) end first; a worker coming online
    // during it is a separate case, tested below.
    await sleep(1_500);
    [worker, gone] = await Promise.all([
      startWorker({
        brokerUrl: broker.brokerUrl,
        name: "insp",
        queues: ["celery", ownQueue],
        env: CONTROL_BEFORE_HEART,
      }),
      startWorker({
        brokerUrl: broker.brokerUrl,
        name: "gone",
        pool: "solo",
        queues: [idleQueue],
        env: CONTROL_BEFORE_HEART,
      }),
    ]);
  });

  after(async () => {
    await Promise.allSettled([worker?.stop(), gone?.stop()]);
    await Promise.allSettled([stalk?.stop(), readOnly?.stop()]);
    await broker?.remove();
  });

  const workers = async (query = ""): Promise<ApiResponse<Record<string, WorkerInfo>>> =>
    await api<Record<string, WorkerInfo>>(stalk.url, `/api/workers${query}`);

  const post = (url: string, path: string, params: Record<string, string> = {}) => {
    const search = new URLSearchParams(params).toString();
    return api<{ message?: string; error?: string }>(url, search ? `${path}?${search}` : path, {
      method: "POST",
    });
  };

  describe("GET /api/workers", () => {
    test("lists a worker started after Stalk with its eight inspect replies, without refresh", async () => {
      const info = await waitFor(async () => {
        const info = (await workers()).json?.[worker.name];
        return info && INSPECT_KEYS.every((key) => key in info) ? info : undefined;
      }, { timeout: 5_000, interval: 100, message: `${worker.name} in /api/workers` });
      assert.deepEqual(Object.keys(info).sort(), [...INSPECT_KEYS].sort());
      assert.equal(info.stats?.pid, worker.pid, "stats comes from this very worker");
      assert.equal(info.stats?.pool?.["max-concurrency"], 1);
      if (brokerKind() === "amqp") assert.equal(info.stats?.broker?.["virtual_host"], broker.name);
      assert.ok(!("alternates" in (info.stats?.broker ?? {})), "alternates dropped, as Flower");
      assert.deepEqual(
        info.active_queues?.map((queue) => queue.name).sort(),
        ["celery", ownQueue].sort(),
      );
      for (const name of ["tasks.add", "tasks.echo", "tasks.error", "tasks.retry", "tasks.sleep"]) {
        assert.ok(info.registered?.includes(name), `${name} in ${info.registered}`);
      }
      for (const key of ["scheduled", "active", "reserved", "revoked"] as const) {
        assert.ok(Array.isArray(info[key]), `${key} is a list`);
      }
      assert.equal(typeof info.conf, "object");
      assert.equal(info.conf?.["worker_send_task_events"], true);
      const password = new URL(broker.brokerUrl.replace(/^\w+:/, "http:")).password;
      if (password) {
        assert.ok(!JSON.stringify(info).includes(`:${password}@`), "no broker password returned");
      }
      assert.ok(Math.abs(info.timestamp! - Date.now() / 1000) < 60, `timestamp ${info.timestamp}`);
    });

    test("workername returns that worker only", async () => {
      const response = await workers(`?workername=${encodeURIComponent(worker.name)}`);
      assert.equal(response.status, 200, response.text);
      assert.deepEqual(Object.keys(response.json ?? {}), [worker.name]);
    });

    test("an unknown workername answers 404 naming it", async () => {
      const response = await workers("?workername=nobody%40nowhere");
      assert.equal(response.status, 404, response.text);
      assert.match(response.text, /nobody@nowhere/);
      const refreshed = await workers("?workername=nobody%40nowhere&refresh=true");
      assert.equal(refreshed.status, 404, refreshed.text);
    });

    test("refresh=true re-inspects: scheduled, active and revoked show what the worker holds", async () => {
      const before = (await workers(`?workername=${worker.name}`)).json?.[worker.name];
      const sent = await celeryClient({
        broker: broker.brokerUrl,
        send: [
          { name: "tasks.add", args: [1, 2], options: { countdown: 30 } },
          { name: "tasks.nap", args: [2] },
        ],
      });
      const [eta, running] = sent.ids;
      await waitForTaskState(stalk.url, eta, "RECEIVED");
      await waitForTaskState(stalk.url, running, "STARTED");
      const response = await workers(`?refresh=true&workername=${worker.name}`);
      assert.equal(response.status, 200, response.text);
      const info = response.json?.[worker.name];
      assert.ok(info);
      assert.ok(info.timestamp! > before!.timestamp!, "the timestamp moved on");
      assert.deepEqual(info.scheduled?.map((entry) => entry.request?.id), [eta]);
      assert.deepEqual(info.active?.map((entry) => entry.id), [running]);

      const revoke = await post(stalk.url, `/api/task/revoke/${eta}`);
      assert.equal(revoke.status, 200, revoke.text);
      await waitFor(async () => {
        const info = (await workers(`?refresh=true&workername=${worker.name}`)).json?.[worker.name];
        return info?.revoked?.includes(eta);
      }, { timeout: 5_000, interval: 200, message: `${eta} in revoked` });
      await waitForTaskState(stalk.url, running, "SUCCESS");
    });

    test("refresh=true without workername refreshes every worker", async () => {
      // Both workers inspected first: an inspection lost to a Redis mailbox that lagged the
      // worker's start is made up within a few heartbeats, not necessarily by now.
      const before = await waitFor(async () => {
        const listed = (await workers()).json ?? {};
        return [worker, gone].every(({ name }) => listed[name]?.timestamp) ? listed : undefined;
      }, { timeout: 15_000, interval: 200, message: "both workers in /api/workers" });
      const response = await workers("?refresh=true");
      assert.equal(response.status, 200, response.text);
      for (const name of [worker.name, gone.name]) {
        assert.ok(response.json?.[name], `${name} listed`);
        assert.ok(response.json[name].timestamp! > before[name].timestamp!, `${name} refreshed`);
      }
    });

    test("status=true maps every worker to its liveness", async () => {
      const status = await workerStatus(stalk.url);
      assert.equal(status[worker.name], true);
      assert.equal(status[gone.name], true);
    });
  });

  describe("GET /api/queues/length", () => {
    test("lists celery and every consumed queue, counting messages nobody takes", {
      skip: brokerKind() === "amqp" ? false : "asserts RabbitMQ's consumer counts",
    }, async () => {
      // A queue is listed once some worker's active_queues named it: `gone` consumed idleQueue,
      // was inspected, and stops; its (durable) queue stays, known to Stalk, and fills up.
      await waitFor(async () => (await workers()).json?.[gone.name]?.active_queues?.length, {
        timeout: 5_000,
        message: `${gone.name} inspected`,
      });
      await gone.stop();
      const lengths = async () => {
        const response = await api<{ active_queues: QueueLength[] }>(
          stalk.url,
          "/api/queues/length",
        );
        assert.equal(response.status, 200, response.text);
        return new Map(response.json?.active_queues.map((queue) => [queue.name, queue]));
      };
      const first = await lengths();
      assert.ok(first.has("celery"), JSON.stringify([...first.values()]));
      assert.ok(first.has(ownQueue), JSON.stringify([...first.values()]));
      assert.equal(first.get(ownQueue)?.messages, 0);
      assert.equal(first.get(idleQueue)?.messages, 0);

      const toIdle = (n: number) => ({
        broker: broker.brokerUrl,
        send: Array.from({ length: n }, (_, i) => ({
          name: "tasks.add",
          args: [i, i],
          options: { queue: idleQueue },
        })),
      });
      await celeryClient(toIdle(3));
      await waitFor(async () => (await lengths()).get(idleQueue)?.messages === 3, {
        timeout: 5_000,
        message: `${idleQueue} to hold 3 messages`,
      });
      await celeryClient(toIdle(2));
      await waitFor(async () => (await lengths()).get(idleQueue)?.messages === 5, {
        timeout: 5_000,
        message: `${idleQueue} to hold 5 messages`,
      });
      const last = await lengths();
      assert.equal(last.get(idleQueue)?.consumers, 0);
      assert.equal(last.get("celery")?.consumers, 1);
    });
  });

  describe("control statuses", () => {
    const unknown = "nobody@nowhere";

    test("every worker route answers 404 for an unknown worker", async () => {
      const routes: [string, Record<string, string>][] = [
        [`/api/worker/shutdown/${unknown}`, {}],
        [`/api/worker/pool/restart/${unknown}`, {}],
        [`/api/worker/pool/grow/${unknown}`, { n: "1" }],
        [`/api/worker/pool/shrink/${unknown}`, { n: "1" }],
        [`/api/worker/pool/autoscale/${unknown}`, { min: "1", max: "2" }],
        [`/api/worker/queue/add-consumer/${unknown}`, { queue: "q" }],
        [`/api/worker/queue/cancel-consumer/${unknown}`, { queue: "q" }],
        ["/api/task/rate-limit/tasks.add", { workername: unknown, ratelimit: "1/s" }],
        ["/api/task/timeout/tasks.add", { workername: unknown, soft: "1" }],
      ];
      for (const [path, params] of routes) {
        const response = await post(stalk.url, path, params);
        assert.equal(response.status, 404, `${path}: ${response.text}`);
        assert.match(response.json?.error ?? "", /nobody@nowhere/, path);
      }
    });

    test("missing or invalid parameters answer 400 naming the parameter", async () => {
      const name = worker.name;
      const cases: [string, Record<string, string>, RegExp][] = [
        [`/api/worker/pool/grow/${name}`, { n: "abc" }, /'n'/],
        [`/api/worker/pool/shrink/${name}`, { n: "-1" }, /'n'/],
        [`/api/worker/pool/autoscale/${name}`, { max: "3" }, /Missing parameter 'min'/],
        [`/api/worker/pool/autoscale/${name}`, { min: "1" }, /Missing parameter 'max'/],
        [`/api/worker/pool/autoscale/${name}`, { min: "1", max: "x" }, /'max'/],
        [`/api/worker/queue/add-consumer/${name}`, {}, /Missing parameter 'queue'/],
        [`/api/worker/queue/cancel-consumer/${name}`, { queue: "" }, /'queue'/],
        ["/api/task/rate-limit/tasks.add", { workername: name }, /'ratelimit'/],
        ["/api/task/rate-limit/tasks.add", { ratelimit: "1/s" }, /'workername'/],
        ["/api/task/timeout/tasks.add", { workername: name, soft: "abc" }, /'soft'/],
        ["/api/task/revoke/some-id", { terminate: "maybe" }, /'terminate'/],
      ];
      for (const [path, params, error] of cases) {
        const response = await post(stalk.url, path, params);
        assert.equal(response.status, 400, `${path} ${JSON.stringify(params)}: ${response.text}`);
        assert.match(response.json?.error ?? "", error, `${path} ${JSON.stringify(params)}`);
      }
    });

    test("GET on a control route answers 405 with Allow: POST", async () => {
      const response = await api(stalk.url, `/api/worker/pool/grow/${worker.name}`);
      assert.equal(response.status, 405, response.text);
      assert.match(response.headers.get("allow") ?? "", /POST/);
    });

    test("--read_only answers 403 on every mutating route and leaves the worker alone", async () => {
      const name = worker.name;
      const routes: [string, Record<string, string>][] = [
        [`/api/worker/shutdown/${name}`, {}],
        [`/api/worker/pool/restart/${name}`, {}],
        [`/api/worker/pool/grow/${name}`, { n: "1" }],
        [`/api/worker/pool/shrink/${name}`, { n: "1" }],
        [`/api/worker/pool/autoscale/${name}`, { min: "1", max: "2" }],
        [`/api/worker/queue/add-consumer/${name}`, { queue: "q-ro" }],
        [`/api/worker/queue/cancel-consumer/${name}`, { queue: "celery" }],
        ["/api/task/rate-limit/tasks.add", { workername: name, ratelimit: "1/s" }],
        ["/api/task/timeout/tasks.add", { workername: name, soft: "1" }],
        ["/api/task/revoke/some-id", { terminate: "true" }],
        ["/api/task/send-task/tasks.add", {}],
        ["/api/task/async-apply/tasks.add", {}],
        ["/api/task/apply/tasks.add", {}],
        ["/api/task/abort/some-id", {}],
      ];
      for (const [path, params] of routes) {
        const response = await post(readOnly.url, path, params);
        assert.equal(response.status, 403, `${path}: ${response.text}`);
        assert.match(response.json?.error ?? "", /[Rr]ead.only/, path);
      }
      // Reads still work, and the worker did not shut down or change.
      const read = await api(readOnly.url, `/api/workers?workername=${name}&refresh=true`);
      assert.equal(read.status, 200, read.text);
      assert.equal((await workerStatus(stalk.url))[name], true);
      const info = (await workers(`?refresh=true&workername=${name}`)).json?.[name];
      assert.deepEqual(
        info?.active_queues?.map((queue) => queue.name).sort(),
        [
          "celery",
          ownQueue,
        ].sort(),
      );
    });

    test("with the broker unreachable, /healthcheck and broker-bound routes answer 503", async () => {
      const port = await freePort();
      const orphan = await startStalk({
        brokerUrl: `amqp://guest:guest@127.0.0.1:${port}//`,
        waitHealthy: false,
      });
      try {
        const health = await api(orphan.url, "/healthcheck");
        assert.equal(health.status, 503, health.text);
        assert.match(health.text, /^Broker unavailable/);
        for (
          const [method, path] of [
            ["POST", "/api/task/revoke/some-id"],
            ["GET", "/api/queues/length"],
            ["POST", "/api/task/send-task/tasks.add"],
          ]
        ) {
          const response = await api<{ error: string }>(orphan.url, path, { method });
          assert.equal(response.status, 503, `${method} ${path}: ${response.text}`);
          assert.match(response.json?.error ?? "", /Broker unavailable/);
        }
        // What needs no broker still answers.
        assert.equal((await api(orphan.url, "/api/tasks")).status, 200);
      } finally {
        await orphan.stop();
      }
    });
  });

  describe("workers whose first inspection cannot be answered", () => {
    test("a worker that sends worker-online before its mailbox exists is listed within a few heartbeats", async () => {
      // With this hash seed Celery 5.2 boots Heart (worker-online) before Mingle (1 s) and
      // Control (the pidbox mailbox), so an inspection sent on worker-online reaches no queue.
      const early = await startWorker({
        brokerUrl: broker.brokerUrl,
        name: "early",
        pool: "solo",
        queues: [`q-early-${rand()}`],
        env: HEART_BEFORE_CONTROL,
        extraArgs: ["--loglevel=DEBUG"],
      });
      try {
        assert.match(early.output(), /Consumer: New boot order: \{[^}]*Heart[^}]*Control/);
        await waitFor(async () => (await workers()).json?.[early.name], {
          timeout: 8_000,
          interval: 200,
          message: `${early.name} in /api/workers without refresh (it beats every 2 s)`,
        });
      } finally {
        await early.stop();
      }
    });

    describe("on a Stalk with a 4 s inspect timeout", () => {
      let slow: Stalk;

      before(async () => {
        slow = await startStalk({ brokerUrl: broker.brokerUrl, args: ["--inspect_timeout=4000"] });
      });

      after(async () => {
        await slow?.stop();
      });

      const listed = async (name: string) =>
        (await api<Record<string, unknown>>(slow.url, "/api/workers")).json?.[name];

      test("a worker that comes online during Stalk's start-up inspection is listed soon", async () => {
        // Stalk's start-up inspection went out before this worker existed and lasts 4 s; the
        // worker comes online inside it (its mailbox already up), yet must not be forgotten.
        const late = await startWorker({
          brokerUrl: broker.brokerUrl,
          name: "late",
          pool: "solo",
          queues: [`q-late-${rand()}`],
          env: CONTROL_BEFORE_HEART,
          extraArgs: ["--loglevel=DEBUG"],
        });
        try {
          assert.match(late.output(), /Consumer: New boot order: \{[^}]*Control[^}]*Heart/);
          await waitFor(() => listed(late.name), {
            timeout: 9_000,
            interval: 200,
            message: `${late.name} in /api/workers without refresh`,
          });
        } finally {
          await late.stop();
        }
      });

      test("refresh=true inspects a ready worker anew, not through an unanswered earlier inspection", async () => {
        // worker-online comes a second before the mailbox, so the inspection it triggers gets
        // no answer and runs out its 4 s; the worker is ready (mailbox up) before that.
        const fresh = await startWorker({
          brokerUrl: broker.brokerUrl,
          name: "fresh",
          pool: "solo",
          queues: [`q-fresh-${rand()}`],
          env: HEART_BEFORE_CONTROL,
        });
        try {
          // On Redis the mailbox is a pub/sub subscription that may lag the "ready." line by a
          // moment, and a request published before it is lost; Celery's own ping proves it is up
          // (the 4 s inspection triggered by worker-online is still unanswered meanwhile).
          if (brokerKind() === "redis") await pingWorker(broker.brokerUrl, fresh.name);
          const started = Date.now();
          const response = await api<Record<string, WorkerInfo>>(
            slow.url,
            `/api/workers?refresh=true&workername=${encodeURIComponent(fresh.name)}`,
          );
          assert.equal(response.status, 200, response.text);
          assert.equal(response.json?.[fresh.name]?.stats?.pid, fresh.pid);
          assert.ok(Date.now() - started < 2_000, `answered in ${Date.now() - started} ms`);
        } finally {
          await fresh.stop();
        }
      });
    });
  });
});
