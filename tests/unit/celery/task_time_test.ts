import { test } from "node:test";
import assert from "node:assert/strict";
import { parseDateTime, pythonIsoformat } from "../../../src/celery/task_time.ts";

const BASE = Date.UTC(2024, 4, 6, 10, 0, 0) * 1000;

test("Flower's format is read with up to six fraction digits, as UTC", () => {
  assert.equal(parseDateTime("2024-05-06 10:00:00.123456"), BASE + 123_456);
  assert.equal(parseDateTime("2024-05-06 10:00:00.1"), BASE + 100_000);
  assert.equal(parseDateTime("2024-05-06 10:00:00"), BASE);
});

test("ISO 8601 is read with Z, offsets, or none", () => {
  assert.equal(parseDateTime("2024-05-06T10:00:00Z"), BASE);
  assert.equal(parseDateTime("2024-05-06T12:00:00+02:00"), BASE);
  assert.equal(parseDateTime("2024-05-06T05:30:00-0430"), BASE);
  assert.equal(parseDateTime("2024-05-06T10:00"), BASE);
  assert.equal(parseDateTime("2024-05-06"), Date.UTC(2024, 4, 6) * 1000);
});

test("impossible dates and other text are refused", () => {
  for (
    const text of [
      "",
      "now",
      "2024-13-01 00:00:00",
      "2023-02-29 00:00:00",
      "2024-05-06 24:00:00",
      "2024-05-06 10:00:00.1234567",
    ]
  ) {
    assert.equal(parseDateTime(text), undefined, text);
  }
});

test("isoformat prints microseconds only when there are some, with +00:00", () => {
  assert.equal(pythonIsoformat(BASE), "2024-05-06T10:00:00+00:00");
  assert.equal(pythonIsoformat(BASE + 5), "2024-05-06T10:00:00.000005+00:00");
  assert.equal(pythonIsoformat(BASE + 999_999), "2024-05-06T10:00:00.999999+00:00");
});
