import { test } from "node:test";
import assert from "node:assert/strict";
import { Interner } from "../../../src/state/intern.ts";

test("the same string gets the same id", () => {
  const table = new Interner();
  const a = table.acquire("tasks.add");
  assert.equal(table.acquire("tasks.add"), a);
  assert.equal(table.value(a), "tasks.add");
  assert.equal(table.size, 1);
  assert.equal(table.refs(a), 2);
});

test("a value is forgotten when its last holder releases it", () => {
  const table = new Interner();
  const a = table.acquire("x");
  table.acquire("x");
  table.release(a);
  assert.deepEqual(table.values(), ["x"]);
  table.release(a);
  assert.deepEqual(table.values(), []);
  assert.deepEqual(table.matching("x"), []);
  assert.equal(table.refs(a), 0);
});

test("freed ids are reused", () => {
  const table = new Interner();
  const a = table.acquire("a");
  table.acquire("b");
  table.release(a);
  assert.equal(table.acquire("c"), a);
  assert.equal(table.idLimit, 2);
});

test("matching ignores case and finds every spelling", () => {
  const table = new Interner();
  const lower = table.acquire("celery@w1");
  const upper = table.acquire("CELERY@W1");
  table.acquire("celery@w2");
  assert.deepEqual([...table.matching("Celery@W1")].sort(), [lower, upper].sort());
  table.release(upper);
  assert.deepEqual(table.matching("celery@W1"), [lower]);
});

test("folded gives the lower-cased value", () => {
  const table = new Interner();
  assert.equal(table.folded(table.acquire("Tasks.Add")), "tasks.add");
});
