import { test } from "node:test";
import assert from "node:assert/strict";
import { compileSearch, Search } from "../../../src/search/mod.ts";
import { State } from "../../../src/state/state.ts";
import { fakeState, query, T0, taskEvent, uuids } from "./_events.ts";

function compiled(text: string): Search {
  const search = compileSearch(text);
  if (!(search instanceof Search)) {
    throw new Error(`Cannot compile '${text}': ${search.describe()}`);
  }
  return search;
}

/** Flower's own test tasks (`tests/unit/utils/test_search.py`), as Celery events would bring them. */
function flowerTasks(): State {
  const { state } = fakeState();
  const add = (
    uuid: string,
    name: string,
    final: string,
    worker: string,
    fields: Record<string, unknown>,
    at: number,
  ) => {
    state.apply(
      taskEvent("received", uuid, {
        name,
        hostname: worker,
        args: fields.args,
        kwargs: fields.kwargs,
        timestamp: at,
      }),
    );
    state.apply(taskEvent(final, uuid, { hostname: worker, result: fields.result, timestamp: at }));
  };
  add("1", "tasks.fetch", "failed", "worker-a", {
    args: "['customer-123']",
    kwargs: "{'priority': 'high'}",
    result: "connection timeout",
  }, T0 + 1);
  add("2", "tasks.store", "succeeded", "worker-b", {
    args: "['customer-456']",
    kwargs: "{'priority': 'low'}",
    result: "stored",
  }, T0 + 2);
  add("3", "tasks.fetch", "retried", "worker-a", {
    args: "['customer-789']",
    kwargs: "{'priority': 'high'}",
    result: "retry timeout",
  }, T0 + 3);
  add("4", "tasks.report", "succeeded", "worker-c", {
    args: "['hello world']",
    kwargs: "{'label': 'some value'}",
    result: null,
  }, T0 + 4);
  return state;
}

function found(state: State, text: string): string[] {
  return uuids(state.tasks(query({ search: compiled(text) }))).sort();
}

const FLOWER_CASES: [string, string[]][] = [
  ["customer", ["1", "2", "3"]],
  ["name:fetch", ["1", "3"]],
  ["state:FAILURE", ["1"]],
  ["state:failure", ["1"]],
  ["state:FAIL", []],
  ["kwargs:priority=high", ["1", "3"]],
  ["kwargs:priority=HIGH", ["1", "3"]],
  ["customer result:timeout", ["1", "3"]],
  ["(state:FAILURE OR state:RETRY) result:timeout", ["1", "3"]],
  ['args:"hello world"', ["4"]],
  ['kwargs:label="some value"', ["4"]],
  ["result:timeout", ["1", "3"]],
  ["name:FETCH", ["1", "3"]],
  ["worker:WORKER-A", ["1", "3"]],
  ["args:CUSTOMER", ["1", "2", "3"]],
  ["kwargs:PRIORITY", ["1", "2", "3"]],
  ["result:TIMEOUT", ["1", "3"]],
];

for (const [text, expected] of FLOWER_CASES) {
  test(`Flower's search case '${text}' finds ${expected.join(", ") || "nothing"}`, () => {
    assert.deepEqual(found(flowerTasks(), text), expected);
  });
}

