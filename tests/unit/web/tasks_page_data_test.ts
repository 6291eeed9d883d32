import { test } from "node:test";
import assert from "node:assert/strict";
import { State } from "../../../src/state/state.ts";
import { readTasksPage } from "../../../src/web/tasks_page_data.ts";
import { parseTasksView } from "../../../src/web/tasks_view.ts";
import { event, NOW } from "./_setup.ts";

/** 137 tasks with repeated names and received times, and a few never received. */
function populated(): State {
  const state = new State({ maxTasks: 1000, maxWorkers: 10, now: () => NOW });
  for (let i = 0; i < 137; i++) {
    const id = `t${String(i).padStart(3, "0")}`;
    const type = i % 11 === 0 ? "task-sent" : "task-received";
    state.apply(event(type, id, { name: `tasks.n${i % 7}` }, NOW - 1000 + (i % 40)));
    if (i % 3 === 0) state.apply(event("task-started", id, {}, NOW - 500 + (i % 13)));
  }
  return state;
}

test("a page past the middle, read from the other end, holds the same rows", () => {
  const state = populated();
  for (const sort of ["-received", "received", "name", "-started", "state"]) {
    const all = readTasksPage(
      state,
      parseTasksView((n) => ({ sort_by: sort, limit: "100" })[n], []),
    )
      .tasks.concat(
        readTasksPage(
          state,
          parseTasksView((n) => ({ sort_by: sort, limit: "100", offset: "100" })[n], []),
        ).tasks,
      ).map((task) => task.uuid);
    const direct = state.tasks({
      offset: 0,
      limit: 1000,
      sortBy: sort.replace("-", "") as "name",
      descending: sort.startsWith("-"),
    }).map((task) => task.uuid);
    assert.equal(all.length, 137, sort);
    for (const offset of [0, 15, 60, 75, 120, 135]) {
      const page = readTasksPage(
        state,
        parseTasksView((n) => ({ sort_by: sort, offset: String(offset) })[n], []),
      );
      assert.equal(page.total, 137);
      assert.deepEqual(
        page.tasks.map((task) => task.uuid),
        direct.slice(offset, offset + 15),
        `${sort} at ${offset}`,
      );
    }
  }
});

test("an offset past the end gives an empty page with the total", () => {
  const page = readTasksPage(populated(), parseTasksView((n) => ({ offset: "500" })[n], []));
  assert.deepEqual(page.tasks, []);
  assert.equal(page.total, 137);
});
