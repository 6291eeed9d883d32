import { test } from "node:test";
import assert from "node:assert/strict";
import { RouteTable } from "../../../src/http/route_table.ts";

test("a path's allowed methods come from every route that matches it", () => {
  const table = new RouteTable();
  table.add("GET", "/api/tasks");
  table.add("POST", "/api/task/apply/:name{.+}");
  table.add("GET", "/api/task/info/:id{.*}");
  assert.deepEqual(table.allowed("/api/tasks"), ["GET", "HEAD", "OPTIONS"]);
  assert.deepEqual(table.allowed("/api/task/apply/tasks.add"), ["OPTIONS", "POST"]);
  assert.deepEqual(table.allowed("/api/task/info/"), ["GET", "HEAD", "OPTIONS"]);
  assert.deepEqual(table.allowed("/api/nothing"), []);
  assert.deepEqual(table.allowed("/api/tasksX"), []);
});