/** A small seeded generator (mulberry32), so the random workload is the same on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NAMES = ["tasks.add", "tasks.echo", "app.mail.Send_Welcome", "app.Straße.sync"];
const HOSTS = ["celery@w1", "celery@W2", "worker-a@host"];
const ARGS = ["(1, 2)", "('customer-123',)", "('Café', 'ÉTÉ')", "()", "('timeout',)", null];
const KWARGS = [
  "{}",
  "{'priority': 'high'}",
  "{'priority': 5, 'k': None}",
  "{'x': 'a b'}",
  "{'tags': [1, 2], 'who': 'None', 'k': ''}",
  null,
];
const RESULTS = ["3", "None", "'connection timeout'", "'STRASSE'", null];
const EXCEPTIONS = ["ValueError('boom')", "KeyError('customer')"];

/** `count` tasks in a store of `capacity`, with ids, links, times and texts drawn from pools. */
function randomTasks(count: number, capacity: number, seed: number, oddIds = true): State {
  const random = prng(seed);
  const pick = <T>(items: T[]) => items[Math.floor(random() * items.length)];
  const { state } = fakeState(capacity);
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const uuid = oddIds && i % 7 === 0 ? `Job-${i}` : crypto.randomUUID();
    const parent = ids.length > 0 && random() < 0.3 ? pick(ids) : null;
    ids.push(uuid);
    const at = T0 + i;
    const hostname = pick(HOSTS);
    state.apply(taskEvent("received", uuid, {
      name: pick(NAMES),
      hostname,
      args: pick(ARGS),
      kwargs: pick(KWARGS),
      retries: Math.floor(random() * 3),
      parent_id: parent,
      root_id: parent ?? uuid,
      timestamp: at,
    }));
    const end = random();
    if (end < 0.6) {
      state.apply(taskEvent("succeeded", uuid, {
        hostname,
        result: pick(RESULTS),
        runtime: Math.round(random() * 100) / 10,
        timestamp: at + 1,
      }));
    } else if (end < 0.8) {
      state.apply(taskEvent("failed", uuid, {
        hostname,
        exception: pick(EXCEPTIONS),
        timestamp: at + 2,
      }));
    } else if (end < 0.85) {
      state.apply(taskEvent("custom", uuid, { hostname, timestamp: at + 3 }));
    }
  }
  return state;
}

const RANDOM_QUERIES = [
  "timeout",
  "customer",
  "strasse",
  "café",
  "été",
  "job-1",
  "JOB-14",
  "celery",
  "w2@",
  "failure",
  "custom",
  "name:send_welcome",
  "name:tasks",
  "worker:celery@w",
  "state:FAILURE",
  "state:custom",
  "state:nothing",
  "args:customer",
  "kwargs:priority",
  "kwargs:priority=high",
  "kwargs:priority=5",
  "kwargs:k=",
  'kwargs:x="a b"',
  '"kwargs:tags=[1, 2]"',
  "kwargs:who=none",
  "result:timeout",
  "exception:boom",
  "exception:customer",
  "retries>=1",
  "retries=0",
  "runtime>5",
  "runtime<=2.5",
  `received>${T0 + 3000}`,
  `succeeded<${T0 + 100}`,
  "-state:SUCCESS",
  "NOT name:tasks",
  "(state:FAILURE OR state:RETRY) exception:boom",
  "name:add OR name:echo",
  "customer -result:timeout",
  "NOT (timeout OR customer)",
  "state:SUCCESS runtime>9",
  "uuid:job-2",
  "uuid:0",
  "state:FAILURE -(name:add OR worker:@w1)",
];

test("the store's search answers as the reference matcher on every task", () => {
  const state = randomTasks(6000, 5000, 7);
  const all = state.tasks(query());
  assert.equal(all.length, 5000);
  let nonEmpty = 0;
  const check = (text: string) => {
    const search = compiled(text);
    const expected = all.filter((task) => search.matches(task)).map((t) => t.uuid).sort();
    if (expected.length > 0) nonEmpty++;
    assert.deepEqual(uuids(state.tasks(query({ search }))).sort(), expected, text);
    assert.equal(state.countTasks(query({ search })), expected.length, text);
  };
  for (const text of RANDOM_QUERIES) check(text);
  // Links: pick ids that are parents and roots of held tasks.
  const parent = all.find((task) => task.parent_id !== null)!.parent_id!;
  check(`parent:${parent}`);
  check(`root:${parent}`);
  check(`uuid:${all[10].uuid.slice(0, 6)}`);
  // The workload must exercise matches, not only empty answers.
  assert.ok(nonEmpty >= RANDOM_QUERIES.length - 3, `only ${nonEmpty} queries matched anything`);
});

