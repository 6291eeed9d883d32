import { test } from "node:test";
import assert from "node:assert/strict";
import { TaskStore } from "../../../src/state/task_store.ts";
import { fakeState, query, taskEvent, uuids } from "./_events.ts";

test("a full store evicts the task seen first, even if it was updated since", () => {
  const { state } = fakeState(2);
  state.apply(taskEvent("received", "a"));
  state.apply(taskEvent("received", "b"));
  state.apply(taskEvent("started", "a"));
  state.apply(taskEvent("received", "c"));
  assert.equal(state.task("a"), undefined);
  assert.deepEqual(uuids(state.tasks(query())), ["c", "b"]);
  assert.equal(state.taskCount, 2);
});

test("an evicted task leaves no trace in the name, state and worker filters", () => {
  const { state } = fakeState(2);
  state.apply(taskEvent("received", "a", { name: "tasks.old", hostname: "celery@old" }));
  state.apply(taskEvent("failed", "a", { hostname: "celery@old" }));
  state.apply(taskEvent("received", "b", { name: "tasks.new" }));
  state.apply(taskEvent("received", "c", { name: "tasks.new" }));
  assert.deepEqual(state.tasks(query({ taskname: "tasks.old" })), []);
  assert.deepEqual(state.tasks(query({ workername: "celery@old" })), []);
  assert.deepEqual(state.tasks(query({ state: "FAILURE" })), []);
  assert.equal(state.countTasks(query({ state: "FAILURE" })), 0);
  assert.deepEqual(state.taskTypes(), ["tasks.new"]);
});

test("task types keep a name while one task still has it", () => {
  const { state } = fakeState(2);
  state.apply(taskEvent("received", "a", { name: "x" }));
  state.apply(taskEvent("received", "b", { name: "x" }));
  state.apply(taskEvent("received", "c", { name: "y" }));
  assert.deepEqual(state.taskTypes(), ["x", "y"]);
});

test("a task evicted and seen again starts afresh", () => {
  const { state } = fakeState(1);
  state.apply(taskEvent("succeeded", "a", { result: "1" }));
  state.apply(taskEvent("received", "b"));
  state.apply(taskEvent("started", "a"));
  const task = state.task("a")!;
  assert.equal(task.state, "STARTED");
  assert.equal(task.result, null);
  assert.equal(task.succeeded, null);
});

test("interned strings are released when their last task is evicted", () => {
  const store = new TaskStore(2);
  const a = store.create("a");
  store.setWorker(a, "w1");
  store.setClient(a, "w1");
  store.setExchange(a, "ex");
  store.setRoutingKey(a, "rk");
  store.create("b");
  store.create("c");
  assert.equal(store.hosts.size, 0);
  assert.equal(store.routes.size, 0);
  assert.deepEqual(store.states.values(), ["PENDING"]);
});

test("the store grows past its first allocation up to capacity", () => {
  const store = new TaskStore(5000);
  for (let i = 0; i < 6000; i++) store.create(`t${i}`);
  assert.equal(store.size, 5000);
  assert.equal(store.slotOf("t999"), undefined);
  assert.equal(store.cols.uuid.get(store.slotOf("t1000")!), "t1000");
  assert.equal(store.cols.uuid.get(store.slotByAge(0)), "t1000");
  assert.equal(store.cols.uuid.get(store.slotByAge(4999)), "t5999");
});

test("a root task's root_id is its own uuid", () => {
  const { state } = fakeState();
  state.apply(taskEvent("received", "a", { root_id: "a" }));
  assert.equal(state.task("a")!.root_id, "a");
});

test("a task's JSON has exactly Flower's fields", () => {
  const { state } = fakeState();
  state.apply(taskEvent("received", "a", { name: "tasks.add", args: "(1, 2)", kwargs: "{}" }));
  assert.deepEqual(Object.keys(state.task("a")!), [
    "uuid",
    "name",
    "state",
    "received",
    "sent",
    "started",
    "rejected",
    "succeeded",
    "failed",
    "retried",
    "revoked",
    "args",
    "kwargs",
    "eta",
    "expires",
    "retries",
    "worker",
    "result",
    "exception",
    "timestamp",
    "runtime",
    "traceback",
    "exchange",
    "routing_key",
    "clock",
    "client",
    "root",
    "root_id",
    "parent",
    "parent_id",
    "children",
  ]);
});

test("setting a task's name, state or worker to the value it has changes no count", () => {
  const store = new TaskStore(4);
  const slot = store.create("a");
  store.setName(slot, "tasks.add");
  store.setWorker(slot, "w1");
  store.setState(slot, "STARTED");
  const before = [
    store.names.refs(store.cols.name[slot]),
    store.hosts.refs(store.cols.worker[slot]),
  ];
  for (let i = 0; i < 3; i++) {
    // Equal strings from another source (as each decoded event brings), not the same object.
    store.setName(slot, ["tasks", "add"].join("."));
    store.setWorker(slot, ["w", "1"].join(""));
    store.setState(slot, ["START", "ED"].join(""));
  }
  assert.deepEqual(
    [store.names.refs(store.cols.name[slot]), store.hosts.refs(store.cols.worker[slot])],
    before,
  );
  assert.equal(store.state(slot), "STARTED");
  store.setState(slot, "SUCCESS");
  assert.deepEqual(store.states.values().sort(), ["SUCCESS"]);
});
