// Issue 9 §4: a Redis broker behind Sentinel. Real redis-server and redis-sentinel processes of
// the test's own (a master, a replica, three sentinels), a real Celery worker and client on the
// same sentinel:// URL, and a fail-over in the middle of a task stream: Stalk must follow the
// promoted replica for events, remote control, task publishing and queue lengths.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  api,
  brokerKind,
  celeryClient,
  type Stalk,
  startStalk,
  startWorker,
  taskInfo,
  waitFor,
  waitForTaskStates,
  type Worker,
} from "./_harness/mod.ts";
import { stalkMarks, watchSentinels } from "./_harness/failover_timeline.ts";
import {
  redisCliAt,
  type SentinelCluster,
  startSentinelCluster,
} from "./_harness/redis_servers.ts";

// The cluster is the test's own, so one run of the suite is enough: the Redis one.
const skip = brokerKind() === "redis" ? false : "Redis-only behaviour (STALK_E2E_BROKER=redis)";

describe("a Redis broker behind Sentinel", { skip }, () => {
  let cluster: SentinelCluster;
  let stalk: Stalk;
  let worker: Worker;
  let options: Record<string, unknown>;

  before(async () => {
    cluster = await startSentinelCluster();
    options = { master_name: cluster.masterName };
    stalk = await startStalk({
      brokerUrl: cluster.brokerUrl,
      args: [
        `--broker_transport_options=${JSON.stringify(options)}`,
        // Celery's SentinelBackend on the same cluster, as deployments often do.
        `--result_backend=${cluster.brokerUrl}`,
        `--result_backend_transport_options=${JSON.stringify(options)}`,
      ],
    });
    worker = await startWorker({
      brokerUrl: cluster.brokerUrl,
      name: "sentinel",
      env: {
        STALK_E2E_TRANSPORT_OPTIONS: JSON.stringify(options),
        CELERY_RESULT_BACKEND: cluster.brokerUrl,
        STALK_E2E_RESULT_TRANSPORT_OPTIONS: JSON.stringify(options),
      },
    });
  });

  after(async () => {
    await worker?.stop();
    await stalk?.stop();
    await cluster?.stop();
  });

  const send = async (count: number, name = "tasks.add", args: unknown[] = [2, 3]) =>
    (await celeryClient({
      broker: cluster.brokerUrl,
      transport_options: options,
      send: Array.from({ length: count }, () => ({ name, args })),
    })).ids;

  /** `POST /api/task/apply/tasks.add`: Stalk publishes and waits on the sentinel:// backend. */
  const apply = async (args: number[]) => {
    const response = await api<{ result: unknown; state: string }>(
      stalk.url,
      "/api/task/apply/tasks.add?timeout=20",
      { method: "POST", body: JSON.stringify({ args }) },
    );
    assert.equal(response.status, 200, response.text);
    return response.json!;
  };

  test("follows a fail-over in the middle of a task stream", async () => {
    const before = await send(5);
    await waitForTaskStates(stalk.url, before, "SUCCESS");
    assert.equal((await apply([1, 2])).result, 3);

    // A stream of short tasks the worker is still working through when the master changes. The
    // master dies once the worker has taken the first ones off the queue, read on the broker
    // itself: on a loaded machine Stalk may be seconds behind, and waiting for it to report the
    // first success let the whole stream end before the fail-over.
    // 150 naps (15 s or more) outlast the time Stalk takes to follow the fail-over, which the
    // binary's full runs showed can exceed 6 s.
    const stream = await send(150, "tasks.nap", [0.1]);
    await waitFor(
      async () => Number(await redisCliAt(cluster.master.port, ["LLEN", "celery"])) < 150,
      { timeout: 15_000, interval: 50, message: "the worker to start on the stream" },
    );
    // Replication is asynchronous: the stream must be on the replica before its master dies.
    await redisCliAt(cluster.master.port, ["WAIT", "1", "5000"]);
    const watch = await watchSentinels(cluster);
    // The master dies; the sentinels agree it is down (1 s) and promote the replica.
    const killed = Date.now();
    const failoverAt = killed / 1000;
    await cluster.master.process.kill();
    await waitFor(async () => (await cluster.masterPort()) === cluster.replica.port, {
      timeout: 30_000,
      interval: 200,
      message: "the sentinels to promote the replica",
    });
    // Stalk hears the sentinels' +switch-master: the broker subscription and the result backend
    // move to the new master at once, not at the next reconnect round or 10 s check. (Before,
    // the backend took 2.2-8 s after the switch in 10 runs; the 2 s bound leaves room for a
    // loaded machine, where the broker's subscription took up to 0.9 s.)
    const marks = await waitFor(() => {
      const stalkSide = stalkMarks(stalk.output(), killed, cluster.replica.port);
      const switched = watch.marks().switchMaster;
      return switched && stalkSide.subscribed && stalkSide.backendResolved
        ? { switched, ...stalkSide }
        : undefined;
    }, { timeout: 20_000, message: "Stalk to move to the new master" });
    await watch.stop();
    const follow = {
      broker: marks.subscribed! - marks.switched,
      backend: marks.backendResolved! - marks.switched,
    };
    assert.ok(
      follow.broker < 2_000 && follow.backend < 2_000,
      `ms from +switch-master to Stalk on the new master: ${JSON.stringify(follow)}`,
    );
    assert.match(stalk.output(), /\(\+switch-master from sentinel 127\.0\.0\.1:\d+\)/);

    // Everything sent after the fail-over goes to the new master, and Stalk sees all of it.
    const after = await send(10);
    await waitForTaskStates(stalk.url, after, "SUCCESS", 30_000);
    assert.match(stalk.output(), new RegExp(`at 127\\.0\\.0\\.1:${cluster.replica.port}`));
    // The events Stalk consumes are the new master's.
    const subscribers = await redisCliAt(cluster.replica.port, ["PUBSUB", "NUMPAT"]);
    assert.ok(Number(subscribers) >= 2, `pattern subscribers on the new master: ${subscribers}`);
    // The stream went on through the fail-over, and Stalk saw the tasks that ran after it.
    const streamed = await Promise.all(stream.map((id) => taskInfo(stalk.url, id)));
    const later = streamed.filter((task) => (task?.succeeded ?? 0) > failoverAt);
    assert.ok(
      later.length > 0,
      `stream tasks seen succeeding after the fail-over: ${later.length}`,
    );
  });

  test("remote control, queue lengths and task publishing work on the new master", async () => {
    await waitFor(async () => (await cluster.masterPort()) === cluster.replica.port, {
      message: "the replica to be master (after the fail-over test)",
    });
    const info = await waitFor(async () => {
      const response = await api<Record<string, unknown>>(
        stalk.url,
        `/api/workers?refresh=true&workername=${encodeURIComponent(worker.name)}`,
      );
      return response.status === 200 && response.json?.[worker.name] ? response : undefined;
    }, { timeout: 15_000, message: "the worker to answer an inspect" });
    assert.ok(info.json?.[worker.name]);

    const lengths = await api<{ active_queues: { name: string; messages: number }[] }>(
      stalk.url,
      "/api/queues/length",
    );
    assert.equal(lengths.status, 200, lengths.text);
    assert.ok(lengths.json?.active_queues.some((queue) => queue.name === "celery"));

    const published = await api<{ "task-id": string }>(
      stalk.url,
      "/api/task/async-apply/tasks.add",
      { method: "POST", body: JSON.stringify({ args: [40, 2] }) },
    );
    assert.equal(published.status, 200, published.text);
    const [done] = await waitForTaskStates(stalk.url, [published.json!["task-id"]], "SUCCESS");
    assert.equal(done.result, "42");
    // The sentinel:// result backend followed the fail-over too.
    assert.equal((await apply([4, 5])).result, 9);
  });
});
