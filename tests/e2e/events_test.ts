// Issue 2, events → read API: tasks sent by a real Celery client and run by real workers show up
// in /api/tasks, /api/task/info and /api/task/types with Flower's fields, the listing filters work
// over that live data, and worker liveness follows heartbeats and worker-offline.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import {
  api,
  type BrokerFixture,
  brokerFixture,
  celeryClient,
  listTasks,
  type Stalk,
  startStalk,
  startWorker,
  type TaskView,
  waitFor,
  waitForTaskStates,
  type Worker,
  workerStatus,
} from "./_harness/mod.ts";

describe("events to the read API", () => {
  const otherQueue = `q-ev2-${randomBytes(3).toString("hex")}`;
  const idleQueue = `q-ev3-${randomBytes(3).toString("hex")}`;
  let broker: BrokerFixture;
  let stalk: Stalk;
  /** Runs the default `celery` queue. */
  let main: Worker;
  /** Runs `otherQueue` only; SIGKILLed by the liveness test. */
  let other: Worker;
  /** Consumes a queue nobody sends to; stopped by the liveness test. */
  let idle: Worker;
  const ids = {
    add: "",
    echo: "",
    error: "",
    retry: "",
    add2: "",
    onOther: "",
  };

  before(async () => {
    broker = await brokerFixture();
    stalk = await startStalk({ brokerUrl: broker.brokerUrl });
    // Started after Stalk, so their worker-online events are seen.
    [main, other, idle] = await Promise.all([
      startWorker({ brokerUrl: broker.brokerUrl, name: "ev", concurrency: 2 }),
      startWorker({ brokerUrl: broker.brokerUrl, name: "ev2", pool: "solo", queues: [otherQueue] }),
      startWorker({ brokerUrl: broker.brokerUrl, name: "ev3", pool: "solo", queues: [idleQueue] }),
    ]);
    const sent = await celeryClient({
      broker: broker.brokerUrl,
      send: [
        { name: "tasks.add", args: [2, 3] },
        { name: "tasks.echo", args: [1, "two"], kwargs: { a: "x", n: [1, 2], flag: true } },
        { name: "tasks.error", args: ["bad input"] },
        { name: "tasks.retry", kwargs: { n: 2 } },
        { name: "tasks.add", args: [10, 20] },
        { name: "tasks.add", args: [100, 1], options: { queue: otherQueue } },
      ],
    });
    [ids.add, ids.echo, ids.error, ids.retry, ids.add2, ids.onOther] = sent.ids;
    await waitForTaskStates(stalk.url, sent.ids, ["SUCCESS", "FAILURE"], 30_000);
  });

  after(async () => {
    await Promise.allSettled([main?.stop(), other?.kill(), idle?.stop()]);
    await stalk?.stop();
    await broker?.remove();
  });

  const info = async (id: string): Promise<TaskView> => {
    const response = await api<TaskView>(stalk.url, `/api/task/info/${id}`);
    assert.equal(response.status, 200, response.text);
    assert.ok(response.json);
    return response.json;
  };

  test("a successful task has its args, kwargs, result, runtime, worker, client and times", async () => {
    const task = await info(ids.add);
    assert.equal(task.name, "tasks.add");
    assert.equal(task.state, "SUCCESS");
    // Celery's argsrepr of the args as sent: client.py sends a JSON list, so the repr is a list.
    assert.equal(task.args, "[2, 3]");
    assert.equal(task.kwargs, "{}");
    assert.equal(task.result, "5");
    assert.equal(typeof task.runtime, "number");
    assert.ok(task.runtime! > 0, `runtime ${task.runtime}`);
    assert.equal(task.worker, main.name);
    // task-sent comes from the client, named gen<pid>@<host>.
    assert.match(task.client ?? "", /^gen\d+@/);
    assert.equal(task.exception, null);
    assert.equal(task.traceback, null);
    for (const key of ["sent", "received", "started", "succeeded", "timestamp"] as const) {
      assert.equal(typeof task[key], "number", `${key} is ${task[key]}`);
    }
    // Celery publishes the task before it dates and sends task-sent (celery/app/amqp.py,
    // send_task_message), so a fast worker on Redis can date task-received a few ms earlier.
    assert.ok(
      task.sent! <= task.received! + 1,
      `sent ${task.sent} within 1 s of received ${task.received}`,
    );
    assert.ok(task.received! <= task.started!, "received before started");
    assert.ok(task.started! <= task.succeeded!, "started before succeeded");
    assert.equal(task.failed, null);
    assert.equal(task.retries, 0);
    assert.equal(task["routing_key"], "celery");
  });

  test("/api/task/info carries the same task as /api/tasks", async () => {
    const listed = new Map(await listTasks(stalk.url));
    const task = await info(ids.add);
    const fromList = listed.get(ids.add);
    assert.ok(fromList, `task ${ids.add} is listed`);
    assert.equal(fromList.uuid, ids.add);
    for (const key of ["name", "state", "args", "kwargs", "result", "worker", "received"]) {
      assert.deepEqual(fromList[key], task[key], key);
    }
  });

  test("kwargs and a structured result arrive as Python repr strings", async () => {
    const task = await info(ids.echo);
    assert.equal(task.state, "SUCCESS");
    assert.equal(task.args, "[1, 'two']");
    assert.equal(task.kwargs, "{'a': 'x', 'n': [1, 2], 'flag': True}");
    assert.equal(
      task.result,
      "{'args': [1, 'two'], 'kwargs': {'a': 'x', 'n': [1, 2], 'flag': True}}",
    );
  });

  test("a failing task is FAILURE with the exception repr and a traceback", async () => {
    const task = await info(ids.error);
    assert.equal(task.state, "FAILURE");
    assert.equal(task.exception, "ValueError('bad input')");
    assert.equal(typeof task.traceback, "string");
    assert.match(task.traceback!, /^Traceback \(most recent call last\):/);
    assert.match(task.traceback!, /ValueError: bad input/);
    assert.equal(typeof task.failed, "number");
    assert.equal(task.succeeded, null);
    assert.equal(task.result, null);
  });

  test("a task that retries itself twice records the retries and ends SUCCESS", async () => {
    const task = await info(ids.retry);
    assert.equal(task.state, "SUCCESS");
    assert.equal(task.result, "'done'");
    assert.equal(task.kwargs, "{'n': 2}");
    // task-retried set the retried timestamp; the last task-received carried retries=2.
    assert.equal(typeof task.retried, "number", `retried is ${task.retried}`);
    assert.equal(task.retries, 2);
    assert.ok(task.retried! <= task.succeeded!, "retried before it succeeded");
    // The traceback of the last retry (celery.exceptions.Retry) is kept, as in Flower.
    assert.match(task.traceback ?? "", /Retry/);
  });

  test("/api/task/info answers 404 with a JSON error for an unknown task", async () => {
    const response = await api<{ error: string }>(stalk.url, "/api/task/info/no-such-task");
    assert.equal(response.status, 404, response.text);
    assert.match(response.json?.error ?? "", /no-such-task/);
  });

  test("/api/task/types lists every task name seen", async () => {
    const response = await api<{ "task-types": string[] }>(stalk.url, "/api/task/types");
    assert.equal(response.status, 200, response.text);
    const types = response.json?.["task-types"] ?? [];
    for (const name of ["tasks.add", "tasks.echo", "tasks.error", "tasks.retry"]) {
      assert.ok(types.includes(name), `${name} in ${JSON.stringify(types)}`);
    }
    assert.ok(!types.includes("tasks.sleep"), "a task never sent is not listed");
  });

  test("taskname filters the listing to one task type", async () => {
    const tasks = await listTasks(stalk.url, { taskname: "tasks.add" });
    assert.deepEqual(
      tasks.map(([id]) => id).sort(),
      [ids.add, ids.add2, ids.onOther].sort(),
    );
    assert.ok(tasks.every(([, task]) => task.name === "tasks.add"));
  });

  test("state filters the listing to one state", async () => {
    const failed = await listTasks(stalk.url, { state: "FAILURE" });
    assert.deepEqual(failed.map(([id]) => id), [ids.error]);
    const succeeded = await listTasks(stalk.url, { state: "SUCCESS" });
    assert.deepEqual(
      succeeded.map(([id]) => id).sort(),
      [ids.add, ids.echo, ids.retry, ids.add2, ids.onOther].sort(),
    );
    assert.deepEqual(await listTasks(stalk.url, { state: "REVOKED" }), []);
  });

  test("workername filters the listing to the tasks one worker ran", async () => {
    const onOther = await listTasks(stalk.url, { workername: other.name });
    assert.deepEqual(onOther.map(([id]) => id), [ids.onOther]);
    assert.equal(onOther[0][1].worker, other.name);
    assert.equal(onOther[0][1].result, "101");
    const onMain = await listTasks(stalk.url, { workername: main.name });
    assert.equal(onMain.length, 5, JSON.stringify(onMain.map(([, task]) => task.name)));
    assert.deepEqual(await listTasks(stalk.url, { workername: idle.name }), []);
  });

  test("filters combine: taskname and state together", async () => {
    assert.deepEqual(await listTasks(stalk.url, { taskname: "tasks.add", state: "FAILURE" }), []);
    const both = await listTasks(stalk.url, { taskname: "tasks.error", state: "FAILURE" });
    assert.deepEqual(both.map(([id]) => id), [ids.error]);
  });

  test("sort_by orders by received, descending with '-', and by name", async () => {
    const ascending = await listTasks(stalk.url, { sort_by: "received" });
    assert.equal(ascending.length, 6);
    const received = ascending.map(([, task]) => task.received!);
    assert.deepEqual(received, [...received].sort((a, b) => a - b));

    const descending = await listTasks(stalk.url, { sort_by: "-received" });
    assert.deepEqual(descending.map(([id]) => id), ascending.map(([id]) => id).reverse());

    const byName = (await listTasks(stalk.url, { sort_by: "name" })).map(([, task]) => task.name!);
    assert.deepEqual(byName, [...byName].sort());
  });

  test("limit and offset page through the sorted listing", async () => {
    const all = (await listTasks(stalk.url, { sort_by: "received" })).map(([id]) => id);
    const page = await listTasks(stalk.url, { sort_by: "received", limit: 2, offset: 1 });
    assert.deepEqual(page.map(([id]) => id), all.slice(1, 3));
    assert.equal((await listTasks(stalk.url, { limit: 3 })).length, 3);
    assert.deepEqual(await listTasks(stalk.url, { sort_by: "received", offset: 6 }), []);
  });

  test("every running worker is alive in /api/workers?status=true", async () => {
    await waitFor(async () => {
      const status = await workerStatus(stalk.url);
      return [main, other, idle].every((worker) => status[worker.name] === true);
    }, { timeout: 5_000, message: "all three workers to be alive" });
  });

  test("a SIGKILLed worker (no worker-offline) is not alive within 2 x freq", async () => {
    const killedAt = Date.now();
    await other.kill();
    // freq is 2 s, so the last heartbeat expires at most 4 s after the kill; 8 s is slack.
    await waitFor(async () => (await workerStatus(stalk.url))[other.name] === false, {
      timeout: 8_000,
      interval: 200,
      message: `killed worker ${other.name} to be reported not alive`,
    });
    const elapsed = Date.now() - killedAt;
    assert.ok(elapsed <= 8_000, `took ${elapsed} ms`);
    // The others keep beating.
    const status = await workerStatus(stalk.url);
    assert.equal(status[main.name], true);
  });

  test("a worker stopped gracefully is not alive as soon as its worker-offline arrives", async () => {
    await idle.stop();
    const stoppedAt = Date.now();
    await waitFor(async () => (await workerStatus(stalk.url))[idle.name] === false, {
      timeout: 2_000,
      interval: 100,
      message: `stopped worker ${idle.name} to be reported not alive`,
    });
    assert.ok(Date.now() - stoppedAt < 2_000);
  });

  test("a dead worker's tasks stay listed under its name", async () => {
    const onOther = await listTasks(stalk.url, { workername: other.name });
    assert.deepEqual(onOther.map(([id]) => id), [ids.onOther]);
  });
});