test("uuid:, root: and parent: answer as the reference over canonical ids, held or evicted", () => {
  // Only canonical ids: every chunk is decided by the ids' integer keys, not their text.
  const state = randomTasks(6000, 5000, 5, false);
  const all = state.tasks(query());
  const held = new Set(all.map((task) => task.uuid));
  const check = (text: string) => {
    const search = compiled(text);
    const expected = all.filter((task) => search.matches(task)).map((t) => t.uuid).sort();
    assert.deepEqual(uuids(state.tasks(query({ search }))).sort(), expected, text);
    return expected.length;
  };
  const id = all[123].uuid;
  for (const length of [1, 2, 4, 7, 8, 9, 13, 36]) {
    assert.ok(check(`uuid:${id.slice(0, length)}`) >= 1, `prefix of ${length}`);
    assert.ok(check(`uuid:${id.slice(0, length).toUpperCase()}`) >= 1, `upper-case ${length}`);
  }
  assert.equal(check(`uuid:${id}0`), 0);
  assert.equal(check("uuid:zz"), 0);
  assert.equal(check("uuid:0123456g"), 0);
  const parents = [...new Set(all.map((task) => task.parent_id).filter((p) => p !== null))];
  const evicted = parents.find((p) => !held.has(p!))!;
  const kept = parents.find((p) => held.has(p!))!;
  assert.ok(evicted && kept);
  for (const link of [evicted, kept]) {
    assert.ok(check(`parent:${link}`) >= 1, link);
    assert.ok(check(`root:${link}`) >= 1, link);
    assert.equal(check(`parent:${link.toUpperCase()}`), 0, "ids are compared exactly");
  }
  assert.equal(check("root:nothing"), 0);
  assert.equal(check(`root:${id} OR parent:${kept} -state:SUCCESS`) >= 0, true);
  // A task re-parented later leaves its old parent's answer.
  const child = all.find((task) => task.parent_id === kept)!;
  state.apply(taskEvent("received", child.uuid, { parent_id: evicted }));
  assert.ok(
    !uuids(state.tasks(query({ search: compiled(`parent:${kept}`) }))).includes(child.uuid),
  );
  assert.ok(
    uuids(state.tasks(query({ search: compiled(`parent:${evicted}`) }))).includes(child.uuid),
  );
});

test("a search sees tasks changed after an earlier search read their chunk", () => {
  const state = randomTasks(3000, 3000, 11);
  const before = compiled("result:zebra-crossing");
  assert.deepEqual(state.tasks(query({ search: before })), []);
  const old = state.tasks(query()).at(-1)!.uuid;
  state.apply(taskEvent("succeeded", old, { result: "'Zebra-Crossing'" }));
  assert.deepEqual(uuids(state.tasks(query({ search: before }))), [old]);
});

test("search combines with the filters, the received range, sorting and paging", () => {
  const state = randomTasks(2000, 2000, 3);
  const search = compiled("name:tasks -state:FAILURE");
  const filters = { workername: "celery@w1", state: "SUCCESS" };
  const all = state.tasks(query());
  const expected = all.filter((task) =>
    search.matches(task) && task.worker === "celery@w1" && task.state === "SUCCESS" &&
    task.received! >= T0 + 100 && task.received! <= T0 + 1500
  );
  const base = { ...filters, search, receivedStart: T0 + 100, receivedEnd: T0 + 1500 };
  // Unsorted: the same order as the listing without a search.
  assert.deepEqual(uuids(state.tasks(query(base))), uuids(expected));
  assert.equal(state.countTasks(query(base)), expected.length);
  const page = state.tasks(query({ ...base, offset: 5, limit: 10 }));
  assert.deepEqual(uuids(page), uuids(expected).slice(5, 15));
  const byReceived = [...expected].sort((a, b) => b.received! - a.received!);
  const sorted = state.tasks(query({ ...base, sortBy: "received", descending: true, limit: 7 }));
  assert.deepEqual(uuids(sorted), uuids(byReceived).slice(0, 7));
  const byName = state.tasks(query({ ...base, sortBy: "name", offset: 3, limit: 4 }));
  const names = state.tasks(
    query({ ...filters, sortBy: "name", receivedStart: T0 + 100, receivedEnd: T0 + 1500 }),
  )
    .filter((task) => search.matches(task));
  assert.deepEqual(uuids(byName), uuids(names).slice(3, 7));
});

test("a top-level state, name or worker term walks only that list, and none when nobody has it", () => {
  const state = randomTasks(500, 500, 5);
  const failures = state.tasks(query({ state: "FAILURE" }));
  assert.ok(failures.length > 50);
  assert.deepEqual(
    uuids(state.tasks(query({ search: compiled("state:failure") }))),
    uuids(failures),
  );
  assert.deepEqual(state.tasks(query({ search: compiled("state:UNKNOWN timeout") })), []);
  assert.equal(state.countTasks(query({ search: compiled("name:nothing-like-it") })), 0);
});

test("an empty search matches every task", () => {
  const state = randomTasks(100, 100, 9);
  assert.equal(state.countTasks(query({ search: compiled("  ") })), 100);
});
