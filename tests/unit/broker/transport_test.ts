import { test } from "node:test";
import assert from "node:assert/strict";
import { backoffDelay } from "../../../src/broker/transport.ts";

test("reconnect delays grow exponentially and stop at the cap", () => {
  const options = { initialMs: 500, maxMs: 30_000 };
  const middle = () => 0.5;
  assert.equal(backoffDelay(0, options, middle), 500);
  assert.equal(backoffDelay(1, options, middle), 1000);
  assert.equal(backoffDelay(3, options, middle), 4000);
  assert.equal(backoffDelay(20, options, middle), 30_000);
  assert.equal(backoffDelay(1000, options, middle), 30_000);
});

test("jitter keeps each delay within 25 % of its base", () => {
  const options = { initialMs: 1000, maxMs: 30_000 };
  assert.equal(backoffDelay(0, options, () => 0), 750);
  assert.equal(backoffDelay(0, options, () => 0.999999), 1250);
});
