import { test } from "node:test";
import assert from "node:assert/strict";
import { TaskColumns } from "../../../src/state/task_columns.ts";
import { TaskStore } from "../../../src/state/task_store.ts";

test("columns with room grow into it without reallocating their typed arrays", () => {
  const cols = new TaskColumns(4, 4, 64);
  cols.clear(3, "t3");
  cols.received[3] = 12.5;
  const received = cols.received;
  cols.grow(32);
  assert.equal(cols.length, 32);
  assert.equal(cols.received, received);
  assert.equal(cols.received[3], 12.5);
  assert.equal(cols.uuid.get(3), "t3");
  assert.equal(cols.uuid.get(31), "");
});

test("columns grown past their room are reallocated with their contents", () => {
  const cols = new TaskColumns(4, 4, 8);
  cols.clear(2, "t2");
  cols.started[2] = 7;
  cols.grow(16);
  assert.equal(cols.started.length, 16);
  assert.equal(cols.started[2], 7);
  assert.equal(cols.uuid.get(2), "t2");
});

test("a store fills past its first allocation and keeps every task", () => {
  const store = new TaskStore(5000);
  for (let i = 0; i < 5000; i++) store.setTime(store.create(`t${i}`), "received", i);
  assert.equal(store.size, 5000);
  for (const i of [0, 1023, 1024, 4999]) {
    const slot = store.slotOf(`t${i}`)!;
    assert.equal(store.cols.received[slot], i);
    assert.equal(store.toJson(slot).uuid, `t${i}`);
  }
});
