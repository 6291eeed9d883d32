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
