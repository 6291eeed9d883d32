import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { decodeEventMessage, decodeEvents, DEFAULT_LIMITS } from "../../../src/celery/events.ts";

interface Recorded {
  routingKey: string;
  contentType: string;
  body: string;
}

const recorded: Recorded[] = JSON.parse(
  readFileSync(new URL("../../fixtures/events/celery_5.2.6_amqp.json", import.meta.url), "utf8"),
);
const encode = (text: string) => new TextEncoder().encode(text);

test("every message a real Celery 5.2.6 worker and client sent decodes without rejections", () => {
  let events = 0;
  for (const message of recorded) {
    const decoded = decodeEventMessage(encode(message.body), message.contentType);
    assert.deepEqual(decoded.rejections, [], message.body.slice(0, 120));
    events += decoded.events.length;
  }
  assert.ok(events >= recorded.length);
});

test("a task.multi batch decodes into one event per element, in order", () => {
  const batch = recorded.find((m) =>
    m.routingKey === "task.multi" && m.body.includes("task-received")
  );
  assert.ok(batch);
  const decoded = decodeEventMessage(encode(batch.body), "application/json");
  assert.equal(decoded.events.length, JSON.parse(batch.body).length);
  assert.equal(decoded.events[0].type, "task-received");
  assert.equal(typeof decoded.events[0].uuid, "string");
});

test("a single worker event keeps its fields", () => {
  const online = recorded.find((m) => m.routingKey === "worker.online");
  assert.ok(online);
  const [event] = decodeEventMessage(online.body, online.contentType).events;
  assert.equal(event.type, "worker-online");
  assert.equal(event.freq, 2);
  assert.equal(event.sw_ident, "py-celery");
});

const base = { hostname: "celery@w1", timestamp: 1, clock: 1 };

test("bad JSON, a foreign content type and an oversized body are rejected whole", () => {
  assert.equal(decodeEventMessage("{nope", undefined).rejections[0].reason, "bad_json");
  assert.equal(decodeEventMessage(encode("\xff"), undefined).rejections[0]?.reason, "bad_json");
  assert.equal(
    decodeEventMessage("{}", "application/x-python-serialize").rejections[0].reason,
    "content_type",
  );
  const limits = { ...DEFAULT_LIMITS, maxBytes: 10 };
  assert.equal(
    decodeEventMessage("[" + " ".repeat(20) + "]", undefined, limits).rejections[0].reason,
    "too_large",
  );
});

test("a bad event in a batch is dropped and the good ones beside it are kept", () => {
  const batch = JSON.stringify([
    { ...base, type: "task-received", uuid: "a", name: "tasks.add" },
    { ...base, type: "task-started" },
    { ...base, type: "task-started", uuid: "b", timestamp: "yesterday" },
    { ...base, type: "task-received", uuid: "c", retries: "many" },
    { ...base, type: "bogus-event", uuid: "d" },
    42,
    { ...base, type: "task-succeeded", uuid: "a", result: "3" },
  ]);
  const decoded = decodeEventMessage(batch, "application/json");
  assert.deepEqual(decoded.events.map((e) => e.uuid), ["a", "a"]);
  assert.deepEqual(decoded.rejections.map((r) => r.reason), [
    "invalid_fields",
    "invalid_fields",
    "invalid_fields",
    "unknown_type",
    "not_an_event",
  ]);
  assert.match(decoded.rejections[0].detail, /uuid/);
});

test("a deeply nested event is rejected", () => {
  let deep: unknown = 1;
  for (let i = 0; i < 100; i++) deep = { x: deep };
  const decoded = decodeEventMessage(
    JSON.stringify({ ...base, type: "task-received", uuid: "a", extra: deep }),
    undefined,
  );
  assert.equal(decoded.rejections[0].reason, "too_deep");
});

test("worker events need numeric timestamps and a numeric loadavg", () => {
  const bad = decodeEventMessage(
    JSON.stringify({ ...base, type: "worker-heartbeat", loadavg: ["x"] }),
    undefined,
  );
  assert.equal(bad.rejections[0].reason, "invalid_fields");
  const missing = decodeEventMessage(
    JSON.stringify({ type: "worker-heartbeat", hostname: "w" }),
    undefined,
  );
  assert.equal(missing.rejections[0].reason, "invalid_fields");
});

test("custom task event types are accepted", () => {
  const decoded = decodeEventMessage(
    JSON.stringify({ ...base, type: "task-progress", uuid: "a", current: 5 }),
    undefined,
  );
  assert.equal(decoded.events[0].type, "task-progress");
});

test("the visitor gets events and rejections one by one, in body order", () => {
  const seen: string[] = [];
  decodeEvents(
    JSON.stringify([
      { ...base, type: "task-received", uuid: "a" },
      { ...base, type: "bogus" },
      { ...base, type: "task-started", uuid: "a" },
    ]),
    "application/json",
    {
      event: (event) => seen.push(`${event.type}:${event.uuid}`),
      reject: (reason) => seen.push(reason),
    },
  );
  assert.deepEqual(seen, ["task-received:a", "unknown_type", "task-started:a"]);
});

test("a JSON content type is recognised in any case and with parameters", () => {
  for (const type of ["application/json", "Application/JSON", "application/json; charset=utf-8"]) {
    assert.deepEqual(decodeEventMessage("{}", type).rejections[0].reason, "invalid_fields");
  }
});

test("a body with a real U+FFFD decodes, and one with a broken UTF-8 byte is bad JSON", () => {
  const event = { ...base, type: "task-received", uuid: "a", args: "(\uFFFD,)" };
  const decoded = decodeEventMessage(encode(JSON.stringify(event)), "application/json");
  assert.equal(decoded.events[0]?.args, "(\uFFFD,)");
  const bytes = encode(JSON.stringify({ ...event, args: "(x,)" }));
  bytes[bytes.indexOf("x".charCodeAt(0), bytes.indexOf(0x28))] = 0xc3;
  assert.equal(decodeEventMessage(bytes, "application/json").rejections[0]?.reason, "bad_json");
});
