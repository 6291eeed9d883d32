// Issue 13, metrics: a real Prometheus (Debian's package) scrapes Stalk every second while a real
// worker runs tasks, and its own query API shows Stalk's series with Flower's names, types and
// labels. The queries and rules below are written for this test; they use every family, label
// and PromQL function that Flower's shipped Grafana dashboard and alert rules use (counts of
// online workers, increases and rates of events by type, task and worker, prefetch gauges,
// runtime averages from _sum/_count, quantiles from _bucket, averages over time).
//
// With STALK_FLOWER_EXAMPLES set to the `examples` folder of a Flower checkout, the test also
// loads Flower's own alert rules into Prometheus and runs every query of Flower's dashboard.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as v from "valibot";
import {
  type BrokerFixture,
  brokerFixture,
  celeryClient,
  type Stalk,
  startStalk,
  startWorker,
  waitFor,
  waitForTaskState,
  type Worker,
} from "./_harness/mod.ts";
import { type Prometheus, type Sample, startPrometheus } from "./_harness/prometheus.ts";

const BUCKETS = [0.05, 0.5, 5];

/** Alert rules in the spirit of Flower's: a worker offline, failures, prefetch, runtime. */
const RULES = `
groups:
  - name: stalk-e2e
    rules:
      - alert: WorkerOffline
        expr: max by (worker) (flower_worker_online) < 1
        for: 1m
      - alert: TaskFailureShareHigh
        expr: >-
          sum by (task) (avg_over_time(flower_events_total{type="task-failed"}[10m]))
          / sum by (task) (avg_over_time(flower_events_total{type=~"task-failed|task-succeeded"}[10m]))
          > 0.9
        for: 5m
      - alert: TaskPrefetchSlow
        expr: max by (task, worker) (avg_over_time(flower_task_prefetch_time_seconds[10m])) > 30
        for: 5m
      - alert: TaskRuntimeSlow
        expr: >-
          histogram_quantile(0.95, sum by (le, task) (rate(flower_task_runtime_seconds_bucket[5m])))
          > 60
      - alert: StalkBrokerDown
        expr: stalk_broker_connected == 0
        for: 1m
`;

const examples = process.env.STALK_FLOWER_EXAMPLES;

/** Flower's alert rules (a bare list in its file) as a second rule group. */
function flowerRules(): string {
  if (!examples) return "";
  const list = readFileSync(join(examples, "prometheus-alerts.yaml"), "utf8");
  const indented = list.split("\n").map((line) => `      ${line}`).join("\n");
  return `  - name: flower-examples\n    rules:\n${indented}\n`;
}

const Dashboard = v.object({ panels: v.array(v.looseObject({})) });
const Panel = v.looseObject({
  panels: v.optional(v.array(v.looseObject({}))),
  targets: v.optional(v.array(v.looseObject({ expr: v.optional(v.string()) }))),
});

/** Every query of Flower's dashboard, with its variables set to "all" and to short ranges. */
function flowerDashboardQueries(): string[] {
  if (!examples) return [];
  const file = join(examples, "celery-monitoring-grafana-dashboard.json");
  const dashboard = v.parse(Dashboard, JSON.parse(readFileSync(file, "utf8")));
  const queries: string[] = [];
  const walk = (panels: unknown[]) => {
    for (const raw of panels) {
      const panel = v.parse(Panel, raw);
      for (const target of panel.targets ?? []) if (target.expr) queries.push(target.expr);
      walk(panel.panels ?? []);
    }
  };
  walk(dashboard.panels);
  return queries.map((query) =>
    query.replaceAll("$worker", ".*").replaceAll("$task", ".*")
      .replaceAll("$__range", "5m").replaceAll("$__rate_interval", "1m")
  );
}

