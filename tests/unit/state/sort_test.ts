import { test } from "node:test";
import assert from "node:assert/strict";
import type { State } from "../../../src/state/state.ts";
import type { TaskJson, TaskQuery } from "../../../src/state/types.ts";
import { fakeState, query, T0, taskEvent, uuids } from "./_events.ts";

function sorted(state: State, fields: Partial<TaskQuery>): string[] {
  return uuids(state.tasks(query(fields)));
}

test("sorting by received puts tasks without it first, ties broken by uuid", () => {
  const { state } = fakeState();
  state.apply(taskEvent("received", "b", { timestamp: T0 + 2 }));
  state.apply(taskEvent("received", "a", { timestamp: T0 + 2 }));
  state.apply(taskEvent("received", "c", { timestamp: T0 + 1 }));
  state.apply(taskEvent("started", "z"));
  state.apply(taskEvent("started", "y"));
  assert.deepEqual(sorted(state, { sortBy: "received" }), ["y", "z", "c", "a", "b"]);
  assert.deepEqual(sorted(state, { sortBy: "received", descending: true }), [
    "b",
    "a",
    "c",
    "z",
    "y",
  ]);
});

test("sorting by started compares numbers, not strings", () => {
  const { state } = fakeState();
  state.apply(taskEvent("started", "ten", { timestamp: 10 }));
  state.apply(taskEvent("started", "nine", { timestamp: 9 }));
  assert.deepEqual(sorted(state, { sortBy: "started" }), ["nine", "ten"]);
});

test("sorting by name ignores case and puts unnamed tasks first", () => {
  const { state } = fakeState();
  state.apply(taskEvent("received", "1", { name: "b.task" }));
  state.apply(taskEvent("received", "2", { name: "A.task" }));
  state.apply(taskEvent("received", "3", { name: "c.task" }));
  state.apply(taskEvent("started", "4"));
  state.apply(taskEvent("received", "0", { name: "a.TASK" }));
  assert.deepEqual(sorted(state, { sortBy: "name" }), ["4", "0", "2", "1", "3"]);
  assert.deepEqual(sorted(state, { sortBy: "name", descending: true }), ["3", "1", "2", "0", "4"]);
  assert.deepEqual(sorted(state, { sortBy: "name", limit: 2 }), ["4", "0"]);
  assert.deepEqual(sorted(state, { sortBy: "name", descending: true, limit: 2, offset: 3 }), [
    "0",
    "4",
  ]);
});

test("sorting by state compares state names", () => {
  const { state } = fakeState();
  state.apply(taskEvent("succeeded", "s"));
  state.apply(taskEvent("failed", "f"));
  state.apply(taskEvent("started", "t"));
  state.apply(taskEvent("progress", "p"));
  assert.deepEqual(sorted(state, { sortBy: "state" }), ["f", "p", "t", "s"]);
  assert.deepEqual(sorted(state, { sortBy: "state", state: "started" }), ["t"]);
});

test("sorted pages are slices of the full order", () => {
  const { state } = fakeState();
  for (let i = 0; i < 20; i++) {
    state.apply(taskEvent("received", `t${i}`, { timestamp: T0 + (i * 7) % 5 }));
  }
  const all = sorted(state, { sortBy: "received" });
  assert.equal(all.length, 20);
  assert.deepEqual(sorted(state, { sortBy: "received", offset: 5, limit: 4 }), all.slice(5, 9));
  const desc = sorted(state, { sortBy: "received", descending: true });
  assert.deepEqual(desc, [...all].reverse());
  assert.deepEqual(
    sorted(state, { sortBy: "received", descending: true, limit: 3 }),
    desc.slice(0, 3),
  );
});

/** The listing as Flower computes it, over plain objects: the reference for random tests. */
function reference(tasks: TaskJson[], q: TaskQuery): string[] {
  const eq = (value: string | null, wanted?: string) =>
    wanted === undefined || wanted === "All" ||
    (value !== null && value.toLowerCase() === wanted.toLowerCase());
  const inRange = (at: number | null) =>
    at === null || ((q.receivedStart ?? -Infinity) <= at && at <= (q.receivedEnd ?? Infinity));
  const matches = tasks.filter((t) =>
    eq(t.name, q.taskname) && eq(t.worker, q.workername) && eq(t.state, q.state) &&
    inRange(t.received)
  );
  if (q.sortBy) {
    const key = q.sortBy;
    const value = (t: TaskJson) => {
      const v = t[key];
      return typeof v === "string" ? v.toLowerCase() : v;
    };
    matches.sort((a, b) => {
      const x = value(a);
      const y = value(b);
      if ((x === null) !== (y === null)) return x === null ? -1 : 1;
      if (x !== y && x !== null && y !== null) return x < y ? -1 : 1;
      return a.uuid < b.uuid ? -1 : a.uuid > b.uuid ? 1 : 0;
    });
    if (q.descending) matches.reverse();
  }
  const end = q.limit === undefined ? undefined : q.offset + q.limit;
  return uuids(matches.slice(q.offset, end));
}

