import { test } from "node:test";
import assert from "node:assert/strict";
import { StalkMetrics } from "../../../src/metrics/stalk_metrics.ts";

test("the health families report ingest, broker, holdings and snapshots", () => {
  let now = 1000;
  const health = new StalkMetrics({
    ingest: () => ({ events: 42, rejected: { bad_json: 3 } }),
    connected: () => true,
    lastEventAt: () => 990,
    tasks: () => 7,
    workers: () => 2,
    evictions: () => 5,
    droppedSeries: () => ({ flower_events_total: 4 }),
    snapshots: () => ({ saves: 1, failures: 0, savedAt: 985, duration: 0.25 }),
    now: () => now,
  });
  now = 1001;
  const text = health.render();
  for (
    const line of [
      "stalk_events_ingested_total 42",
      'stalk_events_dropped_total{reason="bad_json"} 3',
      "stalk_broker_connected 1",
      "stalk_seconds_since_last_event 11",
      "stalk_tasks_held 7",
      "stalk_workers_held 2",
      "stalk_task_evictions_total 5",
      'stalk_metric_series_dropped_total{family="flower_events_total"} 4',
      "stalk_snapshot_age_seconds 16",
      "stalk_snapshot_duration_seconds 0.25",
      "stalk_snapshot_failures_total 0",
    ]
  ) assert.ok(text.includes(`\n${line}\n`), line);
});

test("before the first event, the idle time counts from start-up; no snapshot without --persistent", () => {
  let now = 100;
  const health = new StalkMetrics({
    ingest: () => ({ events: 0, rejected: {} }),
    connected: () => false,
    lastEventAt: () => undefined,
    tasks: () => 0,
    workers: () => 0,
    evictions: () => 0,
    droppedSeries: () => ({}),
    now: () => now,
  });
  now = 130;
  const text = health.render();
  assert.ok(text.includes("\nstalk_seconds_since_last_event 30\n"));
  assert.ok(text.includes("\nstalk_broker_connected 0\n"));
  assert.doesNotMatch(text, /stalk_snapshot/);
});
