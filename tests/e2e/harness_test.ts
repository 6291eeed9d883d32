// The harness itself against the real broker and real Celery, without Stalk: when these fail,
// the machine (RabbitMQ, python3-celery) or the harness is broken, not the server.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import {
  type BrokerFixture,
  brokerFixture,
  celeryClient,
  ping,
  startWorker,
  waitFor,
} from "./_harness/mod.ts";

// It does not run Stalk, so the run against the compiled binary skips it.
const skip = process.env.STALK_BIN ? "the harness does not depend on STALK_BIN" : false;

describe("harness", { skip }, () => {
  let broker: BrokerFixture;

  before(async () => {
    broker = await brokerFixture();
  });

  after(async () => {
    await broker?.remove();
  });

  test("a worker answers celery inspect ping and is gone after stop()", async () => {
    const worker = await startWorker({ brokerUrl: broker.brokerUrl, name: "ping" });
    try {
      assert.match(await ping(broker.brokerUrl, worker.name, 2), /pong/);
    } finally {
      await worker.stop();
    }
    assert.deepEqual(liveInGroup(worker.pid), []);
    await assert.rejects(ping(broker.brokerUrl, worker.name, 2), /No nodes replied/);
  });

  test("client.py sends tasks that a worker runs, and waits for their results", async () => {
    // The Redis backend: rpc:// replies of a task that retried itself proved flaky under load.
    // The fixture's own database, never a guessed one another run may hold at the same time.
    const backend = broker.backendUrl;
    const env = { CELERY_RESULT_BACKEND: backend };
    const worker = await startWorker({ brokerUrl: broker.brokerUrl, name: "run", env });
    try {
      const reply = await celeryClient({
        broker: broker.brokerUrl,
        backend,
        send: [
          { name: "tasks.add", args: [1, 2] },
          { name: "tasks.echo", args: [1], kwargs: { a: 2 } },
          { name: "tasks.error", kwargs: { msg: "nope" } },
          { name: "tasks.retry", kwargs: { n: 1 } },
        ],
        wait: 20,
      });
      assert.equal(reply.ids.length, 4);
      assert.deepEqual(
        reply.results?.map(({ state, result, error }) => ({ state, result, error })),
        [
          { state: "SUCCESS", result: 3, error: undefined },
          { state: "SUCCESS", result: { args: [1], kwargs: { a: 2 } }, error: undefined },
          { state: "FAILURE", result: { type: "ValueError", message: "nope" }, error: undefined },
          { state: "SUCCESS", result: "done", error: undefined },
        ],
      );
    } finally {
      await worker.stop();
    }
  });

  test("kill() leaves nothing of the worker's process group", async () => {
    const worker = await startWorker({ brokerUrl: broker.brokerUrl, name: "kill", concurrency: 2 });
    assert.ok(liveInGroup(worker.pid).length >= 3, "a prefork worker has a parent and 2 children");
    await worker.kill();
    // The leader's exit is awaited; its children may take a moment longer to be reaped.
    await waitFor(() => liveInGroup(worker.pid).length === 0, {
      timeout: 5_000,
      interval: 50,
      message: `the group of ${worker.pid} to be empty: ${liveInGroup(worker.pid)}`,
    });
  });
});

/** Pids in process group `pgid` that are not zombies. */
function liveInGroup(pgid: number): number[] {
  const ps = execFileSync("ps", ["-e", "-o", "pid=,pgid=,stat="], { encoding: "utf8" });
  return ps.trim().split("\n").map((line) => line.trim().split(/\s+/))
    .filter(([, group, stat]) => Number(group) === pgid && !stat.startsWith("Z"))
    .map(([pid]) => Number(pid));
}
