import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import {
  bindingMember,
  controlChannels,
  decodeEnvelope,
  defaultNaming,
  encodeEnvelope,
  eventPatterns,
  fanoutChannel,
  namingFromOptions,
  queueKeyFor,
  queueKeys,
} from "../../../src/celery/kombu_redis.ts";
import { decodeEventMessage } from "../../../src/celery/events.ts";

const recorded: { events: { channel: string; message: string }[]; task_idle_q_priority_7: string } =
  JSON
    .parse(
      readFileSync(
        new URL("../../fixtures/events/celery_5.2.6_redis.json", import.meta.url),
        "utf8",
      ),
    );

test("envelopes a real worker published on Redis unwrap into valid events", () => {
  assert.ok(recorded.events.length > 0);
  for (const { channel, message } of recorded.events) {
    const envelope = decodeEnvelope(message);
    assert.equal(channel, `/7.celeryev/${envelope.routingKey}`);
    const decoded = decodeEventMessage(envelope.body, envelope.contentType);
    assert.deepEqual(decoded.rejections, []);
    assert.ok(decoded.events.length >= 1);
  }
});

test("the event patterns match the channels real workers publish on", () => {
  const patterns = eventPatterns(defaultNaming("7"));
  assert.ok(patterns.includes("/7.celeryev/*"));
  assert.ok(patterns.includes("/7.celeryev"), "fanout_patterns=false form");
  assert.ok(patterns.includes("/{db}.celeryev/*"), "kombu 5.2.4 Sentinel form");
});

test("a priority-7 task lands on the step-6 list, as the real client put it", () => {
  const naming = defaultNaming("7");
  assert.equal(queueKeyFor(naming, "idle-q", 7), "idle-q\x06\x166");
  assert.equal(queueKeyFor(naming, "idle-q", 0), "idle-q");
  assert.equal(queueKeyFor(naming, "idle-q", 2), "idle-q");
  assert.equal(queueKeyFor(naming, "idle-q", 9), "idle-q\x06\x169");
  assert.equal(queueKeyFor(naming, "idle-q", 42), "idle-q\x06\x169");
  const task = decodeEnvelope(recorded.task_idle_q_priority_7);
  assert.equal(task.headers.task, "tasks.add");
  assert.deepEqual(JSON.parse(new TextDecoder().decode(task.body))[0], [5, 6]);
});

test("queue keys list every priority step with the global prefix", () => {
  const naming = namingFromOptions("0", { global_keyprefix: "pfx:", priority_steps: [0, 5] });
  assert.deepEqual(queueKeys(naming, "q"), ["pfx:q", "pfx:q\x06\x165"]);
  assert.equal(fanoutChannel(naming, "celery.pidbox"), "pfx:/0.celery.pidbox");
  assert.equal(fanoutChannel(naming, "celeryev", "task.multi"), "pfx:/0.celeryev/task.multi");
});

test("fanout_prefix and fanout_patterns change channel names as kombu does", () => {
  assert.equal(
    fanoutChannel(namingFromOptions("0", { fanout_prefix: false }), "celeryev", "x"),
    "celeryev/x",
  );
  assert.equal(
    fanoutChannel(namingFromOptions("0", { fanout_patterns: false }), "celeryev", "x"),
    "/0.celeryev",
  );
});

test("a bad transport option is an error naming it", () => {
  assert.throws(() => namingFromOptions("0", { priority_steps: [0, 12] }), /priority_steps/);
  assert.throws(() => namingFromOptions("0", { sep: 5 }), /sep/);
});

test("binding members join routing key, pattern and queue with the separator", () => {
  assert.equal(
    bindingMember(defaultNaming("0"), "oid", "oid.reply.celery.pidbox"),
    "oid\x06\x16\x06\x16oid.reply.celery.pidbox",
  );
});

test("an envelope Stalk writes round-trips with kombu's fields", () => {
  const text = encodeEnvelope({
    body: '{"method":"ping","é":1}',
    headers: { clock: 1 },
    exchange: "celery.pidbox",
    routingKey: "",
  });
  const raw = JSON.parse(text);
  assert.equal(raw["content-type"], "application/json");
  assert.equal(raw.properties.body_encoding, "base64");
  assert.equal(typeof raw.properties.delivery_tag, "string");
  assert.deepEqual(raw.properties.delivery_info, { exchange: "celery.pidbox", routing_key: "" });
  const back = decodeEnvelope(text);
  assert.equal(new TextDecoder().decode(back.body), '{"method":"ping","é":1}');
});

test("something that is not an envelope is refused", () => {
  assert.throws(() => decodeEnvelope('{"nobody": 1}'), /not a kombu envelope/);
  assert.throws(() => decodeEnvelope("nope"));
});

test("behind Sentinel a broadcast also goes where kombu 5.2's Sentinel channel listens", () => {
  const naming = defaultNaming("0");
  assert.deepEqual(controlChannels(naming, "celery.pidbox", false), ["/0.celery.pidbox"]);
  assert.deepEqual(controlChannels(naming, "celery.pidbox", true), [
    "/0.celery.pidbox",
    "/{db}.celery.pidbox",
  ]);
  const bare = { ...naming, fanoutPrefix: "" };
  assert.deepEqual(controlChannels(bare, "celery.pidbox", true), ["celery.pidbox"]);
});
