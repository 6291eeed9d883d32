import { test } from "node:test";
import assert from "node:assert/strict";
import {
  argsRepr,
  kwargsRepr,
  pythonJsonDumps,
  pythonRepr,
} from "../../../src/celery/python_repr.ts";
import {
  buildTaskMessage,
  encodeTaskBody,
  type SenderContext,
} from "../../../src/celery/task_message.ts";
import { InvalidTaskRequest, parseTaskRequest } from "../../../src/celery/task_options.ts";

const ID = "5b8e8a52-3c44-4a8e-9e7a-2f1a3c0c8c11";
/** 2024-05-06T10:00:00Z */
const NOW = Date.UTC(2024, 4, 6, 10, 0, 0);
const SENDER: SenderContext = {
  id: ID,
  origin: "gen4242@client-host",
  replyTo: "7c1d-oid",
  now: NOW,
};

function build(body: unknown, name = "proj.tasks.add") {
  const request = parseTaskRequest(body);
  return buildTaskMessage(name, request.args, request.kwargs, request.options, SENDER);
}

test("add.apply_async([2, 3]) has exactly the headers and body of the protocol reference", () => {
  const message = build({ args: [2, 3] });
  // celery-protocol.md §1.4, key for key and in the same order; the args came as a JSON list, so
  // Celery's repr is a list's.
  const expected = JSON.parse(`{"headers": {"lang": "py", "task": "proj.tasks.add", "id": "${ID}",
    "shadow": null, "eta": null, "expires": null, "group": null, "group_index": null, "retries": 0,
    "timelimit": [null, null], "root_id": "${ID}", "parent_id": null,
    "argsrepr": "[2, 3]", "kwargsrepr": "{}", "origin": "gen4242@client-host", "ignore_result": false},
   "body": [[2, 3], {}, {"callbacks": null, "errbacks": null, "chain": null, "chord": null}]}`);
  assert.equal(JSON.stringify(message.headers), JSON.stringify(expected.headers));
  assert.equal(encodeTaskBody(message), JSON.stringify(expected.body));
});

test("the properties are Celery's: task id as correlation id, the oid as reply_to, persistent", () => {
  assert.deepEqual(build({}).properties, {
    correlation_id: ID,
    reply_to: "7c1d-oid",
    content_type: "application/json",
    content_encoding: "utf-8",
    priority: 0,
    delivery_mode: 2,
  });
});

test("options become headers and properties", () => {
  const message = build({
    task_id: "my-id",
    priority: 7,
    shadow: "nice-name",
    time_limit: 30,
    soft_time_limit: 20,
    ignore_result: true,
    retries: 2,
    root_id: "root",
    parent_id: "parent",
    group_id: "group",
    group_index: 1,
    delivery_mode: "transient",
    headers: { tenant: "acme", attempt: 3 },
  });
  assert.equal(message.headers.id, "my-id");
  assert.equal(message.properties.correlation_id, "my-id");
  assert.equal(message.properties.priority, 7);
  assert.equal(message.properties.delivery_mode, 1);
  assert.equal(message.headers.shadow, "nice-name");
  assert.deepEqual(message.headers.timelimit, [30, 20]);
  assert.equal(message.headers.ignore_result, true);
  assert.equal(message.headers.retries, 2);
  assert.equal(message.headers.root_id, "root");
  assert.equal(message.headers.parent_id, "parent");
  assert.equal(message.headers.group, "group");
  assert.equal(message.headers.group_index, 1);
  assert.equal(message.headers.tenant, "acme");
  assert.equal(message.headers.attempt, 3);
});

test("a countdown becomes an aware UTC eta, and wins over an eta as in Celery", () => {
  assert.equal(build({ countdown: 1.5 }).headers.eta, "2024-05-06T10:00:01.500000+00:00");
  assert.equal(
    build({ countdown: "10", eta: "2030-01-01 00:00:00.0" }).headers.eta,
    "2024-05-06T10:00:10+00:00",
  );
  assert.equal(build({ countdown: 0 }).headers.eta, null);
});

