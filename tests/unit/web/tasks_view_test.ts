import { test } from "node:test";
import assert from "node:assert/strict";
import { parseTasksView, viewQuery } from "../../../src/web/tasks_view.ts";

const DEFAULTS = ["name", "state"] as const;

test("a view survives the round trip through its URL, defaults left out", () => {
  const params: Record<string, string> = {
    state: "FAILURE",
    workername: "celery@w1",
    received_start: "2024-05-01T10:00",
    search: "name:add",
    sort_by: "name",
    offset: "30",
    limit: "50",
    columns: "uuid,name",
  };
  const view = parseTasksView((name) => params[name], DEFAULTS);
  assert.deepEqual(view.columns, ["name", "uuid"], "columns keep Flower's order");
  const query = viewQuery(view, DEFAULTS);
  const again = parseTasksView((name) => query[name]?.toString(), DEFAULTS);
  assert.deepEqual(again, view);
  assert.deepEqual(viewQuery(parseTasksView(() => undefined, DEFAULTS), DEFAULTS), {
    state: undefined,
    workername: undefined,
    taskname: undefined,
    received_start: undefined,
    received_end: undefined,
    search: undefined,
    sort_by: undefined,
    offset: undefined,
    limit: undefined,
    columns: undefined,
  });
});

test("'All' and empty filters mean no filter, and a space works in place of T", () => {
  const view = parseTasksView(
    (name) => ({ state: "All", taskname: "", received_end: "2024-05-01 10:00" })[name],
    DEFAULTS,
  );
  assert.equal(view.state, undefined);
  assert.equal(view.taskname, undefined);
  assert.equal(view.receivedEnd, "2024-05-01T10:00");
  assert.deepEqual(
    parseTasksView((n) => (n === "columns" ? "all" : undefined), DEFAULTS).columns.length,
    17,
  );
});

test("the search is kept as typed (error positions point into it); blank means none", () => {
  const view = (search: string) => parseTasksView((n) => (n === "search" ? search : undefined), []);
  assert.equal(view("  state:x ").search, "  state:x ");
  assert.equal(view("   ").search, undefined);
  assert.equal(view("All").search, "All", "a search for 'all' is not the 'All' filter");
});
