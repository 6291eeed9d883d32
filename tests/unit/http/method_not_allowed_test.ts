import { test } from "node:test";
import assert from "node:assert/strict";
import { createApp } from "../../../src/http/app.ts";
import { State } from "../../../src/state/state.ts";
import { appDeps } from "./_deps.ts";

const app = () => createApp(appDeps(new State({ maxTasks: 10, maxWorkers: 10 })));

test("a path's allowed methods come from the routes Hono matches it to", async () => {
  const cases: [string, string, string][] = [
    ["POST", "/api/tasks", "GET, HEAD, OPTIONS"],
    ["GET", "/api/task/apply/tasks.add", "OPTIONS, POST"],
    ["POST", "/api/task/info/", "GET, HEAD, OPTIONS"],
    ["DELETE", "/api/worker/shutdown/celery@w1", "OPTIONS, POST"],
  ];
  for (const [method, path, allow] of cases) {
    const response = await app().request(path, { method });
    assert.equal(response.status, 405, `${method} ${path}`);
    assert.equal(response.headers.get("Allow"), allow, `${method} ${path}`);
    assert.equal((await response.json()).error, `Method ${method} is not allowed on ${path}`);
  }
});

test("a path no route matches is a 404, whatever the method", async () => {
  for (const [method, path] of [["GET", "/api/nothing"], ["POST", "/api/tasksX"]]) {
    const response = await app().request(path, { method });
    assert.equal(response.status, 404, `${method} ${path}`);
    assert.equal(response.headers.get("Allow"), null);
  }
});

test("HEAD is answered wherever GET is", async () => {
  const response = await app().request("/api/task/types", { method: "HEAD" });
  assert.equal(response.status, 200);
});
