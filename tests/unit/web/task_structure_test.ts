import { test } from "node:test";
import assert from "node:assert/strict";
import type { TaskJson } from "../../../src/state/types.ts";
import { taskTimeline } from "../../../src/web/task_timeline.ts";
import { MAX_NODES, workflowOf } from "../../../src/web/workflow.ts";

function task(uuid: string, fields: Partial<TaskJson> = {}): TaskJson {
  return {
    uuid,
    name: "tasks.x",
    state: "SUCCESS",
    received: null,
    sent: null,
    started: null,
    rejected: null,
    succeeded: null,
    failed: null,
    retried: null,
    revoked: null,
    args: null,
    kwargs: null,
    eta: null,
    expires: null,
    retries: 0,
    worker: null,
    result: null,
    exception: null,
    timestamp: null,
    runtime: null,
    traceback: null,
    exchange: null,
    routing_key: null,
    clock: null,
    client: null,
    root: fields.root_id ?? uuid,
    root_id: uuid,
    parent: fields.parent_id ?? null,
    parent_id: null,
    children: [],
    ...fields,
  };
}

test("the timeline has a step between each known point, named by what the task did", () => {
  const timeline = taskTimeline(task("a", { sent: 10, received: 10.5, started: 12, failed: 15 }));
  assert.deepEqual(timeline.points.map((p) => p.label), ["Sent", "Received", "Started", "Failed"]);
  assert.deepEqual(
    timeline.steps.map((s) => [s.label, s.to - s.from]),
    [["In the queue", 0.5], ["Waiting at the worker", 1.5], ["Running", 3]],
  );
  assert.deepEqual(timeline.end, { label: "Failed", at: 15, ok: false });
  assert.deepEqual(taskTimeline(task("b")).points, []);
});

test("a workflow is the tree of the root, missing tasks marked; a lone task has none", () => {
  const tasks = new Map<string, TaskJson>([
    ["r", task("r", { children: ["a", "b"] })],
    ["a", task("a", { root_id: "r", parent_id: "r", children: ["c"], state: "FAILURE" })],
    ["b", task("b", { root_id: "r", parent_id: "r" })],
  ]);
  const tree = workflowOf(tasks.get("a")!, (id) => tasks.get(id))!;
  assert.equal(tree.uuid, "r");
  assert.deepEqual(tree.children.map((n) => [n.uuid, n.state]), [["a", "FAILURE"], [
    "b",
    "SUCCESS",
  ]]);
  assert.equal(tree.children[0].children[0].uuid, "c");
  assert.equal(tree.children[0].children[0].missing, true);
  assert.equal(workflowOf(task("lone"), () => undefined), undefined);
});

test("a huge workflow is cut at the node bound", () => {
  const children = Array.from({ length: 5000 }, (_, i) => `c${i}`);
  const root = task("r", { children });
  const tree = workflowOf(root, (id) => (id === "r" ? root : task(id, { root_id: "r" })))!;
  assert.equal(tree.children.length, MAX_NODES - 1);
  assert.equal(tree.truncated, 5000 - (MAX_NODES - 1));
});

test("a task-sent dated after the worker received the task makes a 0 s queue step, not a reorder", () => {
  const timeline = taskTimeline(
    task("a", { sent: 47.419, received: 47.408, started: 47.414, failed: 47.417 }),
  );
  assert.deepEqual(timeline.points.map((p) => p.label), ["Sent", "Received", "Started", "Failed"]);
  assert.deepEqual(
    timeline.steps.map((s) => [s.label, Math.round((s.to - s.from) * 1000)]),
    [["In the queue", 0], ["Waiting at the worker", 6], ["Running", 3]],
  );
  assert.equal(timeline.skewed, true);
  assert.deepEqual(timeline.span, { from: 47.408, to: 47.417 });
  const ordered = taskTimeline(task("b", { sent: 1, received: 2, succeeded: 3 }));
  assert.equal(ordered.skewed, undefined);
});
