import { test } from "node:test";
import assert from "node:assert/strict";
import { NONE } from "../../../src/state/intern.ts";
import { RecencyLists } from "../../../src/state/task_index.ts";

function walk(lists: RecencyLists, key: number): number[] {
  const out: number[] = [];
  for (let slot = lists.head(key); slot !== NONE; slot = lists.next(slot)) out.push(slot);
  return out;
}

function walkBack(lists: RecencyLists, key: number): number[] {
  const out: number[] = [];
  for (let slot = lists.tail(key); slot !== NONE; slot = lists.prev(slot)) out.push(slot);
  return out;
}

test("touched slots come out most recent first", () => {
  const lists = new RecencyLists(8);
  lists.touch(1, NONE, 0);
  lists.touch(2, NONE, 0);
  lists.touch(3, NONE, 0);
  assert.deepEqual(walk(lists, 0), [3, 2, 1]);
  assert.deepEqual(walkBack(lists, 0), [1, 2, 3]);
  assert.equal(lists.size(0), 3);
});

test("touching a slot again moves it to the front", () => {
  const lists = new RecencyLists(8);
  for (const slot of [1, 2, 3]) lists.touch(slot, NONE, 0);
  lists.touch(1, 0, 0);
  assert.deepEqual(walk(lists, 0), [1, 3, 2]);
  lists.touch(2, 0, 0);
  assert.deepEqual(walk(lists, 0), [2, 1, 3]);
  assert.deepEqual(walkBack(lists, 0), [3, 1, 2]);
});

test("touching with a new key moves the slot between lists", () => {
  const lists = new RecencyLists(8);
  lists.touch(1, NONE, 0);
  lists.touch(2, NONE, 0);
  lists.touch(1, 0, 5);
  assert.deepEqual(walk(lists, 0), [2]);
  assert.deepEqual(walk(lists, 5), [1]);
  assert.equal(lists.size(0), 1);
  assert.equal(lists.size(5), 1);
});

test("removing the only slot empties the list", () => {
  const lists = new RecencyLists(8);
  lists.touch(4, NONE, 2);
  lists.remove(4, 2);
  assert.equal(lists.head(2), NONE);
  assert.equal(lists.tail(2), NONE);
  assert.equal(lists.size(2), 0);
});

test("removing from the middle keeps both directions linked", () => {
  const lists = new RecencyLists(8);
  for (const slot of [1, 2, 3]) lists.touch(slot, NONE, 0);
  lists.remove(2, 0);
  assert.deepEqual(walk(lists, 0), [3, 1]);
  assert.deepEqual(walkBack(lists, 0), [1, 3]);
});

test("growing keeps the links", () => {
  const lists = new RecencyLists(2);
  lists.touch(0, NONE, 0);
  lists.touch(1, NONE, 0);
  lists.grow(4);
  lists.touch(3, NONE, 0);
  assert.deepEqual(walk(lists, 0), [3, 1, 0]);
});

test("an unknown key is an empty list", () => {
  const lists = new RecencyLists(2);
  assert.equal(lists.head(9), NONE);
  assert.equal(lists.size(9), 0);
});
