import { test } from "node:test";
import assert from "node:assert/strict";
import { compileSearch, Search } from "../../../src/search/mod.ts";
import { forEachPairHit, pairHash } from "../../../src/state/pair_index.ts";
import { planQuery } from "../../../src/state/query_plan.ts";
import { querySlots } from "../../../src/state/query.ts";
import { TaskStore } from "../../../src/state/task_store.ts";
import { CHUNK } from "../../../src/state/text_column.ts";

function search(text: string): Search {
  const compiled = compileSearch(text);
  assert.ok(compiled instanceof Search, text);
  return compiled;
}

/** `count` tasks whose kwargs are `kwargs(i)`. */
function store(count: number, kwargs: (i: number) => string | null): TaskStore {
  const tasks = new TaskStore(count);
  for (let i = 0; i < count; i++) {
    const slot = tasks.create(`task-${i}`);
    tasks.cols.kwargs.set(slot, kwargs(i));
    tasks.touch(slot);
  }
  return tasks;
}

const found = (tasks: TaskStore, text: string) =>
  querySlots(tasks, { offset: 0, descending: false, search: search(text) })
    .map((slot) => tasks.cols.uuid.get(slot)).sort();

test("a block lists each pair's slot under its hash, sorted, and finds every slot of a hash", () => {
  const tasks = store(3 * CHUNK, (i) => i % 2 ? `{'n': ${i % 5}, 'tag': 'x'}` : "{}");
  const block = tasks.pairs.block(1);
  // Half the slots hold two pairs each.
  assert.equal(block.hashes.length, CHUNK);
  for (let i = 1; i < block.hashes.length; i++) assert.ok(block.hashes[i - 1] <= block.hashes[i]);
  const slots: number[] = [];
  forEachPairHit(block, pairHash("n=3"), (slot) => slots.push(slot));
  const expected = [];
  for (let i = 0; i < CHUNK; i++) if ((CHUNK + i) % 2 && (CHUNK + i) % 5 === 3) expected.push(i);
  assert.deepEqual(slots.sort((a, b) => a - b), expected);
  assert.equal(tasks.pairs.bytes, 6 * CHUNK, "6 bytes a pair, only for the chunk read");
});

test("two pairs of the same hash are told apart by their kwargs", () => {
  // Found by search; the assertion keeps the test honest if the hash ever changes.
  assert.equal(pairHash("n=91099"), pairHash("n=527594"));
  const tasks = store(10, (i) => (i === 3 ? "{'n': 91099}" : i === 7 ? "{'n': 527594}" : "{}"));
  assert.deepEqual(found(tasks, "kwargs:n=91099"), ["task-3"]);
  assert.deepEqual(found(tasks, "kwargs:n=527594"), ["task-7"]);
});

test("a rare pair is walked as its own short list, a common one over every task", () => {
  const tasks = store(5 * CHUNK, (i) => `{'n': ${i % 1000}, 'user': 'u${i}'}`);
  const plan = (text: string) =>
    planQuery(tasks, { offset: 0, descending: false, search: search(text) })!;
  assert.equal(plan("kwargs:user=u123").size, 1);
  assert.equal(plan("kwargs:n=7").size, 21);
  assert.deepEqual(found(tasks, "kwargs:user=u123"), ["task-123"]);
  // A pair nobody holds: nothing to walk at all.
  assert.equal(
    planQuery(tasks, { offset: 0, descending: false, search: search("kwargs:user=x") }),
    null,
  );
  assert.equal(found(tasks, "kwargs:user=nobody").length, 0);
  // Too many to list: the walk tests every task instead.
  const all = new TaskStore(5 * CHUNK);
  for (let i = 0; i < 5 * CHUNK; i++) {
    const slot = all.create(`t-${i}`);
    all.cols.kwargs.set(slot, "{'k': 1}");
    all.touch(slot);
  }
  assert.equal(
    planQuery(all, { offset: 0, descending: false, search: search("kwargs:k=1") })!.size,
    5 * CHUNK,
  );
});

test("a pair search sees kwargs changed and tasks evicted after an earlier search", () => {
  const tasks = store(2 * CHUNK, (i) => `{'n': ${i}}`);
  assert.deepEqual(found(tasks, "kwargs:n=5"), ["task-5"]);
  tasks.cols.kwargs.set(tasks.slotOf("task-5")!, "{'n': 6}");
  assert.deepEqual(found(tasks, "kwargs:n=5"), []);
  assert.deepEqual(found(tasks, "kwargs:n=6"), ["task-5", "task-6"]);
  // A new task takes the oldest one's slot.
  const slot = tasks.create("newcomer");
  tasks.cols.kwargs.set(slot, "{'n': 6}");
  tasks.touch(slot);
  assert.deepEqual(found(tasks, "kwargs:n=0"), []);
  assert.deepEqual(found(tasks, "kwargs:n=6"), ["newcomer", "task-5", "task-6"]);
});