describe("prometheus", () => {
  let broker: BrokerFixture;
  let stalk: Stalk;
  let worker: Worker;
  let prometheus: Prometheus;

  before(async () => {
    broker = await brokerFixture();
    stalk = await startStalk({
      brokerUrl: broker.brokerUrl,
      args: [`--task_runtime_metric_buckets=${BUCKETS.join(",")}`],
    });
    prometheus = await startPrometheus(`127.0.0.1:${stalk.port}`, RULES + flowerRules());
    worker = await startWorker({ brokerUrl: broker.brokerUrl, name: "prom", concurrency: 2 });
  });

  after(async () => {
    await worker?.stop();
    await prometheus?.stop();
    await stalk?.stop();
    await broker?.remove();
  });

  /** The query's result once it has at least one series (and `ok` holds), waiting for scrapes. */
  const eventually = (expr: string, ok: (samples: Sample[]) => boolean = () => true) =>
    waitFor(async () => {
      const samples = await prometheus.query(expr);
      return samples.length > 0 && ok(samples) ? samples : undefined;
    }, { timeout: 30_000, interval: 250, message: `Prometheus to answer '${expr}'` });

  /** Sends a success, a failure and a task retried once, and waits until Stalk has them. */
  const wave = async () => {
    const send = [
      { name: "tasks.add", args: [1, 2] },
      { name: "tasks.error", args: ["e2e"] },
      { name: "tasks.retry", args: [1] },
    ];
    const { ids } = await celeryClient({ broker: broker.brokerUrl, send });
    await waitForTaskState(stalk.url, ids[0], "SUCCESS");
    await waitForTaskState(stalk.url, ids[1], "FAILURE");
    // Its task-retried can be stamped after the retry's task-succeeded (two pool processes),
    // and Celery's merge rules then keep RETRY: the counts below are what matter.
    await waitForTaskState(stalk.url, ids[2], ["SUCCESS", "RETRY"]);
  };

  test("Prometheus reads Stalk's series with Flower's names, types and labels", async () => {
    await eventually('up{job="stalk"} == 1');
    // Two waves, each scraped: a counter's first sample shows no increase, its next one does.
    await wave();
    const succeeded = `sum(flower_events_total{type="task-succeeded",worker="${worker.name}"})`;
    await eventually(succeeded, ([sample]) => sample.value >= 2);
    await wave();
    await eventually(succeeded, ([sample]) => sample.value >= 4);
    await eventually(`flower_worker_number_of_currently_executing_tasks{worker="${worker.name}"}`);

    const metadata = v.parse(
      v.record(v.string(), v.array(v.object({ type: v.string() }))),
      await prometheus.get("metadata"),
    );
    const types: Record<string, string> = {
      flower_events_total: "counter",
      flower_task_runtime_seconds: "histogram",
      flower_task_prefetch_time_seconds: "gauge",
      flower_worker_prefetched_tasks: "gauge",
      flower_worker_online: "gauge",
      flower_worker_number_of_currently_executing_tasks: "gauge",
      process_cpu_seconds_total: "counter",
      process_resident_memory_bytes: "gauge",
      process_start_time_seconds: "gauge",
      stalk_broker_connected: "gauge",
    };
    for (const [name, type] of Object.entries(types)) {
      assert.equal(metadata[name]?.[0]?.type, type, `${name} is a ${type}`);
    }

    const [event] = await prometheus.query(
      `flower_events_total{type="task-failed",task="tasks.error"}`,
    );
    assert.deepEqual(Object.keys(event.metric).sort(), [
      "__name__",
      "instance",
      "job",
      "task",
      "type",
      "worker",
    ]);
    assert.equal(event.metric.worker, worker.name);
    assert.equal(event.value, 2);

    const buckets = await prometheus.query(
      `flower_task_runtime_seconds_bucket{task="tasks.add",worker="${worker.name}"}`,
    );
    assert.deepEqual(
      buckets.map(({ metric }) => metric.le === "+Inf" ? Infinity : Number(metric.le))
        .sort((a, b) => a - b),
      [...BUCKETS, Infinity],
    );
    const inf = buckets.find((sample) => sample.metric.le === "+Inf");
    assert.equal(inf?.value, 2);

    const workers = v.parse(
      v.array(v.string()),
      await prometheus.get("label/worker/values", { "match[]": "flower_worker_online" }),
    );
    assert.deepEqual(workers, [worker.name]);
    const tasks = v.parse(
      v.array(v.string()),
      await prometheus.get("label/task/values", { "match[]": "flower_events_total" }),
    );
    for (const name of ["tasks.add", "tasks.error", "tasks.retry"]) assert.ok(tasks.includes(name));

    // What a dashboard shows, each with data and a sensible value.
    const w = `worker="${worker.name}"`;
    const queries: [string, (value: number) => boolean][] = [
      ["count(flower_worker_online == 1)", (n) => n === 1],
      [
        `sum(increase(flower_events_total{${w},type=~"task-(succeeded|failed)"}[5m]))`,
        (n) => n > 0,
      ],
      [`sum by (worker) (increase(flower_events_total{type="task-failed"}[1m]))`, (n) => n > 0],
      [`sum by (worker) (increase(flower_events_total{type="task-retried"}[1m]))`, (n) => n > 0],
      [`sum by (worker) (flower_worker_prefetched_tasks{${w}})`, (n) => n >= 0],
      [`avg by (task) (flower_task_prefetch_time_seconds{task="tasks.add"})`, (n) => n >= 0],
      [
        `sum by (task) (rate(flower_task_runtime_seconds_sum{task="tasks.add"}[1m]))` +
        ` / clamp_min(sum by (task) (rate(flower_task_runtime_seconds_count{task="tasks.add"}[1m])), 1e-9)`,
        (n) => n > 0 && n < 5,
      ],
      [
        `histogram_quantile(0.95, sum by (le, task) (rate(flower_task_runtime_seconds_bucket{task="tasks.add"}[1m])))`,
        (n) => n > 0 && n <= 5,
      ],
      [
        `sum(avg_over_time(flower_task_prefetch_time_seconds[15m])) by (task, worker)`,
        (n) => n >= 0,
      ],
      [`rate(process_cpu_seconds_total{job="stalk"}[1m])`, (n) => n > 0],
      [`process_resident_memory_bytes{job="stalk"}`, (n) => n > 1e6],
      [`process_open_fds{job="stalk"} < process_max_fds{job="stalk"}`, (n) => n > 3],
      [`stalk_broker_connected`, (n) => n === 1],
      [`stalk_events_ingested_total`, (n) => n >= 12],
    ];
    for (const [expr, ok] of queries) {
      const samples = await prometheus.query(expr);
      assert.ok(samples.length > 0, `'${expr}' has data`);
      for (const sample of samples) assert.ok(ok(sample.value), `'${expr}' gave ${sample.value}`);
    }

    for (const expr of flowerDashboardQueries()) {
      const samples = await prometheus.query(expr);
      assert.ok(samples.length > 0, `Flower's dashboard query '${expr}' has data`);
    }
  });

  test("every alert rule evaluates without error, and a stopped worker raises the offline one", async () => {
    const Rules = v.object({
      groups: v.array(v.object({
        name: v.string(),
        rules: v.array(v.looseObject({
          name: v.string(),
          health: v.string(),
          lastError: v.optional(v.string()),
          lastEvaluation: v.string(),
        })),
      })),
    });
    const groups = await waitFor(async () => {
      const { groups } = v.parse(Rules, await prometheus.get("rules"));
      const rules = groups.flatMap((group) => group.rules);
      // Evaluated at least once since the series arrived.
      return rules.every((rule) => rule.health !== "unknown") ? groups : undefined;
    }, { timeout: 30_000, message: "every rule to be evaluated" });
    const expected = examples ? 2 : 1;
    assert.equal(groups.length, expected);
    for (const rule of groups.flatMap((group) => group.rules)) {
      assert.equal(rule.health, "ok", `${rule.name}: ${rule.lastError}`);
    }

    await worker.stop();
    const offline = `flower_worker_online{worker="${worker.name}"} == 0`;
    await eventually(offline);
    const Alerts = v.object({
      alerts: v.array(v.object({ labels: v.record(v.string(), v.string()), state: v.string() })),
    });
    await waitFor(async () => {
      const { alerts } = v.parse(Alerts, await prometheus.get("alerts"));
      return alerts.some((alert) =>
        alert.labels.alertname === "WorkerOffline" && alert.labels.worker === worker.name &&
        alert.state === "pending"
      );
    }, { timeout: 30_000, message: "the WorkerOffline alert to be pending" });
  });
});
