// Issue 3, remote control: every worker and task control route of Flower's API, proven against
// real Celery workers — the worker's reply comes back as the message (or as a 403 with the
// worker's own error text) and the effect is visible on the worker afterwards.
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
  rabbitmqctl,
  sleep,
  type Stalk,
  startStalk,
  startWorker,
  taskInfo,
  waitFor,
  waitForTaskState,
  type Worker,
  workerStatus,
} from "./_harness/mod.ts";

interface Reply {
  message?: string;
  error?: string;
}

interface QueueInfo {
  name: string;
}

interface WorkerInfo {
  stats?: {
    pool?: { "max-concurrency"?: number; processes?: number[] };
    autoscaler?: { min: number; max: number };
  };
  active_queues?: QueueInfo[];
  registered?: string[];
}

const rand = () => randomBytes(3).toString("hex");

describe("remote control", () => {
  const autoQueue = `q-auto-${rand()}`;
  let broker: BrokerFixture;
  let stalk: Stalk;
  /** Prefork, 2 processes, the only consumer of the default `celery` queue. */
  let ctl: Worker;
  /** Prefork with `--autoscale=4,1`, on a private queue. */
  let auto: Worker;
  /** Solo pool, on a private queue: frozen with SIGSTOP, then shut down. */
  let doomed: Worker;

  before(async () => {
    broker = await brokerFixture();
    stalk = await startStalk({ brokerUrl: broker.brokerUrl });
    // The boot order is pinned so that each worker's mailbox exists when its worker-online
    // arrives (inspect_test.ts covers the other order, where Stalk loses that inspection).
    [ctl, auto, doomed] = await Promise.all([
      startWorker({
        brokerUrl: broker.brokerUrl,
        name: "ctl",
        concurrency: 2,
        env: CONTROL_BEFORE_HEART,
      }),
      startWorker({
        brokerUrl: broker.brokerUrl,
        name: "auto",
        queues: [autoQueue],
        extraArgs: ["--autoscale=4,1"],
        env: CONTROL_BEFORE_HEART,
      }),
      startWorker({
        brokerUrl: broker.brokerUrl,
        name: "doomed",
        pool: "solo",
        queues: [`q-doomed-${rand()}`],
        env: CONTROL_BEFORE_HEART,
      }),
    ]);
    // Control routes need the worker known (from events or inspection); wait for all three.
    await waitFor(async () => {
      const status = await workerStatus(stalk.url);
      return [ctl, auto, doomed].every((worker) => status[worker.name]);
    }, { timeout: 10_000, message: "the three workers to be seen through events" });
  });

  after(async () => {
    try {
      process.kill(-doomed?.pid, "SIGCONT");
    } catch {
      // already gone
    }
    await Promise.allSettled([ctl?.stop(), auto?.stop(), doomed?.stop()]);
    await stalk?.stop();
    await broker?.remove();
  });

  /** POST `path` with `params` in the query string (or, with `form`, as a urlencoded body). */
  const post = (
    path: string,
    params: Record<string, string> = {},
    form = false,
  ): Promise<ApiResponse<Reply>> => {
    const search = new URLSearchParams(params).toString();
    if (form) {
      return api<Reply>(stalk.url, path, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: search,
      });
    }
    return api<Reply>(stalk.url, search ? `${path}?${search}` : path, { method: "POST" });
  };

  /** The worker's inspect info, refreshed now. */
  const inspect = async (worker: Worker): Promise<WorkerInfo> => {
    const response = await api<Record<string, WorkerInfo>>(
      stalk.url,
      `/api/workers?refresh=true&workername=${encodeURIComponent(worker.name)}`,
    );
    assert.equal(response.status, 200, response.text);
    const info = response.json?.[worker.name];
    assert.ok(info, response.text);
    return info;
  };

  const processes = async (worker: Worker) => (await inspect(worker)).stats?.pool?.processes ?? [];

  const queues = async (worker: Worker) =>
    ((await inspect(worker)).active_queues ?? []).map((queue) => queue.name);

  describe("pool size", () => {
    test("pool/grow adds processes to a prefork pool, as stats.pool.processes shows", async () => {
      assert.equal((await processes(ctl)).length, 2);
      const response = await post(`/api/worker/pool/grow/${ctl.name}`, { n: "2" });
      assert.equal(response.status, 200, response.text);
      assert.deepEqual(response.json, { message: `Growing '${ctl.name}' worker's pool by 2` });
      await waitFor(async () => (await processes(ctl)).length === 4, {
        timeout: 10_000,
        interval: 300,
        message: "the pool to have 4 processes",
      });
    });

    test("pool/shrink removes processes, n defaulting to 1", async () => {
      const response = await post(`/api/worker/pool/shrink/${ctl.name}`);
      assert.equal(response.status, 200, response.text);
      assert.deepEqual(response.json, { message: `Shrinking '${ctl.name}' worker's pool by 1` });
      await waitFor(async () => (await processes(ctl)).length === 3, {
        timeout: 10_000,
        interval: 300,
        message: "the pool to have 3 processes",
      });
      const again = await post(`/api/worker/pool/shrink/${ctl.name}`, { n: "1" }, true);
      assert.equal(again.status, 200, again.text);
      await waitFor(async () => (await processes(ctl)).length === 2, {
        timeout: 10_000,
        interval: 300,
        message: "the pool to be back to 2 processes",
      });
    });

    test("pool/autoscale changes the range of a worker started with --autoscale", async () => {
      const response = await post(`/api/worker/pool/autoscale/${auto.name}`, {
        min: "2",
        max: "3",
      });
      assert.equal(response.status, 200, response.text);
      assert.deepEqual(response.json, {
        message: `Autoscaling '${auto.name}' worker (min=2, max=3)`,
      });
      await waitFor(async () => {
        const scaler = (await inspect(auto)).stats?.autoscaler;
        return scaler?.min === 2 && scaler?.max === 3;
      }, { timeout: 5_000, interval: 300, message: "stats.autoscaler to be min 2, max 3" });
    });

    test("pool/autoscale on a worker without --autoscale is 403 with the worker's error", async () => {
      const response = await post(`/api/worker/pool/autoscale/${ctl.name}`, {
        min: "1",
        max: "3",
      });
      assert.equal(response.status, 403, response.text);
      assert.match(response.json?.error ?? "", /Autoscale not enabled/);
    });

    test("pool/grow on an autoscaling worker is 403 with the worker's error", async () => {
      const response = await post(`/api/worker/pool/grow/${auto.name}`);
      assert.equal(response.status, 403, response.text);
      assert.match(response.json?.error ?? "", /pool_grow is not supported with autoscale/);
    });

    test("pool/restart on a worker without worker_pool_restarts is 403 with its error", async () => {
      const response = await post(`/api/worker/pool/restart/${ctl.name}`);
      assert.equal(response.status, 403, response.text);
      assert.match(response.json?.error ?? "", /Pool restarts not enabled/);
    });
  });

  describe("consumers", () => {
    test("add-consumer makes a worker consume a new queue, and a task routed there runs", async () => {
      const queue = `q-${rand()}`;
      const response = await post(`/api/worker/queue/add-consumer/${ctl.name}`, { queue });
      assert.equal(response.status, 200, response.text);
      assert.deepEqual(response.json, { message: `add consumer ${queue}` });
      await waitFor(async () => (await queues(ctl)).includes(queue), {
        timeout: 5_000,
        interval: 200,
        message: `${queue} in active_queues`,
      });
      const sent = await celeryClient({
        broker: broker.brokerUrl,
        send: [{ name: "tasks.add", args: [6, 7], options: { queue } }],
      });
      const task = await waitForTaskState(stalk.url, sent.ids[0], "SUCCESS");
      assert.equal(task.result, "13");
      assert.equal(task.worker, ctl.name);
      assert.equal(task["routing_key"], queue);

      const cancel = await post(`/api/worker/queue/cancel-consumer/${ctl.name}`, { queue }, true);
      assert.equal(cancel.status, 200, cancel.text);
      assert.deepEqual(cancel.json, { message: `no longer consuming from ${queue}` });
      await waitFor(async () => !(await queues(ctl)).includes(queue), {
        timeout: 5_000,
        interval: 200,
        message: `${queue} gone from active_queues`,
      });
      assert.ok((await queues(ctl)).includes("celery"), "the default queue is still consumed");
    });
  });

  describe("task limits", () => {
    test("rate-limit answers with the worker's message, from a form body or the query", async () => {
      const form = await post(
        "/api/task/rate-limit/tasks.echo",
        { workername: ctl.name, ratelimit: "10/m" },
        true,
      );
      assert.equal(form.status, 200, form.text);
      assert.deepEqual(form.json, { message: "new rate limit set successfully" });
      // The worker's registry now carries the limit (registered shows it beside the name).
      assert.ok(
        (await inspect(ctl)).registered?.includes("tasks.echo [rate_limit=10/m]"),
        JSON.stringify((await inspect(ctl)).registered),
      );
      const query = await post("/api/task/rate-limit/tasks.echo", {
        workername: ctl.name,
        ratelimit: "100/s",
      });
      assert.equal(query.status, 200, query.text);
      assert.deepEqual(query.json, { message: "new rate limit set successfully" });
      assert.ok((await inspect(ctl)).registered?.includes("tasks.echo [rate_limit=100/s]"));
    });

    test("rate-limit with a rate the worker rejects is 403 with the worker's error", async () => {
      const response = await post("/api/task/rate-limit/tasks.echo", {
        workername: ctl.name,
        ratelimit: "fast",
      });
      assert.equal(response.status, 403, response.text);
      assert.match(response.json?.error ?? "", /Invalid rate limit string/);
    });

    test("rate-limit and timeout of a task the worker does not register are 404", async () => {
      const rate = await post("/api/task/rate-limit/tasks.nope", {
        workername: ctl.name,
        ratelimit: "10/m",
      });
      assert.equal(rate.status, 404, rate.text);
      assert.match(rate.json?.error ?? "", /tasks\.nope/);
      const timeout = await post("/api/task/timeout/tasks.nope", {
        workername: ctl.name,
        soft: "1",
      });
      assert.equal(timeout.status, 404, timeout.text);
    });

    test("timeout sets a soft limit that a task then hits (SoftTimeLimitExceeded)", {
      skip: brokerKind() === "amqp" ? false : "forces a reconnect with rabbitmqctl",
    }, async () => {
      // On the autoscaling worker (prefork, its own queue), so no other test's task is limited.
      const response = await post(
        "/api/task/timeout/tasks.nap",
        { workername: auto.name, soft: "1", hard: "30" },
        true,
      );
      assert.equal(response.status, 200, response.text);
      assert.deepEqual(response.json, { message: "time limits set successfully" });
      // The worker got both limits as numbers.
      assert.match(
        auto.output(),
        /New time limits for tasks of type tasks\.nap: soft=1(\.0)? hard=30(\.0)?/,
      );

      // Celery 5.2 copies a task's time limits into its request strategy when the consumer
      // starts (celery/worker/request.py create_request_cls), so a new limit applies from the
      // next consumer start: force one by closing the vhost's connections; everyone reconnects.
      await rabbitmqctl("close_all_connections", "--vhost", broker.name, "--limit", "100", "e2e");
      await waitFor(async () => (await api(stalk.url, "/healthcheck")).status === 200, {
        timeout: 15_000,
        interval: 200,
        message: "Stalk to reconnect",
      });
      const sent = await celeryClient({
        broker: broker.brokerUrl,
        send: [{ name: "tasks.nap", args: [10], options: { queue: autoQueue } }],
      });
      const task = await waitForTaskState(stalk.url, sent.ids[0], ["FAILURE", "SUCCESS"], 20_000);
      assert.equal(task.state, "FAILURE");
      assert.match(task.exception ?? "", /SoftTimeLimitExceeded/);
      assert.equal(task.worker, auto.name);
      assert.ok(task.failed! - task.started! < 5, "it stopped after about 1 s, not 10 s");

      // Without soft or hard, both limits are cleared.
      const reset = await post("/api/task/timeout/tasks.nap", { workername: auto.name });
      assert.equal(reset.status, 200, reset.text);
      assert.match(
        auto.output(),
        /New time limits for tasks of type tasks\.nap: soft=None hard=None/,
      );
    });
  });

  describe("revoke", () => {
    test("revoking an ETA task the worker holds makes it REVOKED and it never runs", async () => {
      // A short countdown: Celery 5.2 checks the revoked set when the ETA comes, not at revoke.
      const sent = await celeryClient({
        broker: broker.brokerUrl,
        send: [{ name: "tasks.add", args: [1, 1], options: { countdown: 3 } }],
      });
      const id = sent.ids[0];
      await waitForTaskState(stalk.url, id, "RECEIVED");
      const response = await post(`/api/task/revoke/${id}`);
      assert.equal(response.status, 200, response.text);
      assert.deepEqual(response.json, { message: `Revoked '${id}'` });
      const task = await waitForTaskState(stalk.url, id, "REVOKED", 10_000);
      assert.equal(typeof task.revoked, "number");
      assert.equal(task.result, null);
      assert.equal(task.succeeded, null);
      assert.equal(task.started, null);
    });

    test("revoking a task still waiting in its queue makes it REVOKED when a worker gets it", async () => {
      const queue = `q-held-${rand()}`;
      const sent = await celeryClient({
        broker: broker.brokerUrl,
        send: [{ name: "tasks.add", args: [2, 2], options: { queue } }],
      });
      const id = sent.ids[0];
      await waitForTaskState(stalk.url, id, "PENDING");
      const response = await post(`/api/task/revoke/${id}`, { terminate: "false" }, true);
      assert.equal(response.status, 200, response.text);
      // Give the broadcast a moment to reach the worker before it can receive the task.
      await sleep(300);
      const add = await post(`/api/worker/queue/add-consumer/${ctl.name}`, { queue });
      assert.equal(add.status, 200, add.text);
      try {
        const task = await waitForTaskState(stalk.url, id, "REVOKED", 10_000);
        assert.equal(task.result, null);
        assert.equal(task.started, null);
      } finally {
        await post(`/api/worker/queue/cancel-consumer/${ctl.name}`, { queue });
      }
    });

    test("revoke with terminate=true and signal=SIGKILL kills a running task", async () => {
      const sent = await celeryClient({
        broker: broker.brokerUrl,
        send: [{ name: "tasks.nap", args: [30] }],
      });
      const id = sent.ids[0];
      await waitForTaskState(stalk.url, id, "STARTED");
      const response = await post(`/api/task/revoke/${id}`, {
        terminate: "true",
        signal: "SIGKILL",
      });
      assert.equal(response.status, 200, response.text);
      assert.deepEqual(response.json, { message: `Revoked '${id}'` });
      const task = await waitForTaskState(stalk.url, id, "REVOKED", 10_000);
      assert.equal(task.succeeded, null);
      assert.equal(task.result, null);
      assert.ok(task.revoked! - task.started! < 10, "killed long before its 30 s were up");
      // The worker replaces the killed process and keeps working.
      const after = await celeryClient({
        broker: broker.brokerUrl,
        send: [{ name: "tasks.add", args: [8, 8] }],
      });
      assert.equal((await waitForTaskState(stalk.url, after.ids[0], "SUCCESS")).result, "16");
      const final = await taskInfo(stalk.url, id);
      assert.equal(final?.state, "REVOKED", JSON.stringify(final));
    });
  });

  describe("an unresponsive worker, then shutdown", () => {
    test("a worker that does not answer (SIGSTOPped) gives 504 naming it", async () => {
      process.kill(-doomed.pid, "SIGSTOP");
      try {
        const started = Date.now();
        const response = await post(`/api/worker/pool/shrink/${doomed.name}`);
        assert.equal(response.status, 504, response.text);
        assert.match(response.json?.error ?? "", new RegExp(doomed.name.replace(".", "\\.")));
        assert.ok(Date.now() - started < 5_000, "answered within the inspect timeout");
      } finally {
        process.kill(-doomed.pid, "SIGCONT");
      }
    });

    test("shutdown answers 'Shutting down!' and the worker process exits", async () => {
      // Thawed, it must be listening again before the shutdown is sent.
      await waitFor(async () => (await workerStatus(stalk.url))[doomed.name] === true, {
        timeout: 10_000,
        interval: 200,
        message: "the thawed worker to beat again",
      });
      const response = await post(`/api/worker/shutdown/${doomed.name}`);
      assert.equal(response.status, 200, response.text);
      assert.deepEqual(response.json, { message: "Shutting down!" });
      await waitFor(() => !isRunning(doomed.pid), {
        timeout: 10_000,
        interval: 100,
        message: `worker ${doomed.name} (pid ${doomed.pid}) to exit`,
      });
      await waitFor(async () => (await workerStatus(stalk.url))[doomed.name] === false, {
        timeout: 3_000,
        interval: 100,
        message: `worker ${doomed.name} to be reported not alive`,
      });
    });
  });
});

/** Whether `pid` is still a live process (a reaped or missing one is not). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
