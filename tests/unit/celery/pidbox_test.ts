import { test } from "node:test";
import assert from "node:assert/strict";
import { controlRequest } from "../../../src/celery/pidbox.ts";

test("a broadcast without replies carries no ticket or reply_to", () => {
  const message = controlRequest("enable_events", {}, 7, {}, 1000);
  assert.deepEqual(message.body, {
    method: "enable_events",
    arguments: {},
    destination: null,
    pattern: null,
    matcher: null,
  });
  assert.deepEqual(message.headers, { clock: 7, expires: 0 });
});

test("a request for replies names the reply exchange, routing key and a ticket", () => {
  const message = controlRequest("ping", {}, 1, {
    destination: ["celery@w1"],
    replyTo: { exchange: "reply.celery.pidbox", routingKey: "oid-1" },
    ticket: "t-1",
    timeout: 1.5,
  }, 1000.2);
  assert.deepEqual(message.body.destination, ["celery@w1"]);
  assert.equal(message.body.ticket, "t-1");
  assert.deepEqual(message.body.reply_to, {
    exchange: "reply.celery.pidbox",
    routing_key: "oid-1",
  });
  assert.equal(message.headers.expires, 1002);
});
