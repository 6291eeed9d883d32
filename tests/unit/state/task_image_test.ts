import { test } from "node:test";
import assert from "node:assert/strict";
import { State } from "../../../src/state/state.ts";
import { fakeState, query, T0, taskEvent, workerEvent } from "./_events.ts";

/** A state with tasks of several names, states and workers, a parent and a wrapped ring. */
function busyState(maxTasks = 8): State {
  const { state } = fakeState(maxTasks);
  for (let i = 0; i < 12; i++) {
    const uuid = `t${i}`;
    const hostname = `celery@w${i % 3}`;
    state.apply(taskEvent("received", uuid, {
      name: i % 2 ? "tasks.add" : "tasks.mul",
      args: `(${i},)`,
      kwargs: "{}",
      hostname,
      timestamp: T0 + i,
      parent_id: i > 6 ? "t6" : undefined,
      root_id: i > 6 ? "t6" : uuid,
    }));
  }
  state.apply(taskEvent("started", "t5", { hostname: "celery@w2", timestamp: T0 + 20 }));
  state.apply(taskEvent("succeeded", "t9", { result: "'9'", runtime: 0.5, timestamp: T0 + 21 }));
  state.apply(taskEvent("failed", "t7", { exception: "KeyError()", timestamp: T0 + 22 }));
  state.apply(workerEvent("online", "celery@w1"));
  state.apply(workerEvent("heartbeat", "celery@w0", { active: 2 }));
  return state;
}

/** The state copied in several slices with events arriving between them, then restored. */
function roundTrip(state: State, maxTasks: number, between = () => {}): State {
  const copier = state.copyTasks();
  while (copier.step(3)) between();
  const image = copier.finish();
  const restored = new State({ maxTasks, maxWorkers: 100, now: () => T0 });
  restored.restore(image, state.workerRecords());
  return restored;
}

function listings(state: State) {
  return {
    all: state.tasks(query()),
    byName: state.tasks(query({ taskname: "tasks.add" })),
    byState: state.tasks(query({ state: "RECEIVED" })),
    byWorker: state.tasks(query({ workername: "celery@w1" })),
    sorted: state.tasks(query({ sortBy: "received", descending: true })),
    types: state.taskTypes(),
    workers: state.workers(),
  };
}

test("a restored state lists the same tasks in the same orders, with the same workers", () => {
  const state = busyState();
  assert.deepEqual(listings(roundTrip(state, 8)), listings(state));
});

test("events applied while the copy is taken are in it, as of the last step", () => {
  const state = busyState();
  let n = 0;
  const restored = roundTrip(state, 8, () => {
    state.apply(taskEvent("succeeded", `t${11 - (n % 4)}`, { result: `${n}` }));
    state.apply(taskEvent("received", `new${n++}`, { name: "tasks.late" }));
  });
  assert.deepEqual(listings(restored), listings(state));
});

test("a restore into a smaller store keeps the newest tasks", () => {
  const state = busyState();
  const restored = roundTrip(state, 3);
  assert.equal(restored.taskCount, 3);
  assert.deepEqual(
    restored.tasks(query()).map((t) => t.uuid).sort(),
    ["t10", "t11", "t9"],
  );
  assert.deepEqual(restored.task("t9"), state.task("t9"));
});

test("a restored full store evicts in the order the original would have", () => {
  const state = busyState();
  const restored = roundTrip(state, 8);
  state.apply(taskEvent("received", "next"));
  restored.apply(taskEvent("received", "next"));
  assert.deepEqual(listings(restored), listings(state));
});

test("children are linked again after a restore", () => {
  const state = busyState(20);
  const restored = roundTrip(state, 20);
  assert.deepEqual(restored.task("t6")?.children, state.task("t6")?.children);
  assert.equal(restored.task("t6")?.children.length, 5);
});

test("a copy stays exact when the store grows while it is taken", () => {
  const { state } = fakeState(5000);
  for (let i = 0; i < 1000; i++) state.apply(taskEvent("received", `a${i}`));
  let n = 0;
  const restored = roundTrip(state, 5000, () => {
    for (let i = 0; i < 50; i++) state.apply(taskEvent("started", `b${n++}`));
  });
  assert.ok(state.taskCount > 2048);
  assert.deepEqual(restored.tasks(query()), state.tasks(query()));
});
