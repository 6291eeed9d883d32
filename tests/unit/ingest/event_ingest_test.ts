import { test } from "node:test";
import assert from "node:assert/strict";
import { EventHub } from "../../../src/ingest/event_hub.ts";
import { EventIngest } from "../../../src/ingest/event_ingest.ts";
import type { CeleryEvent } from "../../../src/state/types.ts";

function setup(apply: (event: CeleryEvent) => void = () => {}) {
  const applied: CeleryEvent[] = [];
  const ingest = new EventIngest({
    prepare: (raw) => ({ ...raw, clock: raw.clock ?? 0, local_received: 1 }),
    apply: (event) => {
      apply(event);
      applied.push(event);
    },
    hub: new EventHub(),
  });
  return { ingest, applied };
}

const message = (body: unknown, routingKey = "task.multi") => ({
  routingKey,
  body: new TextEncoder().encode(typeof body === "string" ? body : JSON.stringify(body)),
  contentType: "application/json",
});

test("valid events reach the state and malformed ones are counted by reason", () => {
  const { ingest, applied } = setup();
  const event = { type: "task-received", uuid: "a", hostname: "w", timestamp: 1, clock: 1 };
  ingest.handle(message("not json", "task.received"));
  ingest.handle(message([event, { type: "task-received" }, event]));
  ingest.handle(message({ ...event, type: "nothing" }, "task.received"));
  assert.equal(applied.length, 2);
  assert.equal(ingest.stats().messages, 3);
  assert.equal(ingest.stats().events, 2);
  assert.deepEqual(ingest.stats().rejected, { bad_json: 1, invalid_fields: 1, unknown_type: 1 });
});

test("an event that makes the state throw is counted and the next one still applies", () => {
  const { ingest, applied } = setup((event) => {
    if (event.uuid === "boom") throw new Error("broken");
  });
  const base = { type: "task-received", hostname: "w", timestamp: 1, clock: 1 };
  ingest.handle(message([{ ...base, uuid: "boom" }, { ...base, uuid: "fine" }]));
  assert.deepEqual(applied.map((e) => e.uuid), ["fine"]);
  assert.equal(ingest.stats().rejected.apply_failed, 1);
});

test("applied events reach the hub; a throwing listener is not an apply failure", () => {
  const hub = new EventHub();
  const heard: string[] = [];
  hub.subscribe(() => {
    throw new Error("listener bug");
  });
  hub.subscribe((event) => heard.push(String(event.uuid)));
  const ingest = new EventIngest({
    prepare: (raw) => ({ ...raw, clock: raw.clock ?? 0, local_received: 1 }),
    apply: (event) => {
      if (event.uuid === "boom") throw new Error("broken");
    },
    hub,
  });
  const base = { type: "task-received", hostname: "w", timestamp: 1, clock: 1 };
  ingest.handle(message([{ ...base, uuid: "boom" }, { ...base, uuid: "fine" }]));
  assert.deepEqual(heard, ["fine"], "an event the state refused is not published");
  assert.equal(ingest.stats().events, 1);
  assert.deepEqual(ingest.stats().rejected, { apply_failed: 1 });
});
