import { test } from "node:test";
import assert from "node:assert/strict";
import { Worker, WorkerTable } from "../../../src/state/worker_table.ts";
import { fakeState, T0, taskEvent, workerEvent } from "./_events.ts";

test("a heartbeat creates the worker with the event's fields", () => {
  const { state } = fakeState();
  state.apply(workerEvent("heartbeat", "celery@w1", { active: 2, processed: 40, clock: 7 }));
  assert.deepEqual(state.worker("celery@w1"), {
    hostname: "celery@w1",
    pid: 1234,
    freq: 2,
    heartbeats: [T0],
    clock: 7,
    active: 2,
    processed: 40,
    loadavg: [0.1, 0.2, 0.3],
    sw_ident: "py-celery",
    sw_ver: "5.2.6",
    sw_sys: "Linux",
    timestamp: T0,
    status: true,
  });
});

test("a worker is alive until twice its freq has passed since the last heartbeat", () => {
  const { state, clock } = fakeState();
  state.apply(workerEvent("online", "celery@w1", { freq: 2, local_received: T0 }));
  clock.now = T0 + 3.9;
  assert.equal(state.worker("celery@w1")!.status, true);
  assert.deepEqual(state.workerStatus(), { "celery@w1": true });
  clock.now = T0 + 4;
  assert.equal(state.worker("celery@w1")!.status, false);
  assert.deepEqual(state.workerStatus(), { "celery@w1": false });
});

test("heartbeats are recorded at local_received, not at the sender's timestamp", () => {
  const { state } = fakeState();
  state.apply(workerEvent("heartbeat", "w", { timestamp: T0 - 100, local_received: T0 }));
  assert.deepEqual(state.worker("w")!.heartbeats, [T0]);
});

test("worker-offline clears the heartbeats, so the worker is not alive", () => {
  const { state } = fakeState();
  state.apply(workerEvent("online", "w"));
  state.apply(workerEvent("offline", "w"));
  const worker = state.worker("w")!;
  assert.deepEqual(worker.heartbeats, []);
  assert.equal(worker.status, false);
  assert.equal(state.workerCount, 1);
});

test("an unknown worker's worker-offline stores nothing", () => {
  const { state } = fakeState();
  state.apply(workerEvent("offline", "ghost"));
  assert.equal(state.worker("ghost"), undefined);
  assert.equal(state.workerCount, 0);
  assert.deepEqual(state.workers(), []);
});

test("at most four heartbeats are kept, in order, even when they arrive out of order", () => {
  const { state } = fakeState();
  for (const at of [5, 1, 3, 2, 4]) {
    state.apply(workerEvent("heartbeat", "w", { local_received: T0 + at }));
  }
  // Celery drops the smallest before inserting: [1,2,3,5] + 4 -> [2,3,4,5].
  assert.deepEqual(state.worker("w")!.heartbeats, [T0 + 2, T0 + 3, T0 + 4, T0 + 5]);
});

test("a heartbeat without active or loadavg keeps the previous values", () => {
  const { state } = fakeState();
  state.apply(workerEvent("heartbeat", "w", { active: 3 }));
  const event = workerEvent("heartbeat", "w", { freq: 5 });
  delete event.active;
  delete event.loadavg;
  state.apply(event);
  const worker = state.worker("w")!;
  assert.equal(worker.freq, 5);
  assert.equal(worker.active, 3);
  assert.deepEqual(worker.loadavg, [0.1, 0.2, 0.3]);
});

test("a task event creates its worker with freq 60 and the event's timestamp as heartbeat", () => {
  const { state, clock } = fakeState();
  // Celery passes local_received and timestamp swapped, so the event's timestamp is recorded.
  state.apply(taskEvent("started", "t", { hostname: "w", timestamp: T0 - 10, local_received: T0 }));
  const worker = state.worker("w")!;
  assert.equal(worker.freq, 60);
  assert.deepEqual(worker.heartbeats, [T0 - 10]);
  assert.equal(worker.pid, null);
  assert.equal(worker.clock, 0);
  clock.now = T0 - 10 + 119;
  assert.equal(state.worker("w")!.status, true);
  clock.now = T0 - 10 + 120;
  assert.equal(state.worker("w")!.status, false);
});

test("a task-sent does not create a worker for the client", () => {
  const { state } = fakeState();
  state.apply(taskEvent("sent", "t", { hostname: "gen1@client" }));
  assert.equal(state.workerCount, 0);
  assert.equal(state.task("t")!.client, "gen1@client");
  assert.equal(state.task("t")!.worker, null);
});

test("beyond capacity the least recently updated worker is evicted", () => {
  const { state } = fakeState(100, 2);
  state.apply(workerEvent("online", "a"));
  state.apply(workerEvent("online", "b"));
  state.apply(workerEvent("heartbeat", "a"));
  state.apply(workerEvent("online", "c"));
  assert.deepEqual(state.workers().map((w) => w.hostname), ["a", "c"]);
});

test("workers are listed least recently updated first", () => {
  const table = new WorkerTable(10);
  table.applyWorkerEvent("online", "a", T0, T0, {});
  table.applyWorkerEvent("online", "b", T0, T0, {});
  table.applyTaskEvent("a", T0, T0);
  assert.deepEqual([...table.all()].map((w) => w.hostname), ["b", "a"]);
});

test("a late heartbeat older than all four replaces the oldest, as Celery's insort does", () => {
  const { state } = fakeState();
  for (const at of [2, 3, 4, 5, 1]) {
    state.apply(workerEvent("heartbeat", "w", { local_received: T0 + at }));
  }
  assert.deepEqual(state.worker("w")!.heartbeats, [T0 + 1, T0 + 3, T0 + 4, T0 + 5]);
});

test("a zero timestamp or local_received records no heartbeat, as in Celery", () => {
  const table = new WorkerTable(10);
  table.applyWorkerEvent("heartbeat", "w", 0, T0, {});
  table.applyTaskEvent("v", T0, 0);
  assert.deepEqual(table.get("w")!.heartbeats, []);
  assert.deepEqual(table.get("v")!.heartbeats, []);
});

test("a worker never heard from is not alive", () => {
  assert.equal(new Worker("w").alive(T0), false);
});

test("a run of events from the most recent worker keeps the order and eviction exact", () => {
  const table = new WorkerTable(2);
  table.applyTaskEvent("a", T0, T0);
  table.applyTaskEvent("b", T0, T0);
  table.applyTaskEvent("b", T0 + 1, T0 + 1);
  table.applyTaskEvent("a", T0 + 2, T0 + 2);
  table.applyTaskEvent("a", T0 + 3, T0 + 3);
  assert.deepEqual([...table.all()].map((w) => w.hostname), ["b", "a"]);
  table.applyTaskEvent("c", T0 + 4, T0 + 4);
  assert.deepEqual([...table.all()].map((w) => w.hostname), ["a", "c"]);
  assert.deepEqual(table.get("a")!.heartbeats, [T0, T0 + 2, T0 + 3]);
  // Capacity one: the new worker replaces the only one, which must not be returned again.
  const one = new WorkerTable(1);
  one.applyTaskEvent("x", T0, T0);
  one.applyTaskEvent("y", T0, T0);
  one.applyTaskEvent("y", T0, T0);
  assert.deepEqual([...one.all()].map((w) => w.hostname), ["y"]);
  assert.equal(one.get("x"), undefined);
});
