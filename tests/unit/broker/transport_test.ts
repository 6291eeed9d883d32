import { test } from "node:test";
import assert from "node:assert/strict";
import { backoffDelay, RECONNECT_BACKOFF } from "../../../src/broker/transport.ts";

test("reconnect delays grow exponentially and stop at the cap", () => {
  const options = { initialMs: 500, maxMs: 30_000 };
  const none = () => 0;
  assert.equal(backoffDelay(0, options, none), 500);
  assert.equal(backoffDelay(1, options, none), 1000);
  assert.equal(backoffDelay(3, options, none), 4000);
  assert.equal(backoffDelay(20, options, none), 30_000);
  assert.equal(backoffDelay(1000, options, none), 30_000);
});

test("jitter takes up to half off a delay and never adds to it", () => {
  const options = { initialMs: 1000, maxMs: 30_000 };
  assert.equal(backoffDelay(0, options, () => 0), 1000);
  assert.equal(backoffDelay(0, options, () => 0.5), 750);
  assert.equal(backoffDelay(0, options, () => 0.999999), 500);
});

test("the shared policy retries at least every 2 s however long the outage", () => {
  for (const attempt of [0, 1, 5, 50, 10_000]) {
    for (const random of [0, 0.3, 0.999999]) {
      const delay = backoffDelay(attempt, RECONNECT_BACKOFF, () => random);
      assert.ok(delay > 0 && delay <= 2_000, `attempt ${attempt}: ${delay} ms`);
    }
  }
  assert.ok(backoffDelay(0) <= 250, "the first retry comes quickly");
});
