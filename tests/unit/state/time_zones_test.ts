import { test } from "node:test";
import assert from "node:assert/strict";
import type { TaskJson, TaskQuery } from "../../../src/state/types.ts";
import { TimeZones, ZONE_SLOTS } from "../../../src/state/time_zones.ts";
import { fakeState, query, T0, taskEvent, uuids } from "./_events.ts";

/** mulberry32, so a failure reproduces. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test("zone bounds widen with every write and order blocks by them", () => {
  const zones = new TimeZones(ZONE_SLOTS * 3);
  zones.note(0, 5);
  zones.note(1, NaN);
  zones.note(ZONE_SLOTS, 9);
  zones.note(ZONE_SLOTS * 2 + 7, 7);
  assert.deepEqual([zones.hi(0), zones.lo(0)], [5, -Infinity]);
  assert.deepEqual([...zones.order(ZONE_SLOTS * 3, true)], [1, 2, 0]);
  assert.deepEqual([...zones.order(ZONE_SLOTS * 3, false)], [0, 2, 1]);
  // Only blocks holding slots below `size` are listed.
  assert.deepEqual([...zones.order(ZONE_SLOTS + 1, true)], [1, 0]);
  zones.reset(0, 5, 5);
  assert.deepEqual([zones.hi(0), zones.lo(0)], [5, 5]);
});

/** Flower's order: (has value, value, uuid) ascending; descending reverses it all. */
function reference(all: TaskJson[], field: "received" | "started", descending: boolean) {
  const sorted = [...all].sort((a, b) => {
    const x = a[field];
    const y = b[field];
    if (x === null || y === null) {
      if (x !== y) return x === null ? -1 : 1;
    } else if (x !== y) return x - y;
    return a.uuid < b.uuid ? -1 : a.uuid > b.uuid ? 1 : 0;
  });
  return descending ? sorted.reverse() : sorted;
}

test("time sorts over many blocks, wrapped and filtered, match a full sort", () => {
  const r = prng(5);
  const capacity = ZONE_SLOTS * 5 + 123;
  const { state } = fakeState(capacity, 50);
  const names = ["a.x", "b.y", "c.z"];
  const states = ["succeeded", "failed", "started"];
  for (let i = 0; i < capacity * 1.6; i++) {
    const uuid = `t${Math.floor(r() * 1e9).toString(36)}-${i}`;
    const worker = `w${i % 4}`;
    // Times drift upwards as on a live stream, but with jitter and some ties.
    const at = T0 + Math.floor(i / 3) + Math.floor(r() * 50);
    if (r() < 0.9) {
      state.apply(taskEvent("received", uuid, {
        timestamp: at,
        hostname: worker,
        name: names[i % 3],
      }));
    }
    if (r() < 0.8) {
      state.apply(taskEvent(states[i % 3], uuid, { timestamp: at + 1, hostname: worker }));
    }
    // A late received with an earlier time lowers a value inside an older block.
    if (r() < 0.01) {
      const page = state.tasks(query({ limit: 1, offset: Math.floor(r() * 1000) }));
      if (page[0]) state.apply(taskEvent("received", page[0].uuid, { timestamp: T0 - 5 }));
    }
    if (i % 9000 !== 8999) continue;
    const all = state.tasks(query());
    for (const field of ["received", "started"] as const) {
      for (const descending of [true, false]) {
        for (
          const filter of [{}, { state: "SUCCESS" }, { taskname: "b.y" }, { workername: "w1" }]
        ) {
          for (const [offset, limit] of [[0, 100], [37, 5], [0, 1]]) {
            const q: Partial<TaskQuery> = { sortBy: field, descending, offset, limit, ...filter };
            const matching = state.tasks(query({ ...filter }));
            const expected = reference(matching, field, descending).slice(offset, offset + limit);
            assert.deepEqual(
              uuids(state.tasks(query(q))),
              uuids(expected),
              `${JSON.stringify(q)} after ${i + 1} tasks (${all.length} held)`,
            );
          }
        }
      }
    }
  }
});

test("equal times across blocks are still ordered by uuid", () => {
  const { state } = fakeState(ZONE_SLOTS * 3);
  // The largest uuids are created last, in the last block; the smallest first.
  for (let i = 0; i < ZONE_SLOTS * 3; i++) {
    const uuid = `t${String(i).padStart(6, "0")}`;
    state.apply(taskEvent("received", uuid, { timestamp: T0 }));
    state.apply(taskEvent("started", uuid, { timestamp: T0 }));
  }
  const last = ZONE_SLOTS * 3 - 1;
  const down = uuids(state.tasks(query({ sortBy: "received", descending: true, limit: 3 })));
  assert.deepEqual(down, [last, last - 1, last - 2].map((i) => `t${String(i).padStart(6, "0")}`));
  const up = uuids(state.tasks(query({ sortBy: "started", limit: 2 })));
  assert.deepEqual(up, ["t000000", "t000001"]);
});
