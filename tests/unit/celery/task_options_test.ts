import { test } from "node:test";
import assert from "node:assert/strict";
import {
  InvalidTaskRequest,
  parseTaskRequest,
  resolveRoute,
} from "../../../src/celery/task_options.ts";

/** Asserts a rejection whose message matches `pattern` (the route answers it with a 400). */
function rejects(body: unknown, pattern: RegExp): void {
  assert.throws(() => parseTaskRequest(body), (error: unknown) => {
    assert.ok(error instanceof InvalidTaskRequest);
    assert.match(error.message, pattern);
    return true;
  });
}

test("an absent or empty body means no args, no kwargs and no options", () => {
  assert.deepEqual(parseTaskRequest(undefined), { args: [], kwargs: {}, options: {} });
  assert.deepEqual(parseTaskRequest({}), { args: [], kwargs: {}, options: {} });
});

test("a body that is not a JSON object is a 400", () => {
  rejects([1, 2], /Invalid body: expected a JSON object/);
  rejects("text", /Invalid body/);
  rejects(null, /Invalid body/);
});

test("args must be an array and kwargs an object", () => {
  rejects({ args: "1, 2" }, /Invalid 'args': expected a JSON array, got "1, 2"/);
  rejects({ args: null }, /Invalid 'args'/);
  rejects({ kwargs: [1] }, /Invalid 'kwargs': expected a JSON object, got \[1\]/);
  assert.deepEqual(parseTaskRequest({ kwargs: null }).kwargs, {});
});

test("countdown takes a number or numeric text, as Flower's float() does", () => {
  assert.equal(parseTaskRequest({ countdown: 5 }).options.countdown, 5);
  assert.equal(parseTaskRequest({ countdown: "2.5" }).options.countdown, 2.5);
  rejects(
    { countdown: "soon" },
    /Invalid option 'countdown': expected a number of seconds, got "soon"/,
  );
  rejects({ countdown: true }, /Invalid option 'countdown'/);
});

test("eta takes ISO 8601 or Flower's %Y-%m-%d %H:%M:%S.%f", () => {
  assert.equal(
    parseTaskRequest({ eta: "2024-05-06 10:00:00.5" }).options.eta,
    Date.UTC(2024, 4, 6, 10) * 1000 + 500_000,
  );
  assert.equal(
    parseTaskRequest({ eta: "2024-05-06T10:00:00Z" }).options.eta,
    Date.UTC(2024, 4, 6, 10) * 1000,
  );
  rejects(
    { eta: "tomorrow" },
    /Invalid option 'eta': expected ISO 8601 or YYYY-MM-DD HH:MM:SS.ffffff, got "tomorrow"/,
  );
  rejects({ eta: "2024-02-30 10:00:00.0" }, /Invalid option 'eta'/);
  rejects({ eta: 1714989600 }, /Invalid option 'eta'/);
});

test("expires takes seconds (number or text) or a date", () => {
  assert.deepEqual(parseTaskRequest({ expires: 30 }).options.expires, { seconds: 30 });
  assert.deepEqual(parseTaskRequest({ expires: "30.5" }).options.expires, { seconds: 30.5 });
  assert.deepEqual(parseTaskRequest({ expires: "2024-05-06 10:00:00.000000" }).options.expires, {
    at: Date.UTC(2024, 4, 6, 10) * 1000,
  });
  rejects({ expires: "never" }, /Invalid option 'expires': expected a number of seconds or a date/);
});

test("null options count as absent, as None does in apply_async", () => {
  assert.deepEqual(parseTaskRequest({ countdown: null, queue: null }).options, {});
});

test("an unknown option is a 400 that lists the supported ones", () => {
  rejects(
    { link: "tasks.add" },
    /Unknown option 'link': expected args, kwargs or one of task_id, countdown, eta/,
  );
});

test("priority is an integer from 0 to 255", () => {
  assert.equal(parseTaskRequest({ priority: 9 }).options.priority, 9);
  rejects(
    { priority: 256 },
    /Invalid option 'priority': expected an integer from 0 to 255, got 256/,
  );
  rejects({ priority: 1.5 }, /Invalid option 'priority'/);
});

test("headers must survive an AMQP field table: no fractional numbers", () => {
  assert.deepEqual(
    parseTaskRequest({ headers: { a: "x", b: [1, null], c: { d: true } } }).options.headers,
    {
      a: "x",
      b: [1, null],
      c: { d: true },
    },
  );
  rejects({ headers: { rate: 0.5 } }, /Invalid option 'headers': header 'rate' is not an integer/);
  rejects({ headers: { nested: { list: [1.5] } } }, /header 'nested.list\[0\]'/);
  rejects({ headers: ["a"] }, /Invalid option 'headers': expected a JSON object/);
});

test("strings, booleans and counts are checked by type", () => {
  rejects({ queue: "" }, /Invalid option 'queue': must not be empty/);
  rejects({ queue: 5 }, /Invalid option 'queue': expected a string/);
  rejects({ ignore_result: "yes" }, /Invalid option 'ignore_result': expected true or false/);
  rejects({ retries: -1 }, /Invalid option 'retries': expected a non-negative integer/);
  rejects({ time_limit: -1 }, /Invalid option 'time_limit'/);
  rejects({ delivery_mode: 3 }, /Invalid option 'delivery_mode'/);
  rejects({ serializer: "pickle" }, /Invalid option 'serializer': only 'json' is supported/);
});

test("the default route is the celery queue through the default exchange", () => {
  assert.deepEqual(resolveRoute({}), { queue: "celery", exchange: "", routingKey: "celery" });
});

test("a queue option routes to that queue by name", () => {
  assert.deepEqual(resolveRoute({ queue: "video-queue" }), {
    queue: "video-queue",
    exchange: "",
    routingKey: "video-queue",
  });
});

test("exchange and routing_key are used only together, as Celery does for direct exchanges", () => {
  assert.deepEqual(resolveRoute({ exchange: "media", routingKey: "video" }), {
    queue: "celery",
    exchange: "media",
    routingKey: "video",
  });
  assert.deepEqual(resolveRoute({ routingKey: "video" }), {
    queue: "celery",
    exchange: "",
    routingKey: "celery",
  });
  assert.deepEqual(resolveRoute({ exchange: "media", queue: "q" }), {
    queue: "q",
    exchange: "",
    routingKey: "q",
  });
});

test("a body nested past the depth limit is a 400, whatever the option", () => {
  const deep = (levels: number): unknown => levels === 0 ? 1 : [deep(levels - 1)];
  rejects({ args: deep(100) }, /^Invalid body: nested deeper than 64 levels$/);
  rejects({ kwargs: { a: deep(100) } }, /nested deeper/);
  rejects({ headers: { a: deep(100) } }, /nested deeper/);
  assert.equal(parseTaskRequest({ args: deep(10) }).args.length, 1);
});
