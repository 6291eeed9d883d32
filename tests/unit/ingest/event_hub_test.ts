import { test } from "node:test";
import assert from "node:assert/strict";
import { EventHub } from "../../../src/ingest/event_hub.ts";
import type { CeleryEvent } from "../../../src/state/types.ts";

const event = (uuid: string): CeleryEvent => ({
  type: "task-received",
  uuid,
  hostname: "celery@w1",
  timestamp: 1,
  clock: 1,
  local_received: 1,
});

test("every listener hears every event, in subscription order", () => {
  const hub = new EventHub();
  const heard: string[] = [];
  hub.subscribe((e) => heard.push(`a:${e.uuid}`));
  hub.subscribe((e) => heard.push(`b:${e.uuid}`));
  hub.publish(event("1"));
  hub.publish(event("2"));
  assert.deepEqual(heard, ["a:1", "b:1", "a:2", "b:2"]);
  assert.equal(hub.stats().published, 2);
});

test("a listener that throws is counted and the listeners after it still hear the event", () => {
  const hub = new EventHub();
  const heard: string[] = [];
  hub.subscribe(() => {
    throw new Error("broken");
  }, { name: "snapshots" });
  hub.subscribe((e) => heard.push(String(e.uuid)));
  hub.publish(event("1"));
  hub.publish(event("2"));
  assert.deepEqual(heard, ["1", "2"]);
  assert.deepEqual(hub.stats().failures, { snapshots: 2 });
});

test("unsubscribing stops delivery, even from inside a delivery", () => {
  const hub = new EventHub();
  const heard: string[] = [];
  const stop = hub.subscribe((e) => {
    heard.push(`once:${e.uuid}`);
    stop();
  });
  const other = hub.subscribe((e) => heard.push(`other:${e.uuid}`));
  hub.publish(event("1"));
  other();
  hub.publish(event("2"));
  assert.deepEqual(heard, ["once:1", "other:1"]);
  assert.equal(hub.stats().listeners, 0);
});