test("random event streams list exactly as a naive filter-and-sort does", () => {
  let seed = 7;
  const random = (n: number) => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) % n;
  const pick = <T>(items: T[]) => items[random(items.length)];
  const { state } = fakeState(60);
  const subjects = ["received", "started", "succeeded", "failed", "retried", "progress", "sent"];
  const names = ["tasks.add", "Tasks.Add", "tasks.mul", undefined];
  const hosts = ["w1", "W1", "w2", "w3"];
  // Recency is the order events were applied in; remember it to check the unsorted listing.
  const touched: string[] = [];
  for (let i = 0; i < 2000; i++) {
    const uuid = `t${random(90)}`;
    const name = pick(names);
    state.apply(taskEvent(pick(subjects), uuid, {
      hostname: pick(hosts),
      timestamp: T0 + random(50),
      ...(name ? { name } : {}),
    }));
    touched.splice(touched.indexOf(uuid) >>> 0, touched.includes(uuid) ? 1 : 0);
    touched.unshift(uuid);
  }
  const held = touched.filter((uuid) => state.task(uuid)).map((uuid) => state.task(uuid)!);
  assert.equal(held.length, state.taskCount);
  for (let i = 0; i < 400; i++) {
    const q: TaskQuery = {
      offset: random(4) === 0 ? random(30) : 0,
      limit: random(3) === 0 ? undefined : random(25),
      descending: random(2) === 0,
      sortBy: pick([undefined, "name", "state", "received", "started"] as const),
      taskname: pick([undefined, undefined, "tasks.add", "TASKS.MUL", "All", "none"]),
      workername: pick([undefined, undefined, "w1", "w3"]),
      state: pick([undefined, undefined, "success", "PROGRESS", "pending"]),
      receivedStart: random(4) === 0 ? T0 + random(50) : undefined,
      receivedEnd: random(4) === 0 ? T0 + random(50) : undefined,
    };
    const expected = reference(held, q);
    assert.deepEqual(uuids(state.tasks(q)), expected, JSON.stringify(q));
    const count = reference(held, { ...q, offset: 0, limit: undefined }).length;
    assert.equal(state.countTasks(q), count, JSON.stringify(q));
  }
});

for (const unnamed of [true, false]) {
  test(
    `deep pages and tie-heavy sorts, read by rank, are the naive order's slices${
      unnamed ? ", some tasks unnamed" : ""
    }`,
    () => deepPages(unnamed),
  );
}

function deepPages(unnamed: boolean): void {
  let seed = 11;
  const random = (n: number) => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) % n;
  const pick = <T>(items: T[]) => items[random(items.length)];
  const { state } = fakeState(5000);
  const subjects = ["received", "received", "started", "succeeded", "failed", "sent"];
  const names = ["tasks.add", "Tasks.Add", "tasks.mul", "a", ...(unnamed ? [undefined] : [])];
  for (let i = 0; i < 6000; i++) {
    // Some canonical uuids, some short ids sharing long prefixes: both orders of ties.
    const uuid = i % 3 === 0 ? crypto.randomUUID() : `task-${(i * 7919) % 20_000}`;
    const name = pick(names);
    state.apply(taskEvent(pick(subjects), uuid, {
      hostname: pick(["w1", "w2"]),
      // Few distinct times: large ties, and tasks without one.
      timestamp: T0 + random(40) / 4,
      ...(name ? { name } : {}),
    }));
  }
  const held = state.tasks(query({}));
  assert.equal(held.length, 5000);
  for (let i = 0; i < 50; i++) {
    const q: TaskQuery = {
      offset: pick([0, 15, 2040, 3000, 2500 + random(2000), held.length - 20, held.length + 5]),
      limit: pick([1, 15, 100, 1000]),
      descending: random(2) === 0,
      sortBy: pick(["name", "state", "received", "started"] as const),
      state: pick([undefined, undefined, "success", "RECEIVED"]),
      taskname: pick([undefined, undefined, "tasks.add"]),
    };
    assert.deepEqual(uuids(state.tasks(q)), reference(held, q), JSON.stringify(q));
  }
}
