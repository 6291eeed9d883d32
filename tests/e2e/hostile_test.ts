// Issue 9 §5, the hostile-input pass: malformed events of every kind on the event channel and a
// burst of hostile HTTP requests over every route. Afterwards Stalk answers every route without
// a 5xx, ingests a clean burst completely, and starts cleanly again against the same cluster.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { connect } from "node:net";
import { promisify } from "node:util";
import {
  api,
  type BrokerFixture,
  brokerFixture,
  brokerKind,
  celeryClient,
  listTasks,
  publishRawEvents,
  type RawEnvelope,
  type RawMessage,
  type Stalk,
  startStalk,
  startWorker,
  waitFor,
  waitForTaskStates,
  type Worker,
  workerStatus,
} from "./_harness/mod.ts";
import { python } from "./_harness/paths.ts";

const run = promisify(execFile);
const kind = brokerKind();
const HOST = "hostile@e2e";
/** Worker names the hostile requests aim at: never seen, so control calls end in a 404. */
const NOBODY = "nobody@e2e";

/** Every GET route, with a valid shape, to check that each still answers below 500. */
const GET_ROUTES = [
  "/healthcheck",
  "/metrics",
  "/api/tasks",
  "/api/tasks?limit=5&sort_by=-received",
  "/api/task/types",
  "/api/task/info/no-such-task",
  "/api/task/result/no-such-task",
  "/api/workers",
  "/api/workers?status=true",
  "/api/queues/length",
];

/** Every POST route, `{}` standing for the name or id. */
const POST_ROUTES = [
  "/api/task/apply/{}",
  "/api/task/async-apply/{}",
  "/api/task/send-task/{}",
  "/api/task/abort/{}",
  "/api/task/revoke/{}",
  "/api/task/timeout/{}",
  "/api/task/rate-limit/{}",
  "/api/worker/shutdown/{}",
  "/api/worker/pool/restart/{}",
  "/api/worker/pool/grow/{}",
  "/api/worker/pool/shrink/{}",
  "/api/worker/pool/autoscale/{}",
  "/api/worker/queue/add-consumer/{}",
  "/api/worker/queue/cancel-consumer/{}",
];

function event(type: string, fields: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type,
    uuid: crypto.randomUUID(),
    hostname: HOST,
    timestamp: Date.now() / 1000,
    clock: 1,
    pid: 4242,
    ...fields,
  };
}

function json(routingKey: string, value: unknown, extra: Partial<RawMessage> = {}): RawMessage {
  return { routingKey, body: JSON.stringify(value), ...extra };
}

