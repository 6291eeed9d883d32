import { test } from "node:test";
import assert from "node:assert/strict";
import { buildTaskMessage } from "../../../src/celery/task_message.ts";
import { parseTaskRequest, resolveRoute } from "../../../src/celery/task_options.ts";
import {
  buildTaskSentEvent,
  eventRoutingKey,
  sentEventQueue,
} from "../../../src/celery/task_sent_event.ts";

const SENDER = {
  hostname: "gen42@client",
  pid: 42,
  clock: 7,
  utcoffset: 0,
  timestamp: 1_714_953_600.25,
};

function sentEvent(body: unknown) {
  const request = parseTaskRequest(body);
  const message = buildTaskMessage("tasks.add", request.args, request.kwargs, request.options, {
    id: "id-1",
    origin: "gen42@client",
    replyTo: "oid",
    now: 1_714_953_600_250,
  });
  const route = resolveRoute(request.options);
  return buildTaskSentEvent(message, route, sentEventQueue(request.options), SENDER);
}

test("task-sent has Celery's keys in Celery's order", () => {
  const event = sentEvent({ args: [4, 5], kwargs: { z: 1 } });
  // EventDispatcher.publish: hostname, utcoffset, pid, clock, then as_task_v2's sent_event,
  // then send_task_message's queue, exchange, routing_key, then Event()'s timestamp and type.
  assert.deepEqual(event, {
    hostname: "gen42@client",
    utcoffset: 0,
    pid: 42,
    clock: 7,
    uuid: "id-1",
    root_id: "id-1",
    parent_id: null,
    name: "tasks.add",
    args: "[4, 5]",
    kwargs: "{'z': 1}",
    retries: 0,
    eta: null,
    expires: null,
    queue: "celery",
    exchange: "",
    routing_key: "celery",
    timestamp: 1_714_953_600.25,
    type: "task-sent",
  });
  assert.deepEqual(Object.keys(event).slice(-5), [
    "queue",
    "exchange",
    "routing_key",
    "timestamp",
    "type",
  ]);
});

test("task-sent carries the eta, the expiry and the ids the message carries", () => {
  const event = sentEvent({
    countdown: 10,
    expires: 60,
    root_id: "r",
    parent_id: "p",
    retries: 2,
  });
  assert.equal(event.eta, "2024-05-06T00:00:10.250000+00:00");
  assert.equal(event.expires, "2024-05-06T00:01:00.250000+00:00");
  assert.deepEqual([event.root_id, event.parent_id, event.retries], ["r", "p", 2]);
});

test("the queue is the one asked for, the default without an exchange, else null", () => {
  assert.equal(sentEvent({ queue: "q1" }).queue, "q1");
  assert.equal(sentEvent({}).queue, "celery");
  const routed = sentEvent({ exchange: "ex", routing_key: "rk" });
  assert.deepEqual([routed.queue, routed.exchange, routed.routing_key], [null, "ex", "rk"]);
});

test("an event type becomes its routing key with dots", () => {
  assert.equal(eventRoutingKey("task-sent"), "task.sent");
  assert.equal(eventRoutingKey("worker-heart-beat"), "worker.heart.beat");
});
