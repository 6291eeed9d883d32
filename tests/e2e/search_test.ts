// Issue 14, task search over live data: tasks sent by a real Celery client (a small workflow, a
// failure, a retry) and run by a real worker are found by the same queries with the same answers
// on RabbitMQ and on Redis, and each answer is the reference matcher's over the whole listing.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { compileSearch, Search } from "../../src/search/mod.ts";
import type { TaskJson } from "../../src/state/types.ts";
import {
  api,
  type BrokerFixture,
  brokerFixture,
  celeryClient,
  listTasks,
  type Stalk,
  startStalk,
  startWorker,
  waitForTaskStates,
  type Worker,
} from "./_harness/mod.ts";

describe("task search", () => {
  const tag = randomBytes(4).toString("hex");
  const root = `root-${randomBytes(4).toString("hex")}`;
  let broker: BrokerFixture;
  let stalk: Stalk;
  let worker: Worker;
  /** Task ids by role. */
  const ids: Record<string, string> = {};

  before(async () => {
    broker = await brokerFixture();
    stalk = await startStalk({ brokerUrl: broker.brokerUrl });
    // Prefork, not solo: under the solo pool Celery 5.2 reports every exception as
    // `ExceptionWithTraceback()`, which leaves `exception:` nothing to find.
    worker = await startWorker({ brokerUrl: broker.brokerUrl, name: "search" });
    const link = { root_id: root };
    const sent = await celeryClient({
      broker: broker.brokerUrl,
      send: [
        { name: "tasks.add", args: [2, 3], options: { task_id: root } },
        {
          name: "tasks.echo",
          args: ["alpha beta"],
          kwargs: { priority: "high", n: 1 },
          options: { ...link, parent_id: root },
        },
        {
          name: "tasks.error",
          args: ["connection refused"],
          options: { ...link, parent_id: root },
        },
        { name: "tasks.add", args: [40, 2] },
        { name: "tasks.retry", kwargs: { n: 1 } },
        { name: "tasks.echo", kwargs: { priority: "low", tag } },
      ],
    });
    [ids.root, ids.echo, ids.error, ids.add, ids.retry, ids.echo2] = sent.ids;
    await waitForTaskStates(stalk.url, sent.ids, ["SUCCESS", "FAILURE"], 30_000);
  });

  after(async () => {
    await worker?.stop();
    await stalk?.stop();
    await broker?.remove();
  });

  const found = async (query: string, extra: Record<string, string> = {}) =>
    (await listTasks(stalk.url, { search: query, ...extra })).map(([id]) => id);

  /** Query -> the roles it finds, whichever broker carried the tasks. */
  const CASES: [string, string[]][] = [
    ["state:FAILURE", ["error"]],
    ["state:success", ["root", "echo", "add", "retry", "echo2"]],
    ["name:tasks.add OR name:tasks.error", ["root", "error", "add"]],
    ["name:echo kwargs:priority=high", ["echo"]],
    ["kwargs:priority=LOW", ["echo2"]],
    ["kwargs:n=1", ["echo", "retry"]],
    ['"alpha beta"', ["echo"]],
    ['args:"connection refused"', ["error"]],
    ["exception:refused", ["error"]],
    ["result:alpha", ["echo"]],
    [tag, ["echo2"]],
    ["-state:SUCCESS", ["error"]],
    ["NOT (name:add OR name:echo)", ["error", "retry"]],
    ["retries>=1", ["retry"]],
    ["runtime>=0 name:add", ["root", "add"]],
    [`root:${root}`, ["root", "echo", "error"]],
    [`parent:${root}`, ["echo", "error"]],
    [`uuid:${root.slice(0, 8)}`, ["root"]],
  ];

  for (const [query, roles] of CASES) {
    test(`search '${query.replace(tag, "<tag>")}' finds ${roles.join(", ")}`, async () => {
      const expected = roles.map((role) => ids[role]).sort();
      assert.deepEqual((await found(query)).sort(), expected);
    });
  }

  test("every answer is the reference matcher's over the whole listing", async () => {
    const all = (await listTasks(stalk.url)).map(([, task]) => task as unknown as TaskJson);
    for (const [query] of CASES) {
      const search = compileSearch(query) as Search;
      const expected = all.filter((task) => search.matches(task)).map((task) => task.uuid);
      assert.deepEqual((await found(query)).sort(), expected.sort(), query);
    }
  });

  test("search combines with the filters and paging, in the listing's order", async () => {
    const listed = (await listTasks(stalk.url, { taskname: "tasks.echo" })).map(([id]) => id);
    assert.deepEqual(await found("name:echo"), listed);
    assert.deepEqual(await found("priority", { taskname: "tasks.echo", limit: "1", offset: "1" }), [
      listed[1],
    ]);
    assert.deepEqual(await found("name:tasks", { state: "FAILURE" }), [ids.error]);
    assert.deepEqual(await found("name:tasks", { sort_by: "name", limit: "1" }), [
      (await listTasks(stalk.url, { sort_by: "name", limit: 1 }))[0][0],
    ]);
  });

  test("a malformed query is a 400 naming the problem and its position", async () => {
    const response = await api(stalk.url, `/api/tasks?search=${encodeURIComponent("name:add OR")}`);
    assert.equal(response.status, 400);
    assert.deepEqual(response.json, {
      error: "OR must be followed by a search term at position 9.",
      position: 9,
    });
  });
});
