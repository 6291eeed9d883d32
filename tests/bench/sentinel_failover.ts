/**
 * How long Stalk takes to follow a Sentinel fail-over, Sentinel's own share apart. Each run
 * starts a cluster of its own (a master, a replica, three sentinels, down-after 1 s), Stalk on its
 * `sentinel://` URL for the broker and the result backend, a Celery worker on the same URL working
 * through a stream of short tasks, and synthetic events published on the replica every 20 ms;
 * then it kills the master and reads the timeline, every figure in ms after the kill:
 *
 *   deno run -A tests/bench/sentinel_failover.ts [--runs 3] [--binary dist/stalk] [--logs DIR]
 *
 * Needs redis-server and redis-sentinel (Debian's packages); no shared broker is touched.
 */
import { parseArgs } from "node:util";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { celeryClient } from "../e2e/_harness/client.ts";
import {
  probeNode,
  type SentinelMarks,
  type StalkMarks,
  stalkMarks,
  watchNodeEvents,
  watchSentinels,
} from "../e2e/_harness/failover_timeline.ts";
import { redisCliAt } from "../e2e/_harness/redis_servers.ts";
import { listTasks } from "../e2e/_harness/stalk_api.ts";
import { startWorker } from "../e2e/_harness/worker.ts";
import { killAll } from "../e2e/_harness/process.ts";
import { startSentinelCluster } from "../e2e/_harness/redis_servers.ts";
import { startStalk } from "../e2e/_harness/stalk.ts";
import { waitFor } from "../e2e/_harness/wait.ts";
import { gitRevision, median, table } from "./_report.ts";

const { values: flags } = parseArgs({
  args: process.argv.slice(2),
  options: {
    runs: { type: "string", default: "3" },
    binary: { type: "string" },
    /** A folder to write each run's Stalk output to, as run-<n>.log. */
    logs: { type: "string" },
  },
});
if (flags.binary) process.env.STALK_BIN = resolve(flags.binary);
else delete process.env.STALK_BIN;

type Run = SentinelMarks & StalkMarks & {
  firstEvent?: number;
  /** The worker's first event published on the new master. */
  workerOnNew?: number;
  /** The earliest worker event stamped after the kill that Stalk holds. */
  workerSeen?: number;
};

const STREAM = 300;

async function once(run: number): Promise<Run> {
  const cluster = await startSentinelCluster();
  const options = JSON.stringify({ master_name: cluster.masterName });
  const probe = probeNode(cluster.replica.port, "probe.failover");
  const stalk = await startStalk({
    brokerUrl: cluster.brokerUrl,
    args: [
      `--broker_transport_options=${options}`,
      `--result_backend=${cluster.brokerUrl}`,
      `--result_backend_transport_options=${options}`,
    ],
  });
  const watch = await watchSentinels(cluster);
  const worker = await startWorker({
    brokerUrl: cluster.brokerUrl,
    name: "failover",
    env: { STALK_E2E_TRANSPORT_OPTIONS: options },
  });
  const nodeEvents = watchNodeEvents(cluster.replica.port);
  try {
    await waitFor(() => /Connected to sentinel master/.test(stalk.output()), {
      message: "Stalk to connect to the master",
    });
    const { ids } = await celeryClient({
      broker: cluster.brokerUrl,
      transport_options: JSON.parse(options),
      send: Array.from({ length: STREAM }, () => ({ name: "tasks.nap", args: [0.05] })),
    });
    await waitFor(
      async () => Number(await redisCliAt(cluster.master.port, ["LLEN", "celery"])) < STREAM,
      { timeout: 15_000, interval: 50, message: "the worker to start on the stream" },
    );
    // Replication is asynchronous: the stream must be on the replica before its master dies.
    await redisCliAt(cluster.master.port, ["WAIT", "1", "5000"]);
    const killed = Date.now();
    await cluster.master.process.kill();
    const firstEvent = await waitFor(() => probe.firstSeen(stalk.url), {
      timeout: 60_000,
      interval: 50,
      message: "Stalk to ingest an event from the new master",
    });
    await waitFor(() => stalkMarks(stalk.output(), killed, cluster.replica.port).backendResolved, {
      timeout: 30_000,
      message: "the result backend to name the new master",
    }).catch(() => {});
    await waitFor(() => nodeEvents.firstWorkerEvent(killed), {
      timeout: 30_000,
      message: "the worker to publish on the new master",
    }).catch(() => {});
    const stream = new Set(ids);
    const workerSeen = await waitFor(async () => {
      const stamps = (await listTasks(stalk.url, { taskname: "tasks.nap", limit: 100_000 }))
        .filter(([id]) => stream.has(id))
        .flatMap(([, task]) => [task.started, task.succeeded])
        .filter((stamp): stamp is number => stamp !== null && stamp * 1000 > killed);
      return stamps.length ? Math.min(...stamps) * 1000 : undefined;
    }, { timeout: 30_000, interval: 200, message: "a worker event stamped after the kill" })
      .catch(() => undefined);
    const relative = (marks: SentinelMarks | StalkMarks): Run =>
      Object.fromEntries(
        Object.entries(marks).map(([key, value]) => [key, value && value - killed]),
      );
    return {
      ...relative(watch.marks()),
      ...relative(stalkMarks(stalk.output(), killed, cluster.replica.port)),
      firstEvent: firstEvent - killed,
      workerOnNew: (nodeEvents.firstWorkerEvent(killed) ?? NaN) - killed,
      workerSeen: workerSeen && workerSeen - killed,
    };
  } finally {
    if (flags.logs) {
      mkdirSync(flags.logs, { recursive: true });
      writeFileSync(join(flags.logs, `run-${run}.log`), stalk.output());
    }
    await nodeEvents.stop();
    await worker.stop();
    await watch.stop();
    await probe.stop();
    await stalk.stop();
    await cluster.stop();
  }
}

const columns: [keyof Run, string][] = [
  ["noticed", "Stalk noticed"],
  ["sdown", "+sdown"],
  ["odown", "+odown"],
  ["switchMaster", "+switch-master"],
  ["resolved", "Stalk resolved"],
  ["subscribed", "Stalk subscribed"],
  ["firstEvent", "first event"],
  ["backendResolved", "backend resolved"],
  ["workerOnNew", "worker's first event on new master"],
  ["workerSeen", "first stream task event Stalk holds"],
];
const runs: Run[] = [];
try {
  for (let i = 0; i < Number(flags.runs); i++) runs.push(await once(i + 1));
} finally {
  await killAll();
}
const show = (value: number | undefined) =>
  value === undefined || Number.isNaN(value) ? "n/a" : String(Math.round(value));
const share = (run: Run) =>
  run.firstEvent !== undefined && run.switchMaster !== undefined
    ? run.firstEvent - run.switchMaster
    : undefined;
const rows = runs.map((run, i) => [
  String(i + 1),
  ...columns.map(([key]) => show(run[key])),
  show(share(run)),
]);
rows.push([
  "median",
  ...columns.map(([key]) => show(median(runs.map((run) => run[key])))),
  show(median(runs.map(share))),
]);
console.log(
  `Sentinel fail-over, ms after the master's kill (${
    flags.binary ? "binary" : "source"
  }, ${gitRevision()})\n`,
);
console.log(
  table(
    ["run", ...columns.map(([, title]) => title), "Stalk's share (first event - switch)"],
    rows,
  ),
);
