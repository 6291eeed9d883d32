import { test } from "node:test";
import assert from "node:assert/strict";
import { fakeState, query, taskEvent, uuids } from "./_events.ts";
import type { TaskJson } from "../../../src/state/types.ts";

function drain(iterator: Iterator<TaskJson>): TaskJson[] {
  const out: TaskJson[] = [];
  for (let next = iterator.next(); !next.done; next = iterator.next()) out.push(next.value);
  return out;
}

test("iterating a query yields what listing it without a limit returns, in order", () => {
  const { state } = fakeState(50);
  for (let i = 0; i < 30; i++) {
    state.apply(taskEvent("received", `t${i}`, { name: i % 3 ? "tasks.add" : "tasks.mul" }));
  }
  state.apply(taskEvent("succeeded", "t4"));
  for (
    const q of [
      query(),
      query({ taskname: "tasks.mul" }),
      query({ sortBy: "name", descending: true }),
      query({ offset: 7 }),
    ]
  ) {
    assert.deepEqual(drain(state.iterateTasks(q)), state.tasks(q));
  }
});

test("a task evicted while a listing is being read is left out, and the rest still come", () => {
  const { state } = fakeState(5);
  for (let i = 0; i < 5; i++) state.apply(taskEvent("received", `t${i}`));
  const iterator = state.iterateTasks(query());
  assert.equal(iterator.next().value?.uuid, "t4");
  // t0 (the oldest) is evicted for t5, whose task takes its slot.
  state.apply(taskEvent("received", "t5"));
  assert.deepEqual(uuids(drain(iterator)), ["t3", "t2", "t1"]);
});

test("a task updated while a listing is being read shows its state when it is reached", () => {
  const { state } = fakeState(5);
  state.apply(taskEvent("received", "a"));
  state.apply(taskEvent("received", "b"));
  const iterator = state.iterateTasks(query());
  assert.equal(iterator.next().value?.uuid, "b");
  state.apply(taskEvent("succeeded", "a"));
  assert.equal(iterator.next().value?.state, "SUCCESS");
});
