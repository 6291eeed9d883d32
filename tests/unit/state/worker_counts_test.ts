import { test } from "node:test";
import assert from "node:assert/strict";
import { WorkerCountTable } from "../../../src/state/worker_counts.ts";
import { taskEvent } from "./_events.ts";

test("processed counts task-received; the others their own event; per worker", () => {
  const table = new WorkerCountTable();
  for (const subject of ["received", "started", "succeeded", "received", "failed", "retried"]) {
    table.observe(taskEvent(subject, "t"));
  }
  table.observe(taskEvent("received", "u", { hostname: "celery@w2" }));
  assert.deepEqual(table.get("celery@w1"), { processed: 2, succeeded: 1, failed: 1, retried: 1 });
  assert.deepEqual(table.get("celery@w2"), { processed: 1, succeeded: 0, failed: 0, retried: 0 });
  assert.deepEqual(table.get("celery@w9"), { processed: 0, succeeded: 0, failed: 0, retried: 0 });
});

test("beyond its capacity the table forgets the first worker it saw", () => {
  const table = new WorkerCountTable(2);
  for (const host of ["a", "b", "c"]) table.observe(taskEvent("received", "t", { hostname: host }));
  assert.equal(table.get("a").processed, 0);
  assert.equal(table.get("c").processed, 1);
});
