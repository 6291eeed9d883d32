import { test } from "node:test";
import assert from "node:assert/strict";
import { TopK } from "../../../src/state/top_k.ts";

const byNumber = (a: number, b: number) => a - b;

test("keeps the k smallest keys in order", () => {
  const top = new TopK(3, byNumber);
  const keys = [50, 10, 40, 30, 20, 60];
  keys.forEach((key, slot) => top.offer(slot, key));
  assert.deepEqual(top.drain(), [1, 4, 3]);
});

test("equal keys are ordered by the tie order", () => {
  const top = new TopK(2, (a, b) => b - a);
  for (const slot of [1, 2, 3, 4]) top.offer(slot, 7);
  assert.deepEqual(top.drain(), [4, 3]);
});

test("fewer offers than k come back all, sorted", () => {
  const top = new TopK(10, byNumber);
  top.offer(1, 3);
  top.offer(2, -1);
  assert.deepEqual(top.drain(), [2, 1]);
});

test("k of zero keeps nothing", () => {
  const top = new TopK(0, byNumber);
  top.offer(1, 1);
  assert.deepEqual(top.drain(), []);
});

test("the bound is infinite until full, then the worst key kept", () => {
  const top = new TopK(2, byNumber);
  assert.equal(top.bound, Infinity);
  top.offer(1, 5);
  top.offer(2, 9);
  assert.equal(top.bound, 9);
  top.offer(3, 1);
  assert.equal(top.bound, 5);
});

test("matches a full sort on random keys", () => {
  let seed = 42;
  const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) % 100;
  const keys = Array.from({ length: 500 }, random);
  const top = new TopK(37, byNumber);
  keys.forEach((key, slot) => top.offer(slot, key));
  const expected = keys.map((_, slot) => slot)
    .sort((a, b) => keys[a] - keys[b] || a - b)
    .slice(0, 37);
  assert.deepEqual(top.drain(), expected);
});
