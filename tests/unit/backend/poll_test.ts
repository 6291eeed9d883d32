// Batched reads and the shared poll loop behind the database and memcached backends.
import { test } from "node:test";
import assert from "node:assert/strict";
import { type BatchRead, PolledResults } from "../../../src/backend/_poll.ts";
import type { TaskOutcome } from "../../../src/celery/task_result.ts";

const success = (taskId: string, result: unknown): TaskOutcome => ({
  taskId,
  state: "SUCCESS",
  result,
  traceback: null,
});

/** A store whose rows the test sets, counting the queries it answers. */
function fakeStore() {
  const rows = new Map<string, BatchRead>();
  const queries: string[][] = [];
  const readMany = (ids: string[]) => {
    queries.push(ids);
    return Promise.resolve(new Map(ids.flatMap((id) => rows.has(id) ? [[id, rows.get(id)!]] : [])));
  };
  return { rows, queries, readMany };
}

test("reads asked for together are one query, and an id asked twice is read once", async () => {
  const store = fakeStore();
  store.rows.set("a", success("a", 1));
  const results = new PolledResults(store.readMany);
  const outcomes = await Promise.all(["a", "b", "a"].map((id) => results.get(id)));
  assert.deepEqual(outcomes.map((outcome) => outcome.state), ["SUCCESS", "PENDING", "SUCCESS"]);
  assert.deepEqual(store.queries, [["a", "b"]]);
  results.close();
});

test("a hundred waiters cost one query per poll, and each gets its own result", async () => {
  const store = fakeStore();
  const results = new PolledResults(store.readMany, { intervalMs: 20 });
  const ids = Array.from({ length: 100 }, (_, i) => `t${i}`);
  const watches = ids.map((id) => results.watch(id));
  const waits = watches.map((watch) => watch.wait(5_000));
  await new Promise((resolve) => setTimeout(resolve, 70));
  ids.forEach((id, i) => store.rows.set(id, success(id, i)));
  const done = await Promise.all(waits);
  assert.deepEqual(done.map((wait) => wait.outcome.result), ids.map((_, i) => i));
  // The first reads of all hundred waits, then one query per 20 ms poll: never one per waiter.
  assert.ok(store.queries.length <= 8, `${store.queries.length} queries`);
  assert.ok(store.queries.every((query) => query.length === 100));
  for (const watch of watches) watch.close();
  assert.equal(results.watchedIds, 0);
  results.close();
});

test("a wait ends with a 500 when the stored result turns out unreadable", async () => {
  const store = fakeStore();
  const results = new PolledResults(store.readMany, { intervalMs: 10 });
  const watch = results.watch("x");
  const waiting = watch.wait(5_000);
  store.rows.set("x", new Error("the pickle holds a Python object"));
  await assert.rejects(
    waiting,
    (error: Error & { status?: number }) =>
      error.status === 500 && /Cannot read the result of 'x': the pickle holds/.test(error.message),
  );
  watch.close();
  results.close();
});

test("an unreachable store is a 503 for every read of the batch", async () => {
  const results = new PolledResults(() => Promise.reject(new Error("connection refused")));
  const reads = ["a", "b"].map((id) => results.get(id));
  for (const read of reads) {
    await assert.rejects(
      read,
      (error: Error & { status?: number }) =>
        error.status === 503 &&
        /Result backend unavailable: connection refused/.test(error.message),
    );
  }
  results.close();
});
