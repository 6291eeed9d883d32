import { test } from "node:test";
import assert from "node:assert/strict";
import { StalkError } from "../../../src/errors.ts";
import type { WorkerRow } from "../../../src/web/workers_view.ts";
import {
  applyWorkersView,
  parseWorkersView,
  WORKER_COLUMNS,
  workersQuery,
} from "../../../src/web/workers_view.ts";

const row = (
  name: string,
  online: boolean,
  processed: number,
  extra: Partial<WorkerRow> = {},
): WorkerRow => ({
  name,
  online,
  active: online ? processed % 3 : null,
  counts: { processed, failed: processed % 2, succeeded: processed - (processed % 2), retried: 0 },
  loadavg: online ? [processed / 10, 0, 0] : null,
  ...extra,
});

const ROWS = [
  row("celery@w10", true, 7),
  row("celery@w2", true, 12),
  row("celery@w1", false, 30),
  row("batch@b1", true, 1),
];
const names = (query: Record<string, string>) =>
  applyWorkersView(ROWS, parseWorkersView((name) => query[name])).map((r) => r.name);

test("by default every worker shows, in natural name order", () => {
  assert.deepEqual(names({}), ["batch@b1", "celery@w1", "celery@w2", "celery@w10"]);
  assert.deepEqual(names({ sort_by: "-name" }), [
    "celery@w10",
    "celery@w2",
    "celery@w1",
    "batch@b1",
  ]);
});

test("every column sorts both ways; ties and missing values keep a stable order", () => {
  assert.deepEqual(names({ sort_by: "-processed" }), [
    "celery@w1",
    "celery@w2",
    "celery@w10",
    "batch@b1",
  ]);
  assert.deepEqual(names({ sort_by: "processed" }), [
    "batch@b1",
    "celery@w10",
    "celery@w2",
    "celery@w1",
  ]);
  // Offline: no active count, no load; they sort lowest.
  assert.deepEqual(names({ sort_by: "-loadavg" }), [
    "celery@w2",
    "celery@w10",
    "batch@b1",
    "celery@w1",
  ]);
  assert.deepEqual(names({ sort_by: "status" }), [
    "celery@w1",
    "batch@b1",
    "celery@w2",
    "celery@w10",
  ]);
  for (const column of WORKER_COLUMNS) {
    for (const sort of [column, `-${column}`]) {
      const listed = names({ sort_by: sort });
      assert.equal(listed.length, ROWS.length, sort);
      assert.deepEqual([...listed].sort(), ROWS.map((r) => r.name).sort(), sort);
    }
  }
});

test("the search keeps names holding the text, any case, or the status named", () => {
  assert.deepEqual(names({ search: "W1" }), ["celery@w1", "celery@w10"]);
  assert.deepEqual(names({ search: "offline" }), ["celery@w1"]);
  assert.deepEqual(names({ search: "  batch " }), ["batch@b1"]);
  assert.deepEqual(names({ search: "nobody" }), []);
});

test("a view survives the round trip through its URL, defaults left out", () => {
  const params: Record<string, string> = { search: "w1", sort_by: "-failed" };
  const view = parseWorkersView((name) => params[name]);
  assert.deepEqual(view, { search: "w1", sortBy: "failed", descending: true });
  const query: Record<string, string | number | undefined> = workersQuery(view);
  assert.deepEqual({ ...query }, { search: "w1", sort_by: "-failed" });
  assert.deepEqual(parseWorkersView((name) => query[name]?.toString()), view);
  assert.deepEqual(workersQuery(parseWorkersView(() => undefined)), {
    search: undefined,
    sort_by: undefined,
  });
});

test("a bad sort is a 400 that names the parameter and the choices", () => {
  assert.throws(
    () => parseWorkersView((name) => (name === "sort_by" ? "pid" : undefined)),
    (error: unknown) =>
      error instanceof StalkError && error.status === 400 &&
      /Invalid 'sort_by': expected one of name, status, active/.test(error.message) &&
      /got 'pid'/.test(error.message),
  );
});
