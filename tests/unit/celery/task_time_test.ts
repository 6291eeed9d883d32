import { test } from "node:test";
import assert from "node:assert/strict";
import { isPythonDateTime, parseDateTime, pythonIsoformat } from "../../../src/celery/task_time.ts";

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

test("years are read as written, from 1 to 9999, and year 0 is refused as in Python", () => {
  assert.equal(pythonIsoformat(parseDateTime("0001-01-01T00:00:00")!), "0001-01-01T00:00:00+00:00");
  assert.equal(pythonIsoformat(parseDateTime("0050-03-01 12:00:00")!), "0050-03-01T12:00:00+00:00");
  assert.equal(parseDateTime("0000-01-01"), undefined);
  // An offset may push a valid local time out of Python's range.
  assert.equal(parseDateTime("0001-01-01T00:00:00+01:00"), undefined);
  assert.equal(parseDateTime("9999-12-31T23:00:00-02:00"), undefined);
  assert.equal(
    pythonIsoformat(parseDateTime("9999-12-31T23:59:59Z")!),
    "9999-12-31T23:59:59+00:00",
  );
});

test("isPythonDateTime bounds times to what a worker can read", () => {
  assert.equal(isPythonDateTime(BASE), true);
  assert.equal(isPythonDateTime(Number.NaN), false);
  assert.equal(isPythonDateTime(1e300), false);
  assert.equal(isPythonDateTime(-1e300), false);
});