/** Malformed events of every kind the suite could think of. */
function hostileEvents(): RawMessage[] {
  const nested = "[".repeat(50_000) + "]".repeat(50_000);
  const megabyte = "x".repeat(1 << 20);
  const wrongTypes: Record<string, unknown>[] = [
    { uuid: 42 },
    { uuid: null },
    { uuid: "" },
    { hostname: ["a"] },
    { hostname: "" },
    { timestamp: "now" },
    { timestamp: -1e308 },
    { timestamp: 1e308 },
    { timestamp: Number.MAX_SAFE_INTEGER + 2 },
    { clock: -5 },
    { clock: 1e30 },
    { clock: 2 ** 63 },
    { clock: "12" },
    { clock: 1.5 },
    { pid: -1 },
    { pid: 1e300 },
    { pid: "pid" },
    { runtime: "fast" },
    { runtime: -1e300 },
    { retries: -1 },
    { retries: 1e300 },
    { name: { not: "a name" } },
    { name: "n".repeat(100_000) },
    { args: 5 },
    { kwargs: [] },
    { result: { nested: true } },
    { eta: 12 },
    { expires: "never" },
    { utcoffset: 1e300 },
    { constructor: "x", toString: "y", hasOwnProperty: 1 },
  ];
  const messages: RawMessage[] = [
    { routingKey: "task.received", body: "{not json" },
    { routingKey: "task.received", body: "" },
    { routingKey: "task.received", body: "\u0000\u0001\u0002" },
    { routingKey: "task.received", body: new Uint8Array([0xc3, 0x28, 0xa0, 0xa1, 0xff]) },
    { routingKey: "task.received", body: "[]" },
    { routingKey: "task.received", body: "1e400" },
    { routingKey: "task.received", body: '"' + megabyte + '"' },
    { routingKey: "task.received", body: megabyte },
    { routingKey: "task.received", body: nested },
    json("task.received", event("task-received", { name: "hostile.big", args: megabyte })),
    json(
      "task.received",
      event("task-received", { deep: JSON.parse("[".repeat(40) + "]".repeat(40)) }),
    ),
    // Valid JSON under the wrong content types and encodings.
    json("task.received", event("task-received"), {
      contentType: "application/x-python-serialize",
    }),
    json("task.received", event("task-received"), { contentType: "text/plain" }),
    json("task.received", event("task-received"), { contentType: "application/x-yaml" }),
    json("task.received", event("task-received"), { contentType: null }),
    json("task.received", event("task-received"), { contentEncoding: "binary" }),
    json("task.received", event("task-received"), { contentEncoding: "gzip" }),
    json("task.received", event("task-received"), { contentEncoding: null }),
    // Unknown and missing types.
    json("task.exploded", event("task-exploded")),
    json("worker.zombie", event("worker-zombie")),
    json("task.received", event("")),
    json("task.received", event("task-received", { type: 42 })),
    json("task.received", { ...event("task-received"), type: undefined }),
    // Worker events with broken fields.
    json("worker.heartbeat", event("worker-heartbeat", { freq: "often" })),
    json("worker.heartbeat", event("worker-heartbeat", { freq: -1, active: -3 })),
    json("worker.heartbeat", event("worker-heartbeat", { freq: 1e300, processed: 1e300 })),
    json("worker.heartbeat", event("worker-heartbeat", { loadavg: "high", sw_ver: { v: 1 } })),
    json("worker.online", event("worker-online", { hostname: 7 })),
    json("worker.offline", event("worker-offline", { timestamp: "gone" })),
    // Batches: mixed good and bad, empty, over the batch limit, and a batch inside a batch.
    json("task.multi", [event("task-received", { name: "hostile.batch" }), 1, null, "x", []]),
    json("task.multi", []),
    json("task.multi", Array.from({ length: 10_001 }, () => event("task-received"))),
    json("task.multi", [[event("task-received")]]),
    json("task.multi", wrongTypes.map((fields) => event("task-received", fields))),
    ...wrongTypes.map((fields) => json("task.received", event("task-received", fields))),
    ...wrongTypes.map((fields) => json("worker.heartbeat", event("worker-heartbeat", fields))),
  ];
  // Odd header types: amqp-client writes bigint as `l`, floats as `f`/`d`, bytes as `x`.
  const headers = kind === "amqp"
    ? {
      clock: 2n ** 62n,
      big: -(2n ** 40n),
      float: 1.5,
      double: 1e300,
      bytes: new Uint8Array([0, 255]),
      when: new Date(0),
      nested: { a: [1, "b", null, { c: true }] },
      none: null,
    }
    : { clock: 1e30, nested: { a: [1, "b", null] }, none: null, list: [[[]]] };
  messages.push(json("task.received", event("task-received"), { headers }));
  return messages;
}

/** On Redis, the envelope itself can be broken too. */
const BROKEN_ENVELOPES: RawEnvelope[] = [
  { routingKey: "task.received", text: "" },
  { routingKey: "task.received", text: "{not an envelope" },
  { routingKey: "task.received", text: "[]" },
  { routingKey: "task.received", text: JSON.stringify({ body: 42 }) },
  { routingKey: "task.received", text: JSON.stringify({ body: null, properties: "x" }) },
  {
    routingKey: "task.received",
    text: JSON.stringify({ body: "e30=", properties: { body_encoding: "rot13" } }),
  },
  { routingKey: "task.received", text: JSON.stringify({ body: "!!!", headers: [] }) },
  { routingKey: "task.received", text: "x".repeat(1 << 20) },
];

/**
 * py-amqp's own header encoding (what real Celery clients send): `L` for big integers, `D` for
 * decimals, `T` for datetimes, `x`/`s` for bytes, `F` and `A` nested.
 */