test("an eta in Flower's format keeps its microseconds and is read as UTC", () => {
  assert.equal(
    build({ eta: "2024-05-06 12:30:00.123456" }).headers.eta,
    "2024-05-06T12:30:00.123456+00:00",
  );
  assert.equal(
    build({ eta: "2024-05-06T12:30:00+02:00" }).headers.eta,
    "2024-05-06T10:30:00+00:00",
  );
});

test("expires in seconds sets the header and the AMQP expiration in milliseconds", () => {
  const message = build({ expires: 60 });
  assert.equal(message.headers.expires, "2024-05-06T10:01:00+00:00");
  assert.equal(message.properties.expiration, "60000");
});

test("an expiry in the past gives expiration '0', as kombu writes it", () => {
  const message = build({ expires: "2024-05-06 09:00:00.000000" });
  assert.equal(message.headers.expires, "2024-05-06T09:00:00+00:00");
  assert.equal(message.properties.expiration, "0");
  assert.equal(build({ expires: -5 }).properties.expiration, "0");
});

test("argsrepr is the repr of the list the JSON args decode to, as Celery writes it", () => {
  assert.equal(argsRepr([]), "[]");
  assert.equal(argsRepr([4, 5]), "[4, 5]");
  assert.equal(argsRepr([1]), "[1]");
  assert.equal(argsRepr([1, "two", null, true, false, 2.5]), "[1, 'two', None, True, False, 2.5]");
  assert.equal(argsRepr([[1, [2]], { a: [] }]), "[[1, [2]], {'a': []}]");
});

test("kwargsrepr renders kwargs as a Python dict", () => {
  assert.equal(kwargsRepr({}), "{}");
  assert.equal(kwargsRepr({ a: 1, b: "x" }), "{'a': 1, 'b': 'x'}");
});

test("strings are quoted and escaped as Python's repr does", () => {
  assert.equal(pythonRepr("plain"), "'plain'");
  assert.equal(pythonRepr("it's"), `"it's"`);
  assert.equal(pythonRepr(`both ' and "`), `'both \\' and "'`);
  assert.equal(pythonRepr("a\\b\nc\td\u0001"), "'a\\\\b\\nc\\td\\x01'");
  assert.equal(pythonRepr("héllo ✓"), "'héllo ✓'");
});

test("argsrepr and kwargsrepr are cut to 1024 characters", () => {
  const long = argsRepr(["x".repeat(5000)]);
  assert.equal(long.length, 1024);
  assert.ok(long.endsWith("..."));
  assert.equal(kwargsRepr({ k: "y".repeat(2000) }).length, 1024);
});

test("build uses the argsrepr of the request's args and kwargs", () => {
  const message = build({ args: ["a"], kwargs: { n: 1 } });
  assert.equal(message.headers.argsrepr, "['a']");
  assert.equal(message.headers.kwargsrepr, "{'n': 1}");
});

test("pythonJsonDumps writes json.dumps's separators and escapes non-ASCII", () => {
  assert.equal(
    pythonJsonDumps({ status: "ABORTED", result: null, n: [1, 2] }),
    '{"status": "ABORTED", "result": null, "n": [1, 2]}',
  );
  assert.equal(pythonJsonDumps("é"), '"\\u00e9"');
});

test("a countdown or expires that leaves Python's years is refused naming the option", () => {
  for (const [option, value] of [["countdown", 1e300], ["countdown", -1e300], ["expires", 1e15]]) {
    assert.throws(() => build({ [option]: value }), (error: unknown) => {
      // The task runner answers it with a 400 (tests/unit/http/api/publish_test.ts).
      assert.ok(error instanceof InvalidTaskRequest);
      assert.match(error.message, new RegExp(`^Invalid option '${option}': .*years 1 to 9999`));
      return true;
    });
  }
});
