import { test } from "node:test";
import assert from "node:assert/strict";
import { CeleryMetrics } from "../../../src/metrics/celery_metrics.ts";
import { State } from "../../../src/state/state.ts";
import type { CeleryEvent } from "../../../src/state/types.ts";

const NOW = 1_700_000_000;

function setup() {
  const state = new State({ maxTasks: 100, maxWorkers: 10, now: () => NOW + 1 });
  const metrics = new CeleryMetrics(state, [0.1, 1]);
  const feed = (event: Omit<CeleryEvent, "clock" | "local_received">) => {
    const full = { clock: 1, local_received: event.timestamp, ...event } as CeleryEvent;
    state.apply(full);
    metrics.observe(full);
  };
  return { metrics, feed };
}

function line(text: string, prefix: string): string | undefined {
  return text.split("\n").find((l) => l.startsWith(prefix));
}

test("task events are counted by worker, type and the task's known name", () => {
  const { metrics, feed } = setup();
  feed({ type: "task-received", uuid: "a", name: "tasks.add", hostname: "w", timestamp: NOW });
  feed({ type: "task-started", uuid: "a", hostname: "w", timestamp: NOW + 0.25 });
  feed({ type: "task-succeeded", uuid: "a", hostname: "w", timestamp: NOW + 0.5, runtime: 0.25 });
  const text = metrics.render();
  assert.equal(
    line(text, 'flower_events_total{worker="w",type="task-started",task="tasks.add"}'),
    'flower_events_total{worker="w",type="task-started",task="tasks.add"} 1',
  );
  assert.ok(
    line(text, 'flower_task_runtime_seconds_bucket{worker="w",task="tasks.add",le="0.1"} 0'),
  );
  assert.ok(line(text, 'flower_task_runtime_seconds_bucket{worker="w",task="tasks.add",le="1"} 1'));
  assert.ok(
    line(text, 'flower_task_runtime_seconds_bucket{worker="w",task="tasks.add",le="+Inf"} 1'),
  );
  assert.ok(line(text, 'flower_task_runtime_seconds_sum{worker="w",task="tasks.add"} 0.25'));
  assert.ok(line(text, 'flower_worker_prefetched_tasks{worker="w",task="tasks.add"} 0'));
  assert.ok(
    line(text, 'flower_task_prefetch_time_seconds{worker="w",task="tasks.add"} 0'),
    "reset on success",
  );
  assert.match(text, /# TYPE flower_task_runtime_seconds histogram/);
});

test("prefetch gauges follow received and started, and a revoked task stops counting", () => {
  const { metrics, feed } = setup();
  feed({ type: "task-received", uuid: "a", name: "t", hostname: "w", timestamp: NOW });
  feed({ type: "task-received", uuid: "b", name: "t", hostname: "w", timestamp: NOW });
  assert.ok(line(metrics.render(), 'flower_worker_prefetched_tasks{worker="w",task="t"} 2'));
  feed({ type: "task-started", uuid: "a", hostname: "w", timestamp: NOW + 2 });
  let text = metrics.render();
  assert.ok(line(text, 'flower_worker_prefetched_tasks{worker="w",task="t"} 1'));
  assert.ok(line(text, 'flower_task_prefetch_time_seconds{worker="w",task="t"} 2'));
  feed({ type: "task-revoked", uuid: "b", hostname: "w", timestamp: NOW + 3 });
  text = metrics.render();
  assert.ok(line(text, 'flower_worker_prefetched_tasks{worker="w",task="t"} 0'));
});

test("worker online comes from liveness at scrape time, executing from heartbeats", () => {
  const { metrics, feed } = setup();
  feed({ type: "worker-heartbeat", hostname: "w", timestamp: NOW, freq: 2, active: 3 });
  feed({ type: "worker-heartbeat", hostname: "gone", timestamp: NOW - 100, freq: 2, active: 0 });
  const text = metrics.render();
  assert.ok(line(text, 'flower_worker_online{worker="w"} 1'));
  assert.ok(
    line(text, 'flower_worker_online{worker="gone"} 0'),
    "missed heartbeats count as offline",
  );
  assert.ok(line(text, 'flower_worker_number_of_currently_executing_tasks{worker="w"} 3'));
});

test("label values are escaped", () => {
  const { metrics, feed } = setup();
  feed({ type: "task-received", uuid: "a", name: 'we"ird\\name', hostname: "w", timestamp: NOW });
  assert.match(metrics.render(), /task="we\\"ird\\\\name"/);
});

test("a client's task-sent counts its event but creates no worker gauge series", () => {
  const { metrics, feed } = setup();
  feed({ type: "task-sent", uuid: "a", name: "tasks.add", hostname: "gen8330@vm", timestamp: NOW });
  const text = metrics.render();
  assert.match(
    text,
    /flower_events_total\{worker="gen8330@vm",type="task-sent",task="tasks.add"\} 1/,
  );
  assert.doesNotMatch(text, /flower_worker_prefetched_tasks\{worker="gen8330@vm"/);
  assert.doesNotMatch(text, /flower_task_prefetch_time_seconds\{worker="gen8330@vm"/);
});

test("label pairs beyond the cap are not recorded, and are counted", () => {
  const state = new State({ maxTasks: 100, maxWorkers: 10, now: () => NOW });
  const metrics = new CeleryMetrics(state, [1], 2);
  for (const name of ["a", "b", "c", "d"]) {
    const event = {
      type: "task-received",
      uuid: name,
      name: `tasks.${name}`,
      hostname: "w",
      timestamp: NOW,
      clock: 1,
      local_received: NOW,
    } as CeleryEvent;
    state.apply(event);
    metrics.observe(event);
  }
  const text = metrics.render();
  assert.equal(text.split("\n").filter((l) => l.startsWith("flower_events_total{")).length, 2);
  assert.deepEqual(metrics.dropped, { flower_events_total: 2 });
});

test("purging a worker removes every series it labels", () => {
  const { metrics, feed } = setup();
  feed({ type: "task-received", uuid: "a", name: "tasks.add", hostname: "w", timestamp: NOW });
  feed({ type: "task-received", uuid: "b", name: "tasks.add", hostname: "v", timestamp: NOW });
  metrics.purgeWorkers(["w"]);
  const text = metrics.render(new Set(["w"]));
  assert.doesNotMatch(text, /worker="w"/);
  assert.match(text, /worker="v"/);
});

test("a retried task is prefetched once per attempt and the gauge never goes below 0", () => {
  const { metrics, feed } = setup();
  const prefetched = () =>
    line(metrics.render(), 'flower_worker_prefetched_tasks{worker="w",task="t"}');
  feed({ type: "task-received", uuid: "a", name: "t", hostname: "w", timestamp: NOW });
  feed({ type: "task-started", uuid: "a", hostname: "w", timestamp: NOW + 1 });
  feed({ type: "task-retried", uuid: "a", hostname: "w", timestamp: NOW + 2 });
  // The retry comes back without an ETA: the task is already marked started.
  feed({ type: "task-received", uuid: "a", name: "t", hostname: "w", timestamp: NOW + 3 });
  feed({ type: "task-started", uuid: "a", hostname: "w", timestamp: NOW + 4 });
  feed({ type: "task-succeeded", uuid: "a", hostname: "w", timestamp: NOW + 5, runtime: 1 });
  assert.equal(prefetched(), 'flower_worker_prefetched_tasks{worker="w",task="t"} 0');
});

test("a task whose retry (with an ETA) is received before it starts stops counting", () => {
  const { metrics, feed } = setup();
  const prefetched = () =>
    line(metrics.render(), 'flower_worker_prefetched_tasks{worker="w",task="t"}');
  feed({ type: "task-received", uuid: "a", name: "t", hostname: "w", timestamp: NOW });
  assert.equal(prefetched(), 'flower_worker_prefetched_tasks{worker="w",task="t"} 1');
  feed({
    type: "task-received",
    uuid: "a",
    name: "t",
    hostname: "w",
    timestamp: NOW + 1,
    eta: "2023-11-14T22:13:30+00:00",
  });
  feed({ type: "task-started", uuid: "a", hostname: "w", timestamp: NOW + 2 });
  assert.equal(prefetched(), 'flower_worker_prefetched_tasks{worker="w",task="t"} 0');
});

test("restored prefetch counts drain by Flower's rules, never below 0", () => {
  const state = new State({ maxTasks: 100, maxWorkers: 10, now: () => NOW + 1 });
  let metrics = new CeleryMetrics(state, [0.1, 1]);
  const feed = (event: Omit<CeleryEvent, "clock" | "local_received">) => {
    const full = { clock: 1, local_received: event.timestamp, ...event } as CeleryEvent;
    state.apply(full);
    metrics.observe(full);
  };
  const prefetched = () =>
    line(metrics.render(), 'flower_worker_prefetched_tasks{worker="w",task="t"}');
  feed({ type: "task-received", uuid: "a", name: "t", hostname: "w", timestamp: NOW });
  // A restart: the state and the saved series come back, the ids counted do not.
  const image = metrics.image();
  metrics = new CeleryMetrics(state, [0.1, 1]);
  assert.ok(metrics.restore(image));
  assert.equal(prefetched(), 'flower_worker_prefetched_tasks{worker="w",task="t"} 1');
  feed({ type: "task-started", uuid: "a", hostname: "w", timestamp: NOW + 1 });
  assert.equal(prefetched(), 'flower_worker_prefetched_tasks{worker="w",task="t"} 0');
  feed({ type: "task-received", uuid: "b", name: "t", hostname: "w", timestamp: NOW + 2 });
  feed({ type: "task-started", uuid: "b", hostname: "w", timestamp: NOW + 3 });
  feed({ type: "task-started", uuid: "b", hostname: "w", timestamp: NOW + 4 });
  assert.equal(prefetched(), 'flower_worker_prefetched_tasks{worker="w",task="t"} 0');
});