const PY_AMQP_HEADERS = [
  "import sys, datetime, decimal, json",
  "from kombu import Connection, Exchange",
  "with Connection(sys.argv[1]) as conn:",
  "    ex = Exchange('celeryev', 'topic', durable=True, auto_delete=False)",
  "    body = {'type': 'task-received', 'uuid': sys.argv[2], 'hostname': 'hostile@e2e',",
  "            'timestamp': 1.0, 'clock': 1, 'pid': 1, 'name': 'hostile.headers'}",
  "    conn.Producer().publish(body, exchange=ex, routing_key='task.received', serializer='json',",
  "        declare=[ex], headers={'clock': 2**62, 'neg': -2**40, 'dec': decimal.Decimal('1.5'),",
  "        'when': datetime.datetime(2024, 5, 6), 'raw': b'\\x00\\xff', 'f': 1.5,",
  "        'nested': {'a': [1, 'b', None, {'c': True}]}, 'none': None})",
].join("\n");

/** Hostile requests over every route: [method, path, body?, content type?]. */
function hostileRequests(): [string, string, string?, string?][] {
  const out: [string, string, string?, string?][] = [];
  const queries = [
    "limit=-1",
    "limit=abc",
    "limit=1e309",
    "limit=99999999999999999999",
    "offset=-5",
    "offset=1.5",
    "sort_by=__proto__",
    "sort_by=constructor",
    "state=%00",
    "state[]=x",
    "workername=" + "w".repeat(8000),
    "taskname=%E2%28%A1",
    "received_start=9999-99-99",
    "received_end=0000-00-00%2000:00",
    "received_start=2024-01-01%2000:00&received_end=1970-01-01%2000:00",
    "search=" + encodeURIComponent("state:SUCCESS result:" + "(".repeat(500)),
    "search=%FF%FE",
    "status=maybe",
    "refresh=1&workername=" + NOBODY,
    "timeout=-1",
    "timeout=abc",
    "timeout=1e309",
    "__proto__[x]=1",
    "limit=1&limit=2&limit=3",
  ];
  const names = [
    NOBODY,
    "%00",
    "..%2F..%2Fetc%2Fpasswd",
    "%E2%28%A1",
    "%F0%9F%92%A9",
    "n".repeat(4000),
    "a%20b",
    "%",
    "__proto__",
  ];
  for (const path of GET_ROUTES) {
    for (const query of queries) out.push(["GET", `${path.split("?")[0]}?${query}`]);
  }
  for (const name of names) {
    out.push(["GET", `/api/task/info/${name}`]);
    out.push(["GET", `/api/task/result/${name}?timeout=abc`]);
  }
  const bodies: [string, string?][] = [
    ["{not json"],
    ["[]"],
    ["null"],
    ['"text"'],
    ["1e400"],
    ['{"args": "1, 2"}'],
    ['{"kwargs": [1]}'],
    ['{"args": ' + "[".repeat(5000) + "]".repeat(5000) + "}"],
    [JSON.stringify({ args: ["x".repeat(1 << 20)] })],
    [JSON.stringify({ countdown: 1e300 })],
    [JSON.stringify({ countdown: -1e300 })],
    [JSON.stringify({ countdown: "NaN" })],
    [JSON.stringify({ eta: "9999-12-31T23:59:59-14:00" })],
    [JSON.stringify({ eta: "0000-01-01" })],
    [JSON.stringify({ eta: "2024-02-30 00:00:00" })],
    [JSON.stringify({ expires: 1e300 })],
    [JSON.stringify({ expires: 400_000_000 })],
    [JSON.stringify({ expires: "yesterday" })],
    [JSON.stringify({ queue: "q".repeat(300) })],
    [JSON.stringify({ queue: "amq.hostile" })],
    [JSON.stringify({ exchange: "no-such-exchange", routing_key: "x" })],
    [JSON.stringify({ exchange: "e", routing_key: "r".repeat(300) })],
    [JSON.stringify({ task_id: "i".repeat(300) })],
    [JSON.stringify({ priority: 256 })],
    [JSON.stringify({ headers: { ["k".repeat(300)]: 1 } })],
    [JSON.stringify({ headers: { big: "x".repeat(20_000) } })],
    [JSON.stringify({ headers: { f: 1.5 } })],
    [JSON.stringify({ headers: "x" })],
    [JSON.stringify({ serializer: "pickle" })],
    [JSON.stringify({ delivery_mode: 3 })],
    [JSON.stringify({ unknown_option: 1 })],
    ['{"__proto__": {"polluted": 1}, "constructor": {"prototype": 1}}'],
    ["min=abc&max=-1&n=1e309&workername=" + NOBODY, "application/x-www-form-urlencoded"],
    ["\u0000\u0001", "application/octet-stream"],
    ['{"a": 1}', "text/plain"],
  ];
  for (const [i, route] of POST_ROUTES.entries()) {
    for (const name of names) out.push(["POST", route.replace("{}", name)]);
    // Every body on the publishing routes; a few on the others, which read no body.
    for (const [body, type] of i < 3 ? bodies : bodies.slice(0, 3)) {
      out.push(["POST", route.replace("{}", "no.such.task"), body, type]);
    }
    out.push(["POST", route.replace("{}", NOBODY) + "?" + queries.join("&")]);
  }
  for (const path of [...GET_ROUTES, ...POST_ROUTES.map((route) => route.replace("{}", "x"))]) {
    for (const method of ["PUT", "DELETE", "PATCH", "PROPFIND"]) out.push([method, path]);
  }
  return out;
}

