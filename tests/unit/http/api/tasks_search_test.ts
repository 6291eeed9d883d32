import { test } from "node:test";
import assert from "node:assert/strict";
import { createApp } from "../../../../src/http/app.ts";
import { State } from "../../../../src/state/state.ts";
import { appDeps } from "../_deps.ts";

const NOW = 1_700_000_040;

/** t1 tasks.add SUCCESS, t2 tasks.echo FAILURE, t3 tasks.echo SUCCESS with kwargs. */
function app() {
  const state = new State({ maxTasks: 100, maxWorkers: 10, now: () => NOW });
  const tasks: [string, string, string, string, Record<string, unknown>][] = [
    ["t1", "tasks.add", "(1, 2)", "{}", { result: "3", runtime: 0.5 }],
    ["t2", "tasks.echo", "('connection refused',)", "{}", { exception: "ValueError('boom')" }],
    ["t3", "tasks.echo", "('hello world',)", "{'k': 1}", { result: "'hello world'", runtime: 7 }],
  ];
  tasks.forEach(([uuid, name, args, kwargs, end], i) => {
    const at = NOW - 30 + i;
    const base = { uuid, hostname: "celery@w1", clock: i, local_received: at };
    state.apply({ ...base, type: "task-received", timestamp: at, name, args, kwargs });
    const type = "exception" in end ? "task-failed" : "task-succeeded";
    state.apply({ ...base, type, timestamp: at + 0.5, ...end });
  });
  return createApp(appDeps(state));
}

async function ids(query: string, limit = ""): Promise<string[]> {
  const response = await app().request(
    `/api/tasks?search=${encodeURIComponent(query)}${limit}`,
  );
  assert.equal(response.status, 200, await response.clone().text());
  return Object.keys(await response.json());
}

const CASES: [string, string[]][] = [
  ["state:FAILURE", ["t2"]],
  ["name:tasks.add OR name:tasks.echo", ["t3", "t2", "t1"]],
  ["kwargs:k=1", ["t3"]],
  ['"connection refused"', ["t2"]],
  ['args:"hello world" result:hello', ["t3"]],
  ["-state:FAILURE", ["t3", "t1"]],
  ["runtime>5", ["t3"]],
  ["exception:boom", ["t2"]],
  ["", ["t3", "t2", "t1"]],
];

for (const [query, expected] of CASES) {
  test(`GET /api/tasks?search=${query} finds ${expected.join(", ")}`, async () => {
    assert.deepEqual(await ids(query), expected);
  });
}

test("GET /api/tasks?search= combines with the filters and paging", async () => {
  assert.deepEqual(await ids("name:echo", "&state=SUCCESS"), ["t3"]);
  assert.deepEqual(await ids("name:tasks", "&limit=1&offset=1"), ["t2"]);
  assert.deepEqual(await ids("name:tasks", "&sort_by=name&limit=2"), ["t1", "t2"]);
});

test("a malformed search is a 400 saying what is wrong and where, as Flower words it", async () => {
  for (
    const [query, error, position] of [
      ["first OR", "OR must be followed by a search term at position 6.", 6],
      ['name:"open', "Unterminated quoted phrase at position 0.", 0],
      ["x".repeat(2049), "Query exceeds 2048 characters.", undefined],
    ] as const
  ) {
    const response = await app().request(`/api/tasks?search=${encodeURIComponent(query)}`);
    assert.equal(response.status, 400);
    assert.deepEqual(
      await response.json(),
      position === undefined ? { error } : { error, position },
    );
  }
});
