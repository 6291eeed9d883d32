// Issue 13: --persistent. A restarted Stalk answers as before (SIGTERM saves at exit), a SIGKILL
// loses at most one save interval, a save during a burst loses no events, a lowered --max_tasks
// keeps the newest tasks, and an unreadable file never stops Stalk from starting.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  api,
  type BrokerFixture,
  brokerFixture,
  brokerKind,
  celeryClient,
  listTasks,
  publishRawEvents,
  type RawMessage,
  type Stalk,
  startStalk,
  startWorker,
  taskInfo,
  waitFor,
  waitForTaskStates,
  type Worker,
  workerStatus,
} from "./_harness/mod.ts";

/** Long enough for a save at shutdown on a busy machine; the harness default is 3 s. */
const GRACE = 20_000;

describe("persistence across restarts", () => {
  let broker: BrokerFixture;
  let worker: Worker;
  let dir: string;
  const running = new Set<Stalk>();

  const start = async (db: string, args: string[] = []) => {
    const stalk = await startStalk({
      brokerUrl: broker.brokerUrl,
      args: ["--persistent", `--db=${db}`, ...args],
    });
    running.add(stalk);
    return stalk;
  };
  const stop = async (stalk: Stalk, how: "term" | "kill" = "term") => {
    running.delete(stalk);
    if (how === "kill") await stalk.kill();
    else await stalk.stop(GRACE);
  };

  before(async () => {
    broker = await brokerFixture();
    worker = await startWorker({ brokerUrl: broker.brokerUrl, name: "persist", concurrency: 2 });
    dir = mkdtempSync(join(tmpdir(), "stalk-e2e-persist-"));
  });

  after(async () => {
    for (const stalk of running) await stalk.stop();
    await worker?.stop();
    await broker?.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  /** What a client sees: listings, each task, worker status and names, and Flower's metrics. */
  const view = async (stalk: Stalk, ids: string[]) => {
    const metrics = (await api(stalk.url, "/metrics")).text.split("\n").filter((line) =>
      /^flower_(events_total|task_runtime_seconds|task_prefetch_time|worker_prefetched)/.test(line)
    );
    const workers = (await api<Record<string, { registered?: unknown }>>(stalk.url, "/api/workers"))
      .json ?? {};
    return {
      listing: await listTasks(stalk.url),
      byState: await listTasks(stalk.url, { state: "FAILURE" }),
      sorted: await listTasks(stalk.url, { sort_by: "-received", limit: 5 }),
      info: await Promise.all(ids.map((id) => taskInfo(stalk.url, id))),
      status: await workerStatus(stalk.url),
      registered: Object.fromEntries(
        Object.entries(workers).map(([name, info]) => [name, info.registered]),
      ),
      metrics,
    };
  };

  const sendTasks = async (count: number) => {
    const send = Array.from(
      { length: count },
      (_, i) =>
        i % 4 === 3
          ? { name: "tasks.error", args: [`boom ${i}`] }
          : { name: "tasks.add", args: [i, 1] },
    );
    return (await celeryClient({ broker: broker.brokerUrl, send })).ids;
  };

  let saved: string;
  let ids: string[];

  test("after a SIGTERM restart the API answers exactly as before", async () => {
    saved = join(dir, "flower");
    const first = await start(saved, ["--state_save_interval=0"]);
    ids = await sendTasks(12);
    await waitForTaskStates(first.url, ids, ["SUCCESS", "FAILURE"]);
    await waitFor(
      async () => Object.keys((await api(first.url, "/api/workers")).json ?? {}).length > 0,
      {
        timeout: 15_000,
        message: "the inspect cache to fill",
      },
    );
    const before = await view(first, ids);
    await stop(first);
    assert.match(first.output(), /Saved 12 tasks and 1 workers to '.*flower'/);

    const second = await start(saved, ["--state_save_interval=0"]);
    assert.match(second.output(), /Restored 12 tasks and 1 workers from '.*flower'/);
    assert.deepEqual(await view(second, ids), before);
    assert.equal(before.listing.length, 12);
    assert.ok(before.metrics.length > 10, "Flower's metrics were compared");
    await stop(second);
  });

  test("a lowered --max_tasks keeps the newest tasks", async () => {
    const db = join(dir, "smaller");
    copyFileSync(saved, db);
    const stalk = await start(db, ["--max_tasks=4", "--state_save_interval=0"]);
    const held = await listTasks(stalk.url);
    const everything = await Promise.all(ids.map((id) => taskInfo(stalk.url, id)));
    assert.equal(held.length, 4);
    assert.equal(everything.filter(Boolean).length, 4);
    // Newest by first sight: the last four to be received.
    const newest = [...held].map(([, task]) => task.received!).sort();
    const all = (await viewOf(saved)).map((task) => task.received!).sort();
    assert.deepEqual(newest, all.slice(-4));
    await stop(stalk);
  });

  /** The tasks a state file holds, read through a Stalk started on a copy of it. */
  const viewOf = async (db: string) => {
    const copy = `${db}.copy`;
    copyFileSync(db, copy);
    const stalk = await start(copy, ["--state_save_interval=0"]);
    const tasks = (await listTasks(stalk.url)).map(([, task]) => task);
    await stop(stalk, "kill");
    return tasks;
  };

  test("after a SIGKILL the tasks of the last periodic save are back", async () => {
    const db = join(dir, "killed");
    const first = await start(db, ["--state_save_interval=300", "--logging=debug"]);
    const sent = await sendTasks(8);
    await waitForTaskStates(first.url, sent, ["SUCCESS", "FAILURE"]);
    const before = await listTasks(first.url);
    // A save logs when it ends, and one may have taken its copy before the last event: the
    // second save to end from now (saves never overlap) began after it, so it holds every task.
    const saves = () => first.output().match(/Saved 8 tasks/g)?.length ?? 0;
    const seen = saves();
    await waitFor(() => saves() > seen + 1, { timeout: 10_000, message: "two periodic saves" });
    await stop(first, "kill");

    const second = await start(db, ["--state_save_interval=300"]);
    assert.deepEqual(await listTasks(second.url), before);
    await stop(second);
  });

  test("a save during a burst of 20,000 events loses none of them", async () => {
    const db = join(dir, "burst");
    const first = await start(db, ["--state_save_interval=100", "--logging=debug"]);
    const tasks = 6_667;
    const events = burst(tasks);
    const savesBefore = first.output().match(/Saved \d+ tasks/g)?.length ?? 0;
    await publishRawEvents(brokerKind(), broker.brokerUrl, events);
    await waitFor(async () => (await listTasks(first.url, { state: "SUCCESS" })).length === tasks, {
      timeout: 30_000,
      interval: 250,
      message: `${tasks} synthetic tasks to succeed`,
    });
    const savesDuring = (first.output().match(/Saved \d+ tasks/g)?.length ?? 0) - savesBefore;
    assert.ok(savesDuring > 0, "a save ran while the burst was ingested");
    const before = await listTasks(first.url);
    await stop(first);

    const second = await start(db, ["--state_save_interval=0"]);
    assert.deepEqual(await listTasks(second.url), before);
    await stop(second);
  });

  test("a corrupt, truncated, empty or foreign file is moved aside and Stalk starts empty", async () => {
    const good = readFileSync(saved);
    const corrupt = good.slice();
    corrupt[Math.floor(corrupt.length / 2)] ^= 0x40;
    const files: Record<string, Uint8Array> = {
      corrupt,
      truncated: good.subarray(0, Math.floor(good.length / 2)),
      empty: new Uint8Array(0),
      // The header of a GNU dbm file, which Flower's shelve writes by default.
      foreign: new Uint8Array([0x13, 0x57, 0x9a, 0xce, ...new Array(200).fill(7)]),
    };
    await Promise.all(
      Object.entries(files).map(async ([reason, bytes]) => {
        const folder = join(dir, `bad-${reason}`);
        const db = join(folder, "flower");
        mkdirSync(folder);
        writeFileSync(db, bytes);
        const stalk = await start(db, ["--state_save_interval=0"]);
        assert.match(stalk.output(), new RegExp(`WARN State file '.*' not restored \\(${reason}`));
        assert.deepEqual(await listTasks(stalk.url), []);
        const aside = readdirSync(folder).filter((name) => name.startsWith(`flower.${reason}-`));
        assert.equal(aside.length, 1, `${reason}: ${readdirSync(folder)}`);
        assert.equal(existsSync(db), false);
        await stop(stalk);
        // And the next start finds its own, readable save.
        assert.equal(existsSync(db), true);
      }),
    );
  });
});

/** `tasks` synthetic task lifecycles (3 events each) as Celery batches them: task.multi of 24. */
function burst(tasks: number): RawMessage[] {
  const now = Date.now() / 1000;
  const events: Record<string, unknown>[] = [];
  for (let i = 0; i < tasks; i++) {
    const uuid = randomUUID();
    const base = { uuid, hostname: "burst@e2e", pid: 4242, clock: i * 3 };
    events.push({
      ...base,
      type: "task-received",
      timestamp: now,
      name: "tasks.burst",
      args: `(${i},)`,
      kwargs: "{}",
    });
    events.push({ ...base, type: "task-started", timestamp: now + 0.001, clock: i * 3 + 1 });
    events.push({
      ...base,
      type: "task-succeeded",
      timestamp: now + 0.002,
      clock: i * 3 + 2,
      result: `${i}`,
      runtime: 0.001,
    });
  }
  const messages: RawMessage[] = [];
  for (let i = 0; i < events.length; i += 24) {
    messages.push({ routingKey: "task.multi", body: JSON.stringify(events.slice(i, i + 24)) });
  }
  return messages;
}
