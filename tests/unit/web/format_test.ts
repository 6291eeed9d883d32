import { test } from "node:test";
import assert from "node:assert/strict";
import { formatDuration, formatTime, relativeTime } from "../../../src/web/format.ts";

test("times are UTC to the millisecond, empty when unknown", () => {
  assert.equal(formatTime(1_700_000_000.1234), "2023-11-14 22:13:20.123");
  assert.equal(formatTime(null), "");
});

test("relative times read as English in both directions", () => {
  assert.equal(relativeTime(1000, 1002), "just now");
  assert.equal(relativeTime(1000, 1000 + 3 * 60 + 5), "3 minutes ago");
  assert.equal(relativeTime(1000, 1000 + 3600), "1 hour ago");
  assert.equal(relativeTime(1000 + 2 * 86400, 1000), "in 2 days");
});

test("durations use seconds below a minute and minutes or hours above", () => {
  assert.equal(formatDuration(0.0123), "0.012 s");
  assert.equal(formatDuration(12.345), "12.35 s");
  assert.equal(formatDuration(65), "1m 05s");
  assert.equal(formatDuration(7380), "2h 03m");
  assert.equal(formatDuration(null), "");
});
