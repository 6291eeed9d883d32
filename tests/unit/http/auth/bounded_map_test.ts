import { test } from "node:test";
import assert from "node:assert/strict";
import { BoundedMap } from "../../../../src/http/auth/_bounded_map.ts";

test("setting a key again makes it the newest; the oldest goes first when full", () => {
  const m = new BoundedMap<number>(2);
  m.set("a", 1);
  m.set("b", 2);
  m.set("a", 3);
  m.set("c", 4);
  assert.deepEqual([m.get("a"), m.get("b"), m.get("c")], [3, undefined, 4]);
  assert.equal(m.size, 2);
  assert.equal(m.evicted, 1);
});

test("deleted keys are skipped, and dropOldestWhile stops at the first kept value", () => {
  const m = new BoundedMap<number>(10);
  for (const [key, value] of [["a", 1], ["b", 2], ["c", 9], ["d", 3]] as const) m.set(key, value);
  m.delete("a");
  m.dropOldestWhile((value) => value < 5);
  assert.deepEqual([m.get("b"), m.get("c"), m.get("d")], [undefined, 9, 3]);
  assert.equal(m.size, 2);
});

test("one key set a million times keeps its slots compact", () => {
  const m = new BoundedMap<number>(4);
  for (let i = 0; i < 1_000_000; i++) m.set("hot", i);
  assert.equal(m.size, 1);
  assert.equal(m.get("hot"), 999_999);
});
