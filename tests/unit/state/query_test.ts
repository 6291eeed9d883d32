import { test } from "node:test";
import assert from "node:assert/strict";
import { fakeState, query, T0, taskEvent, uuids } from "./_events.ts";

/** Three tasks: a (w1, tasks.add, SUCCESS), b (w2, tasks.mul, STARTED), c (w1, tasks.add, FAILURE). */
function threeTasks() {
  const { state } = fakeState();
  state.apply(taskEvent("received", "a", { name: "tasks.add", hostname: "celery@w1" }));
  state.apply(taskEvent("received", "b", { name: "tasks.mul", hostname: "celery@w2" }));
  state.apply(taskEvent("received", "c", { name: "tasks.add", hostname: "celery@w1" }));
  state.apply(taskEvent("started", "b", { hostname: "celery@w2" }));
  state.apply(taskEvent("failed", "c", { hostname: "celery@w1" }));
  state.apply(taskEvent("succeeded", "a", { hostname: "celery@w1" }));
  return state;
}

test("without a sort key the newest-updated task comes first", () => {
  assert.deepEqual(uuids(threeTasks().tasks(query())), ["a", "c", "b"]);
});

test("name, worker and state filters match exactly, ignoring case", () => {
  const state = threeTasks();
  assert.deepEqual(uuids(state.tasks(query({ taskname: "TASKS.ADD" }))), ["a", "c"]);
  assert.deepEqual(uuids(state.tasks(query({ workername: "Celery@W2" }))), ["b"]);
  assert.deepEqual(uuids(state.tasks(query({ state: "failure" }))), ["c"]);
  assert.deepEqual(uuids(state.tasks(query({ taskname: "tasks.ad" }))), []);
});

test("filters combine", () => {
  const state = threeTasks();
  const q = query({ taskname: "tasks.add", workername: "celery@w1", state: "SUCCESS" });
  assert.deepEqual(uuids(state.tasks(q)), ["a"]);
  assert.equal(state.countTasks(q), 1);
  assert.deepEqual(state.tasks(query({ taskname: "tasks.mul", workername: "celery@w1" })), []);
});

test("the value All means no filter", () => {
  const state = threeTasks();
  const q = query({ taskname: "All", workername: "All", state: "All" });
  assert.deepEqual(uuids(state.tasks(q)), ["a", "c", "b"]);
  assert.equal(state.countTasks(q), 3);
});

test("a task renamed later is found under its new name only", () => {
  const { state } = fakeState();
  state.apply(taskEvent("started", "t"));
  assert.deepEqual(state.tasks(query({ taskname: "tasks.add" })), []);
  state.apply(taskEvent("received", "t", { name: "tasks.add" }));
  assert.deepEqual(uuids(state.tasks(query({ taskname: "tasks.add" }))), ["t"]);
  assert.deepEqual(state.taskTypes(), ["tasks.add"]);
});

test("a task moves between state and worker lists as it changes", () => {
  const { state } = fakeState();
  state.apply(taskEvent("received", "t", { hostname: "w1" }));
  state.apply(taskEvent("started", "t", { hostname: "w2" }));
  assert.deepEqual(state.tasks(query({ state: "RECEIVED" })), []);
  assert.deepEqual(state.tasks(query({ workername: "w1" })), []);
  assert.deepEqual(uuids(state.tasks(query({ state: "STARTED", workername: "w2" }))), ["t"]);
});

test("offset skips matches and limit bounds the page", () => {
  const { state } = fakeState();
  for (const id of ["1", "2", "3", "4", "5"]) state.apply(taskEvent("received", id));
  assert.deepEqual(uuids(state.tasks(query({ offset: 1, limit: 2 }))), ["4", "3"]);
  assert.deepEqual(uuids(state.tasks(query({ offset: 4, limit: 2 }))), ["1"]);
  assert.deepEqual(state.tasks(query({ offset: 9 })), []);
  assert.deepEqual(state.tasks(query({ limit: 0 })), []);
  assert.equal(state.tasks(query()).length, 5);
});

test("the received range is inclusive and keeps tasks never received", () => {
  const { state } = fakeState();
  state.apply(taskEvent("received", "early", { timestamp: T0 + 1 }));
  state.apply(taskEvent("received", "start", { timestamp: T0 + 2 }));
  state.apply(taskEvent("received", "end", { timestamp: T0 + 4 }));
  state.apply(taskEvent("received", "late", { timestamp: T0 + 5 }));
  state.apply(taskEvent("started", "unreceived", { timestamp: T0 + 9 }));
  const q = query({ receivedStart: T0 + 2, receivedEnd: T0 + 4 });
  assert.deepEqual(uuids(state.tasks(q)), ["unreceived", "end", "start"]);
  assert.equal(state.countTasks(q), 3);
  assert.deepEqual(uuids(state.tasks(query({ receivedStart: T0 + 5 }))), ["unreceived", "late"]);
  assert.deepEqual(uuids(state.tasks(query({ receivedEnd: T0 + 1 }))), ["unreceived", "early"]);
});

test("count is the number of matches regardless of paging", () => {
  const state = threeTasks();
  assert.equal(state.countTasks(query({ limit: 1 })), 3);
  assert.equal(state.countTasks(query({ taskname: "tasks.add" })), 2);
  assert.equal(state.countTasks(query({ taskname: "nope" })), 0);
});

test("names differing only in case are all matched", () => {
  const { state } = fakeState();
  state.apply(taskEvent("received", "a", { name: "Tasks.Add" }));
  state.apply(taskEvent("received", "b", { name: "tasks.add" }));
  state.apply(taskEvent("received", "c", { name: "tasks.mul" }));
  assert.deepEqual(uuids(state.tasks(query({ taskname: "tasks.ADD" }))), ["b", "a"]);
  assert.equal(state.countTasks(query({ taskname: "tasks.add" })), 2);
});
