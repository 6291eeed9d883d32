import { test } from "node:test";
import assert from "node:assert/strict";
import { LoginThrottle, throttleKey } from "../../../../src/http/auth/throttle.ts";

function throttle(options: { maxAddresses?: number } = {}) {
  let now = 1_000_000;
  const t = new LoginThrottle({
    freeFailures: 2,
    baseDelayMs: 100,
    maxDelayMs: 1000,
    now: () => now,
    quietMs: 60_000,
    ...options,
  });
  return { t, advance: (ms: number) => (now += ms) };
}

test("failures beyond the free ones wait twice as long each time, up to the cap", () => {
  const { t } = throttle();
  const waits = Array.from({ length: 8 }, () => t.fail("10.0.0.1"));
  assert.deepEqual(waits, [0, 0, 100, 200, 400, 800, 1000, 1000]);
  assert.equal(t.fail("10.0.0.2"), 0, "another address is not slowed");
});

test("a quiet period or a successful login starts an address afresh", () => {
  const { t, advance } = throttle();
  for (let i = 0; i < 4; i++) t.fail("a");
  advance(60_000);
  assert.equal(t.fail("a"), 0);
  for (let i = 0; i < 4; i++) t.fail("b");
  t.succeed("b");
  assert.equal(t.fail("b"), 0);
});

test("the table forgets the least recently failing address when full", () => {
  const { t } = throttle({ maxAddresses: 2 });
  t.fail("a");
  t.fail("b");
  t.fail("a");
  t.fail("c");
  assert.equal(t.size, 2);
  assert.equal(t.fail("a"), 100, "a was kept: its third failure is slowed");
});

test("a flood of 200,000 addresses keeps the table at its bound", () => {
  const t = new LoginThrottle();
  for (let i = 0; i < 200_000; i++) t.fail(`10.${i >> 16 & 255}.${i >> 8 & 255}.${i & 255}`);
  assert.equal(t.size, 10_000);
});

test("an IPv6 client counts by its /64, an IPv4 one by its address", () => {
  assert.equal(throttleKey("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
  assert.equal(throttleKey("2001:0db8:0001:0002:ffff:1:2:3"), "2001:db8:1:2::/64");
  assert.equal(throttleKey("2001:db8::5"), "2001:db8:0:0::/64");
  assert.equal(throttleKey("::1"), "0:0:0:0::/64");
  assert.equal(throttleKey("fe80::1%eth0"), "fe80:0:0:0::/64");
  assert.equal(throttleKey("::ffff:10.0.0.7"), "10.0.0.7");
  assert.equal(throttleKey("10.0.0.7"), "10.0.0.7");
  assert.equal(throttleKey("unknown"), "unknown");
  const t = new LoginThrottle({ freeFailures: 1, baseDelayMs: 100 });
  t.fail("2001:db8:1:2::a");
  assert.equal(t.fail("2001:db8:1:2::b"), 100, "another address in the same /64 is slowed");
});
