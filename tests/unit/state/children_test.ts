import { test } from "node:test";
import assert from "node:assert/strict";
import { fakeState, taskEvent } from "./_events.ts";

test("a child is listed under its parent", () => {
  const { state } = fakeState();
  state.apply(taskEvent("received", "p"));
  state.apply(taskEvent("received", "c1", { parent_id: "p" }));
  state.apply(taskEvent("received", "c2", { parent_id: "p" }));
  state.apply(taskEvent("started", "c1"));
  assert.deepEqual(state.task("p")!.children, ["c1", "c2"]);
  assert.deepEqual(state.task("c1")!.children, []);
});

test("a child seen before its parent is attached when the parent appears", () => {
  const { state } = fakeState();
  state.apply(taskEvent("received", "c", { parent_id: "p" }));
  state.apply(taskEvent("received", "p"));
  assert.deepEqual(state.task("p")!.children, ["c"]);
});

test("an evicted child disappears from its parent's children", () => {
  const { state } = fakeState(2);
  state.apply(taskEvent("received", "c", { parent_id: "p" }));
  state.apply(taskEvent("received", "p"));
  state.apply(taskEvent("received", "x"));
  assert.equal(state.task("c"), undefined);
  assert.deepEqual(state.task("p")!.children, []);
});

test("a parked child that is evicted is not attached to a parent that comes later", () => {
  const { state } = fakeState(1);
  state.apply(taskEvent("received", "c", { parent_id: "p" }));
  state.apply(taskEvent("received", "p"));
  assert.deepEqual(state.task("p")!.children, []);
});

test("children of an evicted parent return to it when the parent is seen again", () => {
  const { state } = fakeState(4);
  state.apply(taskEvent("received", "p"));
  state.apply(taskEvent("received", "x"));
  state.apply(taskEvent("received", "c", { parent_id: "p" }));
  state.apply(taskEvent("received", "y"));
  state.apply(taskEvent("received", "z")); // evicts p, c waits for it
  assert.equal(state.task("p"), undefined);
  state.apply(taskEvent("succeeded", "p")); // evicts x
  assert.deepEqual(state.task("p")!.children, ["c"]);
});

test("a changed parent_id moves the child", () => {
  const { state } = fakeState();
  state.apply(taskEvent("received", "p1"));
  state.apply(taskEvent("received", "p2"));
  state.apply(taskEvent("received", "c", { parent_id: "p1" }));
  state.apply(taskEvent("started", "c", { parent_id: "p2" }));
  assert.deepEqual(state.task("p1")!.children, []);
  assert.deepEqual(state.task("p2")!.children, ["c"]);
});

test("an empty parent_id links nothing", () => {
  const { state } = fakeState();
  state.apply(taskEvent("received", "c", { parent_id: "" }));
  state.apply(taskEvent("received", "", {}));
  assert.deepEqual(state.task("")!.children, []);
});
