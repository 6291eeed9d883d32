import { test } from "node:test";
import assert from "node:assert/strict";
import { LamportClock } from "../../../src/state/clock.ts";

test("a new clock starts at zero", () => {
  assert.equal(new LamportClock().value, 0);
});

test("forward adds one and returns the new value", () => {
  const clock = new LamportClock(5);
  assert.equal(clock.forward(), 6);
  assert.equal(clock.value, 6);
});

test("adjust to a larger value jumps past it", () => {
  const clock = new LamportClock(3);
  assert.equal(clock.adjust(10), 11);
  assert.equal(clock.value, 11);
});

test("adjust to a smaller value still ticks once", () => {
  const clock = new LamportClock(10);
  assert.equal(clock.adjust(2), 11);
});

test("a value that is not a non-negative safe integer does not move the clock", () => {
  for (const bad of [1e30, 2 ** 53, -5, 1.5, Number.NaN, Infinity]) {
    const clock = new LamportClock(10);
    assert.equal(clock.adjust(bad), 11, `adjust(${bad})`);
  }
});

test("a value past 2^31 but still safe moves the clock", () => {
  const clock = new LamportClock(10);
  assert.equal(clock.adjust(2 ** 31 + 1), 2 ** 31 + 2);
});

test("the clock never passes the largest safe integer", () => {
  const clock = new LamportClock(Number.MAX_SAFE_INTEGER - 1);
  assert.equal(clock.adjust(Number.MAX_SAFE_INTEGER), Number.MAX_SAFE_INTEGER);
  assert.equal(clock.forward(), Number.MAX_SAFE_INTEGER);
  assert.ok(Number.isSafeInteger(clock.value));
});
