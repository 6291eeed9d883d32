import { test } from "node:test";
import assert from "node:assert/strict";
import { hashOf, SlotIndex } from "../../../src/state/slot_index.ts";
import { CHUNK, TextColumn } from "../../../src/state/text_column.ts";

test("a text column keeps its values across chunks and growth", () => {
  const column = new TextColumn<string | null>(10, null);
  assert.equal(column.length, CHUNK);
  column.set(0, "a");
  column.set(CHUNK - 1, "b");
  column.grow(CHUNK * 3 + 1);
  assert.equal(column.length, CHUNK * 4);
  column.set(CHUNK * 3, "c");
  assert.deepEqual([column.get(0), column.get(CHUNK - 1), column.get(CHUNK * 3)], ["a", "b", "c"]);
  assert.equal(column.get(CHUNK * 2), null);
});

/** A seeded PRNG (mulberry32) so a failing sequence reproduces. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test("the slot index answers as a Map would through random adds, removals and growth", () => {
  const r = prng(42);
  const slots = 5000;
  const keys = new TextColumn<string>(64, "");
  const index = new SlotIndex(keys, 64);
  let allocated = 64;
  const reference = new Map<string, number>();
  const bySlot = new Map<number, string>();
  for (let step = 0; step < 60_000; step++) {
    const slot = Math.floor(r() * slots);
    if (slot >= allocated) {
      allocated = Math.max(slot + 1, allocated * 2);
      keys.grow(allocated);
      index.grow(allocated);
    }
    const held = bySlot.get(slot);
    if (held !== undefined) {
      index.remove(slot);
      reference.delete(held);
      bySlot.delete(slot);
    } else {
      // Few distinct keys over time, so keys come back after removal.
      const key = `task-${Math.floor(r() * 20_000)}`;
      if (reference.has(key)) continue;
      keys.set(slot, key);
      index.add(slot);
      reference.set(key, slot);
      bySlot.set(slot, key);
    }
    if (step % 997 === 0) {
      assert.equal(index.size, reference.size);
      for (const [key, at] of reference) assert.equal(index.get(key), at, key);
    }
    const probe = `task-${Math.floor(r() * 20_000)}`;
    assert.equal(index.get(probe), reference.get(probe), probe);
  }
});

test("ids that collide in every bucket are still told apart", () => {
  // A seed of 0 and a table of 16 buckets: keys are placed by their real hashes, so pick keys
  // that share a home bucket and check each is found, and stays found after a neighbour goes.
  const keys = new TextColumn<string>(64, "");
  const index = new SlotIndex(keys, 8, 0);
  const home = (key: string) => hashOf(key, 0) & 15;
  const same = Array.from({ length: 4000 }, (_, i) => `id-${i}`)
    .filter((key) => home(key) === home("id-0"))
    .slice(0, 6);
  same.forEach((key, slot) => {
    keys.set(slot, key);
    index.add(slot);
  });
  index.remove(2);
  same.forEach((key, slot) => assert.equal(index.get(key), slot === 2 ? undefined : slot, key));
});

test("addIfAbsent files a new id and refuses one already held", () => {
  const keys = new TextColumn<string>(8, "");
  const index = new SlotIndex(keys, 8, 1);
  keys.set(0, "a");
  keys.set(1, "b");
  keys.set(2, "a");
  assert.equal(index.addIfAbsent(0), true);
  assert.equal(index.addIfAbsent(1), true);
  assert.equal(index.addIfAbsent(2), false);
  assert.equal(index.size, 2);
  assert.equal(index.get("a"), 0);
});
