import { test } from "node:test";
import assert from "node:assert/strict";
import { amqpPublishProblem } from "../../../src/broker/amqp_limits.ts";
import { buildTaskMessage } from "../../../src/celery/task_message.ts";
import { parseTaskRequest, resolveRoute } from "../../../src/celery/task_options.ts";

const SENDER = { id: "id-1", origin: "gen1@host", replyTo: "oid-1", now: Date.UTC(2024, 4, 6) };

/** The problem amqpPublishProblem finds with a request body, on an 8 KiB-frame connection. */
function problem(body: unknown, name = "tasks.add"): string | undefined {
  const request = parseTaskRequest(body);
  const message = buildTaskMessage(name, request.args, request.kwargs, request.options, SENDER);
  return amqpPublishProblem(message, resolveRoute(request.options), 8192);
}

test("an ordinary task passes", () => {
  assert.equal(problem({ args: [1, 2], kwargs: { a: "b" }, queue: "q", expires: 60 }), undefined);
  assert.equal(problem({ exchange: "x", routing_key: "k".repeat(255) }), undefined);
});

test("names past 255 bytes are refused, counted in UTF-8 bytes", () => {
  assert.match(
    problem({ queue: "q".repeat(256) })!,
    /^Invalid option 'queue': .*255 bytes, got 256$/,
  );
  assert.match(problem({ queue: "é".repeat(128) })!, /'queue'.*got 256$/);
  assert.match(problem({ exchange: "e".repeat(300), routing_key: "k" })!, /'exchange'/);
  assert.match(problem({ exchange: "e", routing_key: "k".repeat(300) })!, /'routing_key'/);
  assert.match(problem({ task_id: "i".repeat(256) })!, /'task_id'/);
});

test("header names past 255 bytes are refused at any depth", () => {
  assert.match(
    problem({ headers: { ["k".repeat(256)]: 1 } })!,
    /^Invalid option 'headers': header name/,
  );
  assert.match(problem({ headers: { a: [{ ["k".repeat(256)]: 1 }] } })!, /header name 'a\.k/);
});

test("an expiration past RabbitMQ's ten years is refused", () => {
  assert.equal(problem({ expires: 3649 * 86_400 }), undefined);
  assert.match(problem({ expires: 3651 * 86_400 })!, /^Invalid option 'expires': .*3650 days/);
});

test("headers that do not fit the connection's frame are refused, with their size", () => {
  assert.equal(problem({ headers: { big: "x".repeat(6000) } }), undefined);
  assert.match(
    problem({ headers: { big: "x".repeat(9000) } })!,
    /^Invalid option 'headers': the task's headers take \d+ bytes, more than the 8192 bytes/,
  );
});