/** One raw HTTP request on its own connection; the status line, or undefined if none came. */
function rawRequest(port: number, bytes: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    let data = "";
    const done = () => {
      socket.destroy();
      resolve(data ? data.split("\r\n", 1)[0] : undefined);
    };
    socket.setTimeout(5_000, done);
    socket.on("data", (chunk) => {
      data += chunk.toString("latin1");
      if (data.includes("\r\n")) done();
    });
    socket.on("error", done);
    socket.on("close", done);
    socket.write(Buffer.from(bytes, "latin1"));
  });
}

/** Requests Bun.serve's parser decides alone (docs/compat.md): [request, what Bun does]. */
const RAW_REQUESTS: [string, "closed" | "505" | undefined][] = [
  ["FOO /api/tasks HTTP/1.1\r\nHost: x\r\n\r\n", "closed"],
  ["get /api/worker/pool/grow/x HTTP/1.1\r\nHost: x\r\n\r\n", "closed"],
  ["GET /healthcheck\r\nX: y HTTP/1.1\r\nHost: x\r\n\r\n", "505"],
  ["GET /health check HTTP/1.1\r\nHost: x\r\n\r\n", "505"],
  ["GET /health\u0000check HTTP/1.1\r\nHost: x\r\n\r\n", "505"],
  ["GET /healthcheck HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n", undefined],
  ["GET /healthcheck HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", undefined],
  ["GARBAGE\r\n\r\n", undefined],
  ["GET * HTTP/1.1\r\nHost: x\r\n\r\n", undefined],
  ["PATCH /api/tasks HTTP/1.1\r\nHost: x\r\n\r\n", undefined],
  ["GET /%zz HTTP/1.1\r\nHost: x\r\n\r\n", undefined],
  ["GET /\u00ff HTTP/1.1\r\nHost: x\r\n\r\n", undefined],
];

/** Runs `jobs` with at most `width` at a time. */
async function pool<T>(width: number, jobs: (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await jobs[i]();
    }
  }));
  return results;
}

/** Every route answers, and below 500. */
async function assertRoutesAnswer(stalk: Stalk): Promise<void> {
  for (const path of GET_ROUTES) {
    const response = await api(stalk.url, path);
    assert.ok(response.status < 500, `GET ${path}: ${response.status} ${response.text}`);
  }
  for (const route of POST_ROUTES) {
    const response = await api(stalk.url, route.replace("{}", NOBODY), { method: "POST" });
    assert.ok(response.status < 500, `POST ${route}: ${response.status} ${response.text}`);
  }
}

/** Publishes `count` clean events and waits until Stalk lists every one. */
async function assertCleanBurst(stalk: Stalk, broker: BrokerFixture, name: string, count = 500) {
  const events = Array.from({ length: count }, () => event("task-received", { name }));
  await publishRawEvents(kind, broker.brokerUrl, events.map((e) => json("task.received", e)));
  const wanted = new Set(events.map((e) => e.uuid as string));
  await waitFor(async () => {
    const seen = (await listTasks(stalk.url, { taskname: name })).map(([id]) => id);
    return seen.filter((id) => wanted.has(id)).length === count;
  }, { timeout: 15_000, message: `all ${count} events of ${name}:\n${stalk.output()}` });
}

