import { test } from "node:test";
import assert from "node:assert/strict";
import { strtobool } from "../../../src/celery/strtobool.ts";

test("strtobool accepts Python's spellings only", () => {
  for (const yes of ["y", "YES", "t", "true", "On", "1"]) assert.equal(strtobool(yes), true);
  for (const no of ["n", "no", "F", "false", "off", "0"]) assert.equal(strtobool(no), false);
  assert.equal(strtobool("maybe"), undefined);
});
