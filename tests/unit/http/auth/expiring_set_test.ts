import { test } from "node:test";
import assert from "node:assert/strict";
import { ExpiringSet } from "../../../../src/http/auth/expiring_set.ts";

function set(capacity: number) {
  let now = 1_000;
  return {
    s: new ExpiringSet(capacity, () => now),
    advance: (seconds: number) => (now += seconds),
  };
}

test("a key is held until its expiry, and not after", () => {
  const { s, advance } = set(10);
  s.add("a", 1_010);
  assert.ok(s.has("a"));
  assert.ok(!s.has("b"));
  advance(10);
  assert.ok(!s.has("a"), "expired at 1010");
});

test("expired keys are dropped as new ones arrive", () => {
  const { s, advance } = set(10);
  for (let i = 0; i < 5; i++) s.add(`old${i}`, 1_005);
  advance(10);
  s.add("new", 2_000);
  assert.equal(s.size, 1);
  assert.equal(s.evicted, 0, "expired keys are not counted as evicted");
});

test("a full set forgets its oldest unexpired key first", () => {
  const { s } = set(2);
  s.add("a", 9_999);
  s.add("b", 9_999);
  s.add("c", 9_999);
  assert.deepEqual([s.has("a"), s.has("b"), s.has("c")], [false, true, true]);
  assert.equal(s.evicted, 1);
});

test("200,000 distinct keys never hold more than the capacity", () => {
  const { s, advance } = set(10_000);
  for (let i = 0; i < 200_000; i++) {
    s.add(`state-${i}`, 1_000 + 600 + i / 1_000);
    if (i % 1_000 === 0) advance(1);
    assert.ok(s.size <= 10_000);
  }
  assert.equal(s.size, 10_000);
});

test("a capacity below one is refused", () => {
  assert.throws(() => new ExpiringSet(0), /capacity must be >= 1, got 0/);
});
