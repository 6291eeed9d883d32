import { test } from "node:test";
import assert from "node:assert/strict";
import { parseUtcMinute } from "../../../src/http/params.ts";

test("a minute is read as UTC", () => {
  assert.equal(parseUtcMinute("2024-05-06 10:11"), Date.UTC(2024, 4, 6, 10, 11) / 1000);
});

test("an impossible date is refused rather than rolled over", () => {
  assert.equal(parseUtcMinute("2024-02-30 10:00"), undefined);
  assert.equal(parseUtcMinute("2024-13-01 10:00"), undefined);
  assert.equal(parseUtcMinute("2024-01-01 24:00"), undefined);
});
