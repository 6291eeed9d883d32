import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import {
  decodeEventMessage,
  DEFAULT_LIMITS,
  validateEvent,
  validateEventReference,
} from "../../../src/celery/events.ts";
import { fastAccepts } from "../../../src/celery/_event_fast_path.ts";

// The fast path must decide exactly as the valibot schemas do. These tests throw many random,
// mostly malformed events at both and compare verdicts, reasons, messages and outputs.

/** mulberry32: a seeded PRNG, so a failure reproduces. */
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

const recorded: { body: string }[] = JSON.parse(
  readFileSync(new URL("../../fixtures/events/celery_5.2.6_amqp.json", import.meta.url), "utf8"),
);
const realEvents: Record<string, unknown>[] = recorded.flatMap((m) => {
  const parsed = JSON.parse(m.body);
  return Array.isArray(parsed) ? parsed : [parsed];
});

const FIELDS = [
  "type",
  "hostname",
  "timestamp",
  "clock",
  "utcoffset",
  "pid",
  "uuid",
  "name",
  "args",
  "kwargs",
  "retries",
  "eta",
  "expires",
  "root_id",
  "parent_id",
  "result",
  "runtime",
  "exception",
  "traceback",
  "exchange",
  "routing_key",
  "freq",
  "active",
  "processed",
  "loadavg",
  "sw_ident",
  "sw_ver",
  "sw_sys",
  "custom",
  "__proto__",
  "constructor",
  "prototype",
];

function nested(depth: number, array: boolean): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = array ? [value] : { x: value };
  return value;
}

/** A value of any JSON type, biased towards the edges the schemas care about. */
function randomValue(r: () => number): unknown {
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)];
  switch (Math.floor(r() * 9)) {
    case 0:
      return pick([null, undefined, true, false]);
    case 1:
      return pick([0, -0, 1, -1, 2.5, -2.5, 1e300, 2 ** 53, -(2 ** 31), NaN, Infinity, -Infinity]);
    case 2:
      return pick([
        "",
        "x",
        "task-received",
        "worker-heartbeat",
        "celery@w1",
        "ü",
        "a".repeat(256),
      ]);
    case 3:
      return pick(["a".repeat(257), "a".repeat(1024), "a".repeat(1025), "task-" + "a".repeat(251)]);
    case 4:
      return pick([[], [1, 2, 3], [1, 2, 3, 4], [0.5, "x"], [NaN], [Infinity], [[1]], [null]]);
    case 5:
      return nested(Math.floor(r() * 20), r() < 0.5);
    case 6:
      return { nested: nested(Math.floor(r() * 4), false), list: [1, { y: 2 }] };
    case 7:
      return Math.floor(r() * 1e6) / (r() < 0.5 ? 1 : 7);
    default:
      return "tasks.add";
  }
}

/** A real event, then a few random edits: delete, overwrite, add, retype. */
function randomEvent(r: () => number): unknown {
  if (r() < 0.03) return randomValue(r);
  const base = { ...realEvents[Math.floor(r() * realEvents.length)] };
  const edits = Math.floor(r() * 4);
  for (let i = 0; i < edits; i++) {
    const field = FIELDS[Math.floor(r() * FIELDS.length)];
    const action = r();
    if (action < 0.25) delete base[field];
    else if (field === "type" && action < 0.6) {
      base.type = ["task-custom", "worker-online", "worker-", "task-", "bogus", "Task-x"][
        Math.floor(r() * 6)
      ];
    } else {
      Object.defineProperty(base, field, {
        value: randomValue(r),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
  }
  return base;
}

/** Drops `undefined`-valued keys' order differences: deepEqual compares keys regardless of order. */
function sameVerdict(item: unknown, maxDepth: number, label: string): void {
  const fast = validateEvent(item, maxDepth);
  const reference = validateEventReference(item, maxDepth);
  assert.equal(fast.ok, reference.ok, label);
  if (fast.ok && reference.ok) assert.deepEqual(fast.event, reference.event, label);
  if (!fast.ok && !reference.ok) assert.deepEqual(fast.rejection, reference.rejection, label);
}

test("the fast path and the valibot schemas agree on 30,000 random, mostly malformed events", () => {
  const r = prng(20240611);
  let accepted = 0;
  for (let i = 0; i < 30_000; i++) {
    const item = randomEvent(r);
    const maxDepth = [16, 16, 16, 2, 1, 0, 3][i % 7];
    sameVerdict(item, maxDepth, `case ${i}: ${JSON.stringify(item)?.slice(0, 300)}`);
    if (validateEvent(item, maxDepth).ok) accepted++;
  }
  // Both outcomes must be well represented, or the comparison proves little.
  assert.ok(accepted > 3_000 && accepted < 27_000, `accepted ${accepted}`);
});

test("the fast path agrees on events that went through JSON, as the broker delivers them", () => {
  const r = prng(7);
  for (let i = 0; i < 10_000; i++) {
    const text = JSON.stringify(randomEvent(r));
    if (text === undefined) continue;
    sameVerdict(JSON.parse(text), DEFAULT_LIMITS.maxDepth, text.slice(0, 300));
  }
});

test("the fast path accepts every recorded Celery event and returns it as is", () => {
  for (const event of realEvents) {
    assert.equal(fastAccepts(event, DEFAULT_LIMITS.maxDepth), true, JSON.stringify(event));
    const result = validateEvent(event, DEFAULT_LIMITS.maxDepth);
    assert.ok(result.ok);
    assert.equal(result.event, event);
  }
});

test("the fast path leaves to the schemas what it does not certainly accept", () => {
  const event = { ...realEvents[2] };
  const proto = JSON.parse(
    `{"__proto__": 1, "type": "task-x", "uuid": "u", "hostname": "h", "timestamp": 1}`,
  );
  assert.equal(fastAccepts(proto, 16), false);
  // valibot drops the key from its output, and so the event is still valid.
  assert.equal(validateEvent(proto, 16).ok, true);
  assert.equal(fastAccepts({ ...event, clock: -1 }, 16), false);
  assert.equal(fastAccepts({ ...event, clock: null }, 16), false);
  assert.equal(fastAccepts({ ...event, hostname: "" }, 16), false);
  assert.equal(fastAccepts({ ...event, extra: nested(16, false) }, 16), false);
  assert.equal(fastAccepts({ ...event, extra: nested(14, false) }, 16), true);
});

test("a batch decodes to the same events and rejections through either path", () => {
  const r = prng(99);
  for (let i = 0; i < 300; i++) {
    const batch = Array.from({ length: 1 + Math.floor(r() * 24) }, () => randomEvent(r));
    const decoded = decodeEventMessage(JSON.stringify(batch), "application/json");
    const expected = { events: [] as unknown[], rejections: [] as unknown[] };
    for (const item of JSON.parse(JSON.stringify(batch))) {
      const result = validateEventReference(item, DEFAULT_LIMITS.maxDepth);
      if (result.ok) expected.events.push(result.event);
      else expected.rejections.push(result.rejection);
    }
    assert.deepEqual(decoded, expected);
  }
});