describe("hostile input", () => {
  let broker: BrokerFixture;
  let stalk: Stalk;
  let worker: Worker;

  before(async () => {
    broker = await brokerFixture();
    [stalk, worker] = await Promise.all([
      startStalk({ brokerUrl: broker.brokerUrl, args: [`--result_backend=${broker.backendUrl}`] }),
      startWorker({
        brokerUrl: broker.brokerUrl,
        name: "hostile",
        env: { CELERY_RESULT_BACKEND: broker.backendUrl },
        // Celery's own gossip reads worker events too, and one heartbeat with a timestamp past
        // year 9999 kills the worker's consumer (`datetime.fromtimestamp`). Stalk is under test.
        extraArgs: ["--without-gossip"],
      }),
    ]);
    await waitFor(async () => (await workerStatus(stalk.url))[worker.name] === true, {
      message: `${worker.name} to be seen online`,
    });
  });

  after(async () => {
    await worker?.stop();
    await stalk?.stop();
    await broker?.remove();
  });

  test("malformed events of every kind leave Stalk healthy and ingesting", async () => {
    const messages = hostileEvents();
    await publishRawEvents(kind, broker.brokerUrl, messages, BROKEN_ENVELOPES);
    if (kind === "amqp") {
      await run(python, ["-c", PY_AMQP_HEADERS, broker.brokerUrl, crypto.randomUUID()]);
    }
    await assertCleanBurst(stalk, broker, "clean.after-events");
    assert.equal((await api(stalk.url, "/healthcheck")).status, 200, stalk.output());
    await assertRoutesAnswer(stalk);
    assert.doesNotMatch(stalk.output(), /Unhandled error|undecodable_frame|RangeError/);
  });

  test("a burst of hostile requests over every route gets no 5xx; publishing keeps working", async () => {
    const requests = hostileRequests();
    const valid = () =>
      api(stalk.url, "/api/task/send-task/tasks.add", {
        method: "POST",
        body: JSON.stringify({ args: [2, 3] }),
      });
    const jobs = requests.map(([method, path, body, type], index) => async () => {
      // A valid publish beside every tenth hostile one: refusals must not disturb it.
      const [response, beside] = await Promise.all([
        api(stalk.url, path, {
          method,
          body,
          headers: type ? { "Content-Type": type } : undefined,
        }).catch((error) => ({ status: 0, text: String(error) })),
        index % 10 === 0 ? valid() : undefined,
      ]);
      return { method, path, status: response.status, text: response.text, beside };
    });
    const started = Date.now();
    const results = await pool(8, jobs);
    const failures = results.filter((r) => r.status === 0 || r.status >= 500)
      .map((r) => `${r.method} ${r.path.slice(0, 120)}: ${r.status} ${r.text.slice(0, 200)}`);
    assert.deepEqual(failures, [], `${failures.length} of ${results.length} failed`);
    const disturbed = results.filter((r) => r.beside && r.beside.status !== 200)
      .map((r) =>
        `beside ${r.method} ${r.path.slice(0, 80)}: ${r.beside?.status} ${r.beside?.text}`
      );
    assert.deepEqual(disturbed, [], "a valid publish beside a refused one failed");
    const statuses: Record<number, number> = {};
    for (const r of results) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
    console.log(
      `${results.length} hostile requests in ${Date.now() - started} ms, none 5xx: ` +
        JSON.stringify(statuses),
    );

    // The valid publish still works, and its task runs.
    const sent = await valid();
    assert.equal(sent.status, 200, sent.text);
    const id = (sent.json as { "task-id": string })["task-id"];
    const [task] = await waitForTaskStates(stalk.url, [id], ["SUCCESS"], 20_000).catch((error) => {
      throw new Error(`${error.message}\nworker:\n${worker.output().slice(-4000)}`);
    });
    assert.equal(task.result, "5");

    // Requests the HTTP parser refuses: an answer (400, 404 or 405) from every one, except
    // where Bun.serve decides alone before Stalk sees the request (docs/compat.md).
    const binary = process.env.STALK_BIN !== undefined;
    for (const [request, onBun] of RAW_REQUESTS) {
      const status = await rawRequest(stalk.port, request);
      const bunAnswer = onBun === "505" ? "HTTP/1.1 505 HTTP Version Not Supported" : undefined;
      if (binary && onBun && status === bunAnswer) continue;
      assert.match(status ?? "no answer", /^HTTP\/1\.[01] 4(00|04|05) /, JSON.stringify(request));
    }
    // HTTP/1.0 without a Host header is still HTTP (Bun once routed it as an unknown path).
    const old = await rawRequest(stalk.port, "GET /healthcheck HTTP/1.0\r\n\r\n");
    assert.match(old ?? "no answer", /^HTTP\/1\.[01] 200 /);
    await assertCleanBurst(stalk, broker, "clean.after-requests");
    await assertRoutesAnswer(stalk);
  });

  test("bad dates and what the broker would refuse are 400s naming the option", async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ countdown: 1e300 }, "countdown"],
      [{ countdown: -1e300 }, "countdown"],
      [{ expires: 1e300 }, "expires"],
      [{ eta: "0000-01-01T00:00:00" }, "eta"],
      [{ eta: "9999-12-31T23:59:59-14:00" }, "eta"],
      // AMQP's limits; kombu's Redis envelope has none of them.
      ...(kind === "amqp"
        ? [
          [{ task_id: "i".repeat(256) }, "task_id"],
          [{ headers: { ["k".repeat(256)]: 1 } }, "headers"],
          [{ headers: { big: "x".repeat(9000) } }, "headers"],
          [{ queue: "q".repeat(256) }, "queue"],
          [{ exchange: "e", routing_key: "r".repeat(256) }, "routing_key"],
          [{ expires: 3651 * 86_400 }, "expires"],
        ] as [Record<string, unknown>, string][]
        : []),
    ];
    for (const route of ["apply", "async-apply", "send-task"]) {
      for (const [body, option] of cases) {
        const response = await api<{ error: string }>(stalk.url, `/api/task/${route}/tasks.add`, {
          method: "POST",
          body: JSON.stringify(body),
        });
        const what = `${route} ${JSON.stringify(body).slice(0, 80)}`;
        assert.equal(response.status, 400, `${what}: ${response.text}`);
        assert.ok(response.json?.error.includes(`option '${option}'`), `${what}: ${response.text}`);
      }
    }
    if (kind === "amqp") {
      for (
        const [body, pattern] of [
          [{ exchange: "no-such-exchange", routing_key: "x" }, /no such exchange/],
          [{ queue: "amq.hostile" }, /Cannot declare task queue 'amq\.hostile'/],
        ] as const
      ) {
        const response = await api(stalk.url, "/api/task/send-task/tasks.add", {
          method: "POST",
          body: JSON.stringify(body),
        });
        assert.equal(response.status, 400, response.text);
        assert.match(response.text, pattern);
      }
    }
    const response = await api(stalk.url, "/api/task/send-task/tasks.add", {
      method: "POST",
      body: JSON.stringify({ args: ["x".repeat(17 << 20)] }),
    });
    assert.equal(response.status, 413, response.text.slice(0, 200));
    assert.doesNotMatch(stalk.output(), /Unhandled error/);
  });

  test("Stalk restarted against the same cluster starts cleanly and ingests", async () => {
    await stalk.stop();
    const started = Date.now();
    stalk = await startStalk({
      brokerUrl: broker.brokerUrl,
      args: [`--result_backend=${broker.backendUrl}`],
    });
    console.log(`restarted and healthy in ${Date.now() - started} ms`);
    await assertRoutesAnswer(stalk);
    const sent = await celeryClient({
      broker: broker.brokerUrl,
      send: [{ name: "tasks.add", args: [20, 22] }],
    });
    const [task] = await waitForTaskStates(stalk.url, sent.ids, ["SUCCESS"], 20_000);
    assert.equal(task.result, "42");
    await assertCleanBurst(stalk, broker, "clean.after-restart");
    assert.equal((await api(stalk.url, "/healthcheck")).status, 200);
  });
});
