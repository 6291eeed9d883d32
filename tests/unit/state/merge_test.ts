import { test } from "node:test";
import assert from "node:assert/strict";
import { eventKind, isOutOfOrder, precedence } from "../../../src/state/merge.ts";
import { fakeState, T0, taskEvent } from "./_events.ts";

test("precedence follows celery.states, with custom states at 2", () => {
  const order = ["SUCCESS", "FAILURE", "PROGRESS", "REVOKED", "STARTED", "RECEIVED", "REJECTED"];
  assert.deepEqual(order.map(precedence), [0, 1, 2, 3, 4, 5, 6]);
  assert.equal(precedence("RETRY"), 7);
  assert.equal(precedence("PENDING"), 8);
});

test("RETRY is never out of order, in either position", () => {
  assert.equal(isOutOfOrder("RETRY", "SUCCESS"), false);
  assert.equal(isOutOfOrder("RECEIVED", "RETRY"), false);
  assert.equal(isOutOfOrder("RECEIVED", "STARTED"), true);
  assert.equal(isOutOfOrder("SUCCESS", "STARTED"), false);
});

test("each known subject sets its state and its same-named timestamp", () => {
  const cases: [string, string, string][] = [
    ["sent", "PENDING", "sent"],
    ["received", "RECEIVED", "received"],
    ["started", "STARTED", "started"],
    ["failed", "FAILURE", "failed"],
    ["retried", "RETRY", "retried"],
    ["succeeded", "SUCCESS", "succeeded"],
    ["revoked", "REVOKED", "revoked"],
    ["rejected", "REJECTED", "rejected"],
  ];
  for (const [subject, state, field] of cases) {
    const { state: s } = fakeState();
    s.apply(taskEvent(subject, "t", { timestamp: T0 + 7 }));
    const task = s.task("t")!;
    assert.equal(task.state, state, subject);
    assert.equal(task[field as "sent"], T0 + 7, subject);
    assert.equal(task.timestamp, T0 + 7, subject);
  }
});

test("a new task starts PENDING before its first event is merged", () => {
  const { state } = fakeState();
  // A custom event would win over PENDING (2 < 8), proving the task existed as PENDING first.
  state.apply(taskEvent("progress", "t"));
  assert.equal(state.task("t")!.state, "PROGRESS");
});

test("a task-succeeded before task-started ends SUCCESS and started still gets its time", () => {
  const { state } = fakeState();
  state.apply(taskEvent("succeeded", "t", { timestamp: T0 + 2, result: "3", runtime: 0.5 }));
  state.apply(taskEvent("started", "t", { timestamp: T0 + 1, clock: 9 }));
  const task = state.task("t")!;
  assert.equal(task.state, "SUCCESS");
  assert.equal(task.started, T0 + 1);
  assert.equal(task.succeeded, T0 + 2);
  assert.equal(task.result, "3");
  assert.equal(task.runtime, 0.5);
  // Every field of an out-of-order non-RECEIVED event is taken, timestamp and clock included.
  assert.equal(task.timestamp, T0 + 1);
  assert.equal(task.clock, 9);
});

test("a task-received after task-started keeps STARTED and takes name, args and the rest", () => {
  const { state } = fakeState();
  state.apply(taskEvent("started", "t", { timestamp: T0 + 2, clock: 5 }));
  state.apply(taskEvent("received", "t", {
    timestamp: T0 + 1,
    clock: 4,
    name: "tasks.add",
    args: "(1, 2)",
    kwargs: "{}",
    retries: 1,
    eta: "2024-05-06T00:00:00",
    expires: null,
    root_id: "r",
    parent_id: "p",
    result: "ignored",
    exchange: "ignored",
  }));
  const task = state.task("t")!;
  assert.equal(task.state, "STARTED");
  assert.equal(task.name, "tasks.add");
  assert.equal(task.args, "(1, 2)");
  assert.equal(task.kwargs, "{}");
  assert.equal(task.retries, 1);
  assert.equal(task.eta, "2024-05-06T00:00:00");
  assert.equal(task.root_id, "r");
  assert.equal(task.parent_id, "p");
  assert.equal(task.received, T0 + 1);
  // Not in the RECEIVED merge rule: left as the started event set them.
  assert.equal(task.result, null);
  assert.equal(task.exchange, null);
  assert.equal(task.timestamp, T0 + 2);
  assert.equal(task.clock, 5);
});

