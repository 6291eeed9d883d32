// Issue 13, metrics: with a real worker and a real Celery client, /metrics has the process
// families, Stalk's health, and worker gauges only for workers (a client's task-sent creates
// none).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  api,
  type BrokerFixture,
  brokerFixture,
  celeryClient,
  type Stalk,
  startStalk,
  startWorker,
  waitForTaskStates,
  type Worker,
} from "./_harness/mod.ts";

describe("metrics", () => {
  let broker: BrokerFixture;
  let stalk: Stalk;
  let worker: Worker;

  before(async () => {
    broker = await brokerFixture();
    stalk = await startStalk({ brokerUrl: broker.brokerUrl });
    worker = await startWorker({ brokerUrl: broker.brokerUrl, name: "metrics", concurrency: 2 });
  });

  after(async () => {
    await worker?.stop();
    await stalk?.stop();
    await broker?.remove();
  });

  test("process, health and Flower's families; worker gauges only for workers", async () => {
    const send = [{ name: "tasks.add", args: [1, 2] }, { name: "tasks.error", args: ["x"] }];
    const { ids } = await celeryClient({ broker: broker.brokerUrl, send });
    await waitForTaskStates(stalk.url, ids, ["SUCCESS", "FAILURE"]);
    const text = (await api(stalk.url, "/metrics")).text;
    const value = (name: string) => {
      const line = text.split("\n").find((l) => l.startsWith(`${name} `));
      return line === undefined ? undefined : Number(line.split(" ")[1]);
    };

    for (const name of ["process_resident_memory_bytes", "process_virtual_memory_bytes"]) {
      assert.ok(value(name)! > 1_000_000, name);
    }
    assert.ok(value("process_cpu_seconds_total")! > 0);
    assert.ok(value("process_open_fds")! > 3);
    assert.ok(Math.abs(value("process_start_time_seconds")! - Date.now() / 1000) < 600);
    assert.match(text, /# TYPE process_cpu_seconds_total counter/);

    assert.ok(value("stalk_events_ingested_total")! >= 6);
    assert.equal(value("stalk_broker_connected"), 1);
    assert.equal(value("stalk_tasks_held"), 2);
    assert.ok(value("stalk_seconds_since_last_event")! < 60);

    const sent = /flower_events_total\{worker="([^"]+)",type="task-sent",task="tasks.add"\} 1/
      .exec(text);
    assert.ok(sent, "the client's task-sent is counted");
    const client = sent[1];
    assert.notEqual(client, worker.name);
    assert.match(text, new RegExp(`flower_worker_prefetched_tasks\\{worker="${worker.name}"`));
    assert.doesNotMatch(text, new RegExp(`flower_worker_prefetched_tasks\\{worker="${client}"`));
    assert.doesNotMatch(text, new RegExp(`flower_task_prefetch_time_seconds\\{worker="${client}"`));
  });
});
