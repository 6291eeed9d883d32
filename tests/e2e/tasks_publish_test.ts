// Publishing tasks and reading results against real Celery workers, a real Celery client, the
// local RabbitMQ and Redis: Flower's apply, async-apply, send-task, result and abort routes.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { AMQPClient } from "@cloudamqp/amqp-client";
import {
  api,
  type BrokerFixture,
  brokerFixture,
  brokerKind,
  celeryClient,
  type Stalk,
  startStalk,
  startWorker,
  taskInfo,
  waitFor,
  waitForTaskState,
  type Worker,
} from "./_harness/mod.ts";
import { fixturesDir, python } from "./_harness/paths.ts";

interface TaskReply {
  "task-id": string;
  state: string;
  result?: unknown;
  traceback?: string;
  error?: string;
}

const JSON_HEADERS = { "Content-Type": "application/json" };

// These read the AMQP broker directly, or need the rpc:// result queue, which only the AMQP
// transport consumes so far.
const amqpOnly = brokerKind() === "amqp" ? false : "checks AMQP queues and properties directly";
const rpcSkip = brokerKind() === "amqp" ? false : "TODO(#4): rpc:// over a Redis broker";

describe("publishing tasks and reading results", () => {
  let broker: BrokerFixture;
  /** The fixture's own Redis database, flushed when the fixture is removed. */
  let backendUrl: string;
  const workers: Worker[] = [];
  let video: Worker;
  /** With the Redis backend; the one most tests use. */
  let stalk: Stalk;
  /** With rpc:// (from CELERY_RESULT_BACKEND); undefined when the broker cannot carry it. */
  let rpcStalk: Stalk | undefined;
  let bare: Stalk;
  let readOnly: Stalk;
  const post = async (server: Stalk, path: string, body?: unknown) => {
    const response = await api<TaskReply>(server.url, path, {
      method: "POST",
      headers: JSON_HEADERS,
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    return response;
  };
  const result = (id: string, timeout?: number) =>
    api<TaskReply>(
      stalk.url,
      `/api/task/result/${id}${timeout === undefined ? "" : `?timeout=${timeout}`}`,
    );

  before(async () => {
    broker = await brokerFixture();
    backendUrl = broker.backendUrl;
    const brokerUrl = broker.brokerUrl;
    const redisEnv = { CELERY_RESULT_BACKEND: backendUrl };
    const rpc = !rpcSkip;
    const started = await Promise.all([
      startWorker({ brokerUrl, name: "video", queues: ["video-queue"], env: redisEnv }),
      startWorker({ brokerUrl, name: "main", concurrency: 2, env: redisEnv }),
      rpc
        ? startWorker({
          brokerUrl,
          name: "rpc",
          queues: ["rpc-queue"],
          env: { CELERY_RESULT_BACKEND: "rpc://" },
        })
        : undefined,
    ]);
    workers.push(...started.filter((worker) => worker !== undefined));
    video = started[0];
    [stalk, bare, readOnly, rpcStalk] = await Promise.all([
      startStalk({ brokerUrl, args: [`--result_backend=${backendUrl}`] }),
      startStalk({ brokerUrl, args: ["--task_send_sent_event=false"] }),
      startStalk({ brokerUrl, args: [`--result_backend=${backendUrl}`, "--read_only"] }),
      rpc ? startStalk({ brokerUrl, env: { CELERY_RESULT_BACKEND: "rpc://" } }) : undefined,
    ]);
  });

  after(async () => {
    await Promise.all([stalk, rpcStalk, bare, readOnly].map((server) => server?.stop()));
    await Promise.all(workers.map((worker) => worker.stop()));
    await broker?.remove();
  });

  test("async-apply sends a task a worker runs with its args and kwargs; Celery reads the result", async () => {
    const response = await post(stalk, "/api/task/async-apply/tasks.echo", {
      args: [1, "two", [3]],
      kwargs: { k: { nested: true }, n: null },
    });
    assert.equal(response.status, 200, response.text);
    assert.deepEqual(Object.keys(response.json!), ["task-id", "state"]);
    // The state is read from the backend right after publishing, as Flower does; a fast worker
    // may already have finished the task by then.
    assert.ok(["PENDING", "STARTED", "SUCCESS"].includes(response.json!.state), response.text);
    const read = await pythonGet(broker.brokerUrl, backendUrl, response.json!["task-id"], 20);
    assert.deepEqual(read, {
      state: "SUCCESS",
      result: { args: [1, "two", [3]], kwargs: { k: { nested: true }, n: null } },
    });
  });

  test("a sent task is listed at once as PENDING from Stalk's own task-sent event", async () => {
    const name = `probe.sent.${crypto.randomUUID().slice(0, 8)}`;
    // A queue no worker consumes, so nothing but task-sent ever describes the task.
    const sent = await post(stalk, `/api/task/send-task/${name}`, {
      args: [4, 5],
      kwargs: { flag: true },
      queue: "sent-probe",
    });
    assert.equal(sent.status, 200, sent.text);
    const id = sent.json!["task-id"];
    const task = await waitFor(() => taskInfo(stalk.url, id), { message: "the task-sent event" });
    assert.equal(task.state, "PENDING");
    assert.deepEqual(
      [task.name, task.args, task.kwargs, task.exchange, task.routing_key],
      [name, "[4, 5]", "{'flag': True}", "", "sent-probe"],
    );
    assert.match(task.client ?? "", /^gen\d+@/);
    assert.equal(typeof task.sent, "number");
    assert.deepEqual([task.root, task.root_id, task.parent, task.parent_id], [id, id, null, null]);
    const types = await api<{ "task-types": string[] }>(stalk.url, "/api/task/types");
    assert.ok(types.json!["task-types"].includes(name), types.text);
    const listed = await api<Record<string, Record<string, unknown>>>(
      stalk.url,
      `/api/tasks?taskname=${name}`,
    );
    assert.equal(listed.headers.get("Content-Type"), "application/json; charset=UTF-8");
    assert.equal("worker" in listed.json![id], false, "no worker handled it");
    assert.equal(listed.json![id].state, "PENDING");
  });

  test("--task_send_sent_event=false sends the task without a task-sent event", async () => {
    const quiet = await post(bare, "/api/task/send-task/probe.quiet", { queue: "sent-probe" });
    assert.equal(quiet.status, 200, quiet.text);
    // Published after the quiet one: once its event is in, the quiet one's would be too.
    const loud = await post(stalk, "/api/task/send-task/probe.loud", { queue: "sent-probe" });
    await waitFor(() => taskInfo(bare.url, loud.json!["task-id"]), { message: "the loud event" });
    assert.equal(await taskInfo(bare.url, quiet.json!["task-id"]), undefined);
  });

  test("result reads, and waits for, the result of a task a Python client sent", async () => {
    const sent = await celeryClient({
      broker: broker.brokerUrl,
      backend: backendUrl,
      send: [{ name: "tasks.add", args: [2, 3] }],
    });
    const [id] = sent.ids;
    const response = await result(id, 20);
    assert.equal(response.status, 200, response.text);
    assert.deepEqual(response.json, { "task-id": id, state: "SUCCESS", result: 5 });
  });

  test("apply waits for the result of tasks.add", async () => {
    const response = await post(stalk, "/api/task/apply/tasks.add", { args: [1, 2] });
    assert.equal(response.status, 200, response.text);
    assert.deepEqual(response.json, {
      "task-id": response.json!["task-id"],
      state: "SUCCESS",
      result: 3,
    });
  });

  test("apply of a failing task answers FAILURE with the exception and its traceback", async () => {
    const response = await post(stalk, "/api/task/apply/tasks.error", { kwargs: { msg: "boom" } });
    assert.equal(response.status, 200, response.text);
    assert.equal(response.json!.state, "FAILURE");
    assert.equal(response.json!.result, "ValueError('boom')");
    assert.match(response.json!.traceback ?? "", /Traceback[\s\S]*ValueError: boom/);
  });

  test("apply that outlasts its timeout is a 504 with the task id, and the task finishes later", async () => {
    const response = await post(stalk, "/api/task/apply/tasks.sleep?timeout=0.5", { args: [2] });
    assert.equal(response.status, 504, response.text);
    const id = response.json!["task-id"];
    assert.match(response.json!.error ?? "", /did not finish within 0.5 s/);
    assert.equal(response.json!.state, "PENDING");
    const later = await result(id, 20);
    assert.deepEqual(later.json, { "task-id": id, state: "SUCCESS", result: 2 });
  });

  test("abort makes a running AbortableTask stop", async () => {
    const started = Date.now();
    const sent = await post(stalk, "/api/task/async-apply/tasks.sleep", { args: [30] });
    const id = sent.json!["task-id"];
    // The worker reports STARTED in events (Stalk's event state), not in the backend.
    await waitForTaskState(stalk.url, id, "STARTED");
    const aborted = await post(stalk, `/api/task/abort/${id}`);
    assert.equal(aborted.status, 200, aborted.text);
    assert.deepEqual(aborted.json, { message: `Aborted '${id}'` });
    // tasks.sleep sees is_aborted() and returns "aborted"; the worker then stores SUCCESS,
    // which overwrites ABORTED (Celery's write guard protects only SUCCESS). So the final
    // state is SUCCESS with the result "aborted", long before the 30 s sleep would end.
    const final = await result(id, 15);
    assert.deepEqual(final.json, { "task-id": id, state: "SUCCESS", result: "aborted" });
    assert.ok(Date.now() - started < 20_000);
  });

  test("countdown and a Flower-format eta delay execution", async () => {
    const started = Date.now();
    const eta = new Date(started + 2_000).toISOString().replace("T", " ").replace("Z", "000");
    const [byCountdown, byEta] = await Promise.all([
      post(stalk, "/api/task/async-apply/tasks.add", { args: [1, 1], countdown: 2 }),
      post(stalk, "/api/task/async-apply/tasks.add", { args: [2, 2], eta }),
    ]);
    assert.equal(byCountdown.status, 200, byCountdown.text);
    assert.equal(byEta.status, 200, byEta.text);
    assert.equal((await result(byCountdown.json!["task-id"])).json!.state, "PENDING");
    const [first, second] = await Promise.all([
      result(byCountdown.json!["task-id"], 15),
      result(byEta.json!["task-id"], 15),
    ]);
    assert.equal(first.json!.result, 2);
    assert.equal(second.json!.result, 4);
    assert.ok(Date.now() - started >= 1_900, `finished after ${Date.now() - started} ms`);
  });

  test("a task that expired before it arrived is revoked by the worker", async () => {
    const sent = await post(stalk, "/api/task/async-apply/tasks.add", {
      args: [1, 2],
      expires: "2020-01-01 00:00:00.000000",
    });
    assert.equal(sent.status, 200, sent.text);
    const final = await result(sent.json!["task-id"], 15);
    assert.deepEqual(final.json, {
      "task-id": sent.json!["task-id"],
      state: "REVOKED",
      result: "TaskRevokedError('expired')",
    });
  });

  test("queue=video-queue routes the task to the worker consuming that queue", async () => {
    const response = await post(stalk, "/api/task/apply/tasks.echo", {
      args: ["clip"],
      queue: "video-queue",
    });
    assert.equal(response.status, 200, response.text);
    assert.deepEqual(response.json!.result, { args: ["clip"], kwargs: {} });
    const id = response.json!["task-id"];
    const info = await waitFor(async () => {
      const task = await taskInfo(stalk.url, id);
      return task?.worker ? task : undefined;
    }, { message: `task ${id} to show its worker` });
    assert.equal(info.worker, video.name);
  });

  test("send-task carries priority and the message Celery would send, even to a priority queue", {
    skip: amqpOnly,
  }, async () => {
    // A queue declared with x-max-priority: redeclaring it without would close the channel
    // (406), so Stalk must publish without declaring it.
    const queue = "priority-probe";
    const amqp = new AMQPClient(broker.brokerUrl);
    await amqp.connect();
    try {
      const channel = await amqp.channel();
      await channel.queueDeclare(queue, { durable: true, autoDelete: false }, {
        "x-max-priority": 10,
      });
      const first = await post(stalk, "/api/task/send-task/not.registered.anywhere", {
        args: [7],
        queue,
        priority: 7,
        headers: { tenant: "acme" },
      });
      assert.equal(first.status, 200, first.text);
      const again = await post(stalk, "/api/task/send-task/not.registered.anywhere", {
        queue,
        priority: 3,
      });
      assert.equal(again.status, 200, again.text);
      const message = await waitFor(() => channel.basicGet(queue, { noAck: true }), {
        message: "the message",
      });
      const { properties } = message;
      assert.equal(properties.priority, 7);
      assert.equal(properties.correlationId, first.json!["task-id"]);
      assert.equal(properties.contentType, "application/json");
      assert.equal(properties.contentEncoding, "utf-8");
      assert.equal(properties.deliveryMode, 2);
      assert.match(properties.replyTo ?? "", /^[0-9a-f-]{36}$/);
      const headers = properties.headers ?? {};
      assert.equal(headers.task, "not.registered.anywhere");
      assert.equal(headers.id, first.json!["task-id"]);
      assert.equal(headers.argsrepr, "[7]", "the repr of the list the JSON args decode to");
      assert.equal(headers.tenant, "acme");
      assert.deepEqual(headers.timelimit, [null, null]);
      assert.deepEqual(JSON.parse(message.bodyToString() ?? ""), [[7], {}, {
        callbacks: null,
        errbacks: null,
        chain: null,
        chord: null,
      }]);
    } finally {
      await amqp.close();
    }
  });

  test("a queue nobody declared is created durable, with its direct exchange, as Celery does", {
    skip: amqpOnly,
  }, async () => {
    const response = await post(stalk, "/api/task/send-task/tasks.add", {
      args: [1, 2],
      queue: "made-up-queue",
    });
    assert.equal(response.status, 200, response.text);
    const amqp = new AMQPClient(broker.brokerUrl);
    await amqp.connect();
    try {
      const channel = await amqp.channel();
      const ok = await channel.queueDeclare("made-up-queue", { durable: true, autoDelete: false });
      assert.equal(ok.messageCount, 1);
      await channel.exchangeDeclare("made-up-queue", "direct", { durable: true, passive: true });
    } finally {
      await amqp.close();
    }
  });

  test("rpc:// reads the results of tasks Stalk sent", { skip: rpcSkip }, async () => {
    const rpcServer = rpcStalk!;
    const added = await post(rpcServer, "/api/task/apply/tasks.add", {
      args: [4, 5],
      queue: "rpc-queue",
    });
    assert.equal(added.status, 200, added.text);
    assert.deepEqual(added.json, {
      "task-id": added.json!["task-id"],
      state: "SUCCESS",
      result: 9,
    });
    const failed = await post(rpcServer, "/api/task/apply/tasks.error", { queue: "rpc-queue" });
    assert.equal(failed.json!.state, "FAILURE");
    assert.equal(failed.json!.result, "ValueError('boom')");
    const read = await api<TaskReply>(rpcServer.url, `/api/task/result/${added.json!["task-id"]}`);
    assert.deepEqual(read.json, added.json);
    const aborted = await post(rpcServer, `/api/task/abort/${added.json!["task-id"]}`);
    assert.equal(aborted.status, 501, aborted.text);
  });

  test("bad bodies and options are 400s with a JSON error", async () => {
    for (
      const [body, pattern] of [
        ["{not json", /^Invalid JSON body/],
        ['"text"', /^Invalid body: expected a JSON object/],
        [{ args: "1, 2" }, /^Invalid 'args': expected a JSON array/],
        [{ kwargs: [1] }, /^Invalid 'kwargs': expected a JSON object/],
        [{ eta: "tomorrow" }, /^Invalid option 'eta'/],
        [{ countdown: "soon" }, /^Invalid option 'countdown'/],
        [{ expires: "never" }, /^Invalid option 'expires'/],
        [{ priority: 1000 }, /^Invalid option 'priority'/],
        [{ bogus: 1 }, /^Unknown option 'bogus'/],
      ] as const
    ) {
      const response = await post(stalk, "/api/task/async-apply/tasks.add", body);
      assert.equal(response.status, 400, `${JSON.stringify(body)}: ${response.text}`);
      assert.match(response.json?.error ?? "", pattern);
    }
  });

  test("a task no worker registers is a 404 for apply and async-apply", async () => {
    for (const route of ["apply", "async-apply"]) {
      const response = await post(stalk, `/api/task/${route}/tasks.nope`, {});
      assert.equal(response.status, 404, response.text);
      assert.deepEqual(response.json, { error: "Unknown task 'tasks.nope'" });
    }
  });

  test("without a result backend, results are 503 but sending still works", async () => {
    for (
      const response of [
        await post(bare, "/api/task/apply/tasks.add", { args: [1, 2] }),
        await api(bare.url, "/api/task/result/some-id"),
        await post(bare, "/api/task/abort/some-id"),
      ]
    ) {
      assert.equal(response.status, 503, response.text);
      assert.match((response.json as TaskReply).error ?? "", /No result backend configured/);
    }
    const sent = await post(bare, "/api/task/async-apply/tasks.add", { args: [1, 2] });
    assert.equal(sent.status, 200, sent.text);
    assert.equal(sent.json!.state, "PENDING");
    // The workers store the result in Redis all the same.
    assert.equal((await result(sent.json!["task-id"], 15)).json!.result, 3);
  });

  test("read-only mode refuses to publish or abort", async () => {
    for (
      const path of [
        "apply/tasks.add",
        "async-apply/tasks.add",
        "send-task/tasks.add",
        "abort/some-id",
      ]
    ) {
      const response = await post(readOnly, `/api/task/${path}`, {});
      assert.equal(response.status, 403, `${path}: ${response.text}`);
    }
    const read = await api(readOnly.url, "/api/task/result/some-id");
    assert.equal(read.status, 200, read.text);
  });
});

/** AsyncResult(id).get() in a real Celery client. */
function pythonGet(
  brokerUrl: string,
  backendUrl: string,
  id: string,
  timeout: number,
): Promise<unknown> {
  const script = [
    "import json, sys",
    "from celery import Celery",
    "app = Celery(broker=sys.argv[1], backend=sys.argv[2])",
    "r = app.AsyncResult(sys.argv[3])",
    "value = r.get(timeout=float(sys.argv[4]), propagate=False)",
    "print(json.dumps({'state': r.state, 'result': value}, default=repr))",
  ].join("\n");
  return new Promise((resolve, reject) => {
    execFile(
      python,
      ["-c", script, brokerUrl, backendUrl, id, String(timeout)],
      { cwd: fixturesDir, timeout: (timeout + 15) * 1000 },
      (error, stdout, stderr) =>
        error ? reject(new Error(`${error.message}: ${stderr}`)) : resolve(JSON.parse(stdout)),
    );
  });
}