test("a task-received after RETRY makes the task RECEIVED again", () => {
  const { state } = fakeState();
  state.apply(taskEvent("started", "t"));
  state.apply(taskEvent("retried", "t", { exception: "Boom()", traceback: "tb" }));
  state.apply(taskEvent("received", "t", { timestamp: T0 + 5 }));
  const task = state.task("t")!;
  assert.equal(task.state, "RECEIVED");
  assert.equal(task.exception, "Boom()");
  assert.equal(task.timestamp, T0 + 5);
});

test("a RETRY after SUCCESS is applied, as Celery does", () => {
  const { state } = fakeState();
  state.apply(taskEvent("succeeded", "t"));
  state.apply(taskEvent("retried", "t"));
  assert.equal(state.task("t")!.state, "RETRY");
});

test("an unknown subject becomes an upper-cased custom state with no timestamp field", () => {
  const { state } = fakeState();
  state.apply(taskEvent("started", "t"));
  state.apply(taskEvent("progress", "t", { timestamp: T0 + 3, current: 50 }));
  const task = state.task("t")!;
  assert.equal(task.state, "PROGRESS");
  assert.equal(task.timestamp, T0 + 3);
  assert.equal("progress" in task, false);
  assert.equal("current" in task, false);
});

test("a custom event after SUCCESS keeps SUCCESS but takes its fields", () => {
  const { state } = fakeState();
  state.apply(taskEvent("succeeded", "t"));
  state.apply(taskEvent("progress", "t", { result: "late" }));
  const task = state.task("t")!;
  assert.equal(task.state, "SUCCESS");
  assert.equal(task.result, "late");
});

test("a task-sent after task-received keeps RECEIVED but takes the routing fields", () => {
  const { state } = fakeState();
  state.apply(taskEvent("received", "t", { name: "tasks.add" }));
  state.apply(taskEvent("sent", "t", {
    hostname: "gen42@client",
    exchange: "",
    routing_key: "celery",
    queue: "celery",
  }));
  const task = state.task("t")!;
  assert.equal(task.state, "RECEIVED");
  assert.equal(task.exchange, "");
  assert.equal(task.routing_key, "celery");
  assert.equal(task.client, "gen42@client");
  assert.equal(task.worker, "celery@w1");
  assert.equal(task.sent, T0);
});

test("fields of the wrong type and unknown fields are not stored", () => {
  const { state } = fakeState();
  state.apply(taskEvent("progress", "t", { result: { done: 1 }, retries: "x", name: 3, extra: 1 }));
  const task = state.task("t")!;
  assert.equal(task.result, null);
  assert.equal(task.retries, null);
  assert.equal(task.name, null);
  assert.equal("extra" in task, false);
});

test("explicit nulls clear text fields", () => {
  const { state } = fakeState();
  state.apply(taskEvent("received", "t", { name: "a", eta: "soon", retries: 2 }));
  state.apply(taskEvent("started", "t", { eta: null, retries: null }));
  const task = state.task("t")!;
  assert.equal(task.eta, null);
  assert.equal(task.retries, null);
  assert.equal(task.name, "a");
});

test("an event type is split as Python's str.partition does, and known subjects stamp a time", () => {
  assert.deepEqual(eventKind("task-succeeded"), {
    type: "task-succeeded",
    group: "task",
    subject: "succeeded",
    state: "SUCCESS",
    precedence: 0,
    time: "succeeded",
  });
  assert.deepEqual(eventKind("task-progress-report"), {
    type: "task-progress-report",
    group: "task",
    subject: "progress-report",
    state: "PROGRESS-REPORT",
    precedence: 2,
    time: undefined,
  });
  assert.equal(eventKind("worker").group, "worker");
  assert.equal(eventKind("worker").subject, "");
  // Cached: the same answer object each time.
  assert.equal(eventKind("task-received"), eventKind(["task", "received"].join("-")));
});
