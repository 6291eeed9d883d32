import { test } from "node:test";
import assert from "node:assert/strict";
import { LamportClock } from "../../../src/state/clock.ts";
import { prepareEvent } from "../../../src/ingest/receiver.ts";
import { State } from "../../../src/state/state.ts";
import type { CeleryEvent } from "../../../src/state/types.ts";
import { fakeState, query, T0, taskEvent, workerEvent } from "./_events.ts";

test("a task's life from task-sent to task-succeeded, through the receiver", () => {
  const { state } = fakeState();
  const clock = new LamportClock();
  const now = () => T0 + 1;
  const events = [
    {
      type: "task-sent",
      uuid: "t",
      hostname: "gen7@client",
      timestamp: T0,
      name: "tasks.add",
      args: "(1, 2)",
      kwargs: "{}",
      retries: 0,
      eta: null,
      expires: null,
      root_id: "t",
      parent_id: null,
      queue: "celery",
      exchange: "",
      routing_key: "celery",
    },
    { type: "task-received", uuid: "t", hostname: "celery@w1", timestamp: T0 + 1, clock: 3 },
    { type: "task-started", uuid: "t", hostname: "celery@w1", timestamp: T0 + 2, clock: 4 },
    {
      type: "task-succeeded",
      uuid: "t",
      hostname: "celery@w1",
      timestamp: T0 + 3,
      clock: 5,
      result: "3",
      runtime: 0.25,
    },
  ];
  for (const raw of events) state.apply(prepareEvent(raw, clock, now, 0));
  assert.deepEqual(state.task("t"), {
    uuid: "t",
    name: "tasks.add",
    state: "SUCCESS",
    received: T0 + 1,
    sent: T0,
    started: T0 + 2,
    rejected: null,
    succeeded: T0 + 3,
    failed: null,
    retried: null,
    revoked: null,
    args: "(1, 2)",
    kwargs: "{}",
    eta: null,
    expires: null,
    retries: 0,
    worker: "celery@w1",
    result: "3",
    exception: null,
    timestamp: T0 + 3,
    runtime: 0.25,
    traceback: null,
    exchange: "",
    routing_key: "celery",
    clock: 5,
    client: "gen7@client",
    root: "t",
    root_id: "t",
    parent: null,
    parent_id: null,
    children: [],
  });
  assert.equal(state.taskCount, 1);
  assert.equal(state.workerCount, 1);
});

test("events of other groups are ignored", () => {
  const { state } = fakeState();
  state.apply({ type: "foo-bar", hostname: "h", timestamp: T0, clock: 1, local_received: T0 });
  state.apply({ type: "heartbeat", hostname: "h", timestamp: T0, clock: 1, local_received: T0 });
  assert.equal(state.taskCount, 0);
  assert.equal(state.workerCount, 0);
});

test("a task event without a uuid is ignored", () => {
  const { state } = fakeState();
  const event = taskEvent("received", "x");
  delete event.uuid;
  state.apply(event);
  state.apply({ ...taskEvent("received", "x"), uuid: 42 });
  assert.equal(state.taskCount, 0);
});

test("malformed events never throw", () => {
  const { state } = fakeState(3, 3);
  const junk: unknown[] = [null, 1, "x", [], {}, { a: 1 }, NaN, -1, 2 ** 40, [1, "a"], true];
  const types = ["task-received", "task-succeeded", "task-x", "task", "task-", "worker-", "worker"];
  const fields = ["name", "args", "retries", "runtime", "parent_id", "root_id", "exchange", "freq"];
  let n = 0;
  for (const type of types) {
    for (const field of fields) {
      for (const value of junk) {
        const event = {
          type,
          uuid: `t${n++ % 5}`,
          hostname: `h${n % 4}`,
          timestamp: T0,
          clock: 1,
          local_received: T0,
          [field]: value,
          loadavg: value,
          active: value,
          sw_ver: value,
        } as CeleryEvent;
        state.apply(event);
      }
    }
    state.apply({ type, hostname: 5, timestamp: "x" } as unknown as CeleryEvent);
    state.apply({ type: 5 } as unknown as CeleryEvent);
  }
  assert.ok(state.taskCount <= 3);
  assert.ok(state.workerCount <= 3);
  state.tasks(query({ sortBy: "name" }));
  state.workers();
});

test("a worker without a fake clock is alive by the system clock", () => {
  const state = new State({ maxTasks: 10, maxWorkers: 10 });
  const now = Date.now() / 1000;
  state.apply(workerEvent("heartbeat", "w", { timestamp: now, local_received: now, freq: 60 }));
  assert.equal(state.worker("w")!.status, true);
});

test("task types are sorted and distinct", () => {
  const { state } = fakeState();
  for (const [id, name] of [["1", "b"], ["2", "a"], ["3", "b"]]) {
    state.apply(taskEvent("received", id, { name }));
  }
  assert.deepEqual(state.taskTypes(), ["a", "b"]);
});

test("unknown uuids and hostnames are undefined", () => {
  const { state } = fakeState();
  assert.equal(state.task("nope"), undefined);
  assert.equal(state.worker("nope"), undefined);
});

test("tasks from a client only have no worker", () => {
  const { state } = fakeState();
  state.apply(taskEvent("sent", "t", { hostname: "gen1@c" }));
  const [task] = state.tasks(query());
  assert.equal(task.worker, null);
  assert.equal(task.state, "PENDING");
});

test("taskPhase reads the task just applied and any other held task alike", () => {
  const { state } = fakeState(2);
  state.apply(taskEvent("received", "a", { name: "tasks.add", timestamp: T0 }));
  state.apply(taskEvent("received", "b", { name: "tasks.echo", timestamp: T0 + 1 }));
  state.apply(taskEvent("started", "b", { timestamp: T0 + 2 }));
  assert.deepEqual({ ...state.taskPhase("b") }, {
    name: "tasks.echo",
    received: T0 + 1,
    started: T0 + 2,
    hasEta: false,
  });
  assert.deepEqual({ ...state.taskPhase("a") }, {
    name: "tasks.add",
    received: T0,
    started: null,
    hasEta: false,
  });
  // "c" evicts "a", the oldest: its old slot now answers for "c" only.
  state.apply(taskEvent("received", "c", { name: "tasks.mul", timestamp: T0 + 3 }));
  assert.equal(state.taskPhase("a"), undefined);
  assert.equal(state.taskPhase("c")?.name, "tasks.mul");
});

test("an applied event keeps its text: type, hostname and name are equal to what was sent", () => {
  const { state } = fakeState();
  const received = taskEvent("received", "t", { name: "tasks.add", hostname: "celery@w9" });
  state.apply(received);
  assert.equal(received.type, "task-received");
  assert.equal(received.hostname, "celery@w9");
  assert.equal(received.name, "tasks.add");
  const beat = workerEvent("heartbeat", "celery@w9");
  state.apply(beat);
  assert.equal(beat.hostname, "celery@w9");
  assert.equal(state.worker("celery@w9")?.hostname, "celery@w9");
});
