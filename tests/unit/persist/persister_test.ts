import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CeleryMetrics } from "../../../src/metrics/celery_metrics.ts";
import { Persister } from "../../../src/persist/persister.ts";
import type { StateSnapshot } from "../../../src/persist/snapshot.ts";
import { State } from "../../../src/state/state.ts";
import { query, T0, taskEvent, workerEvent } from "../state/_events.ts";

function folder(): string {
  return mkdtempSync(join(tmpdir(), "stalk-persist-"));
}

function filled(): { state: State; metrics: CeleryMetrics } {
  const state = new State({ maxTasks: 100, maxWorkers: 10, now: () => T0 });
  const metrics = new CeleryMetrics(state);
  const events = [
    workerEvent("online", "celery@w1"),
    taskEvent("received", "a", { name: "tasks.add", args: "(1, 2)", kwargs: "{'x': 'é'}" }),
    taskEvent("started", "a"),
    taskEvent("succeeded", "a", { result: "3", runtime: 0.25 }),
    taskEvent("received", "b", { name: "tasks.fail", eta: "2024-05-06T00:00:00" }),
    taskEvent("failed", "b", { exception: "ValueError('x')", traceback: "Traceback…" }),
  ];
  for (const event of events) {
    state.apply(event);
    metrics.observe(event);
  }
  return { state, metrics };
}

async function save(path: string, state: State, metrics: CeleryMetrics): Promise<void> {
  const persister = new Persister({ path, interval: 0 });
  persister.start({
    copyTasks: () => state.copyTasks(),
    extras: () => ({
      workers: state.workerRecords(),
      clock: 42,
      metrics: metrics.image(),
      inspector: { "celery@w1": { registered: ["tasks.add"], timestamp: T0 } },
    }),
  });
  await persister.close(10_000);
  assert.equal(persister.stats.saves, 1);
}

function load(path: string): { state: State; snapshot?: StateSnapshot; restored: boolean } {
  const state = new State({ maxTasks: 100, maxWorkers: 10, now: () => T0 });
  let snapshot: StateSnapshot | undefined;
  const restored = new Persister({ path, interval: 0 }).restore((s) => {
    state.restore(s.tasks, s.workers);
    snapshot = s;
  });
  return { state, snapshot, restored };
}

test("a saved state file restores tasks, workers, clock, metrics and the inspect cache", async () => {
  const path = join(folder(), "flower");
  const { state, metrics } = filled();
  await save(path, state, metrics);
  const back = load(path);
  assert.equal(back.restored, true);
  assert.deepEqual(back.state.tasks(query()), state.tasks(query()));
  assert.deepEqual(back.state.workers(), state.workers());
  assert.equal(back.snapshot?.clock, 42);
  assert.deepEqual(back.snapshot?.inspector, {
    "celery@w1": { registered: ["tasks.add"], timestamp: T0 },
  });
  const again = new CeleryMetrics(back.state);
  assert.equal(again.restore(back.snapshot!.metrics), true);
  assert.equal(again.render(), metrics.render());
});

test("a save reports its CPU time and its longest step, in wall and in CPU time", async () => {
  const { state, metrics } = filled();
  let clock = 0;
  let cpu = 0;
  // Each reading of the clock is 1 ms later, each reading of the CPU 2 ms more.
  const persister = new Persister({
    path: join(folder(), "flower"),
    interval: 0,
    now: () => ++clock,
    cpu: () => cpu += 2,
  });
  persister.start({
    copyTasks: () => state.copyTasks(),
    extras: () => ({
      workers: state.workerRecords(),
      clock: 1,
      metrics: metrics.image(),
      inspector: {},
    }),
  });
  await persister.save();
  const { cpuMs, longestStepMs, longestStepCpuMs } = persister.stats;
  assert.equal(persister.stats.saves, 1);
  assert.ok(longestStepMs !== undefined && longestStepMs > 0 && longestStepMs < clock);
  assert.ok(longestStepCpuMs !== undefined && longestStepCpuMs > 0);
  assert.ok(cpuMs !== undefined && cpuMs > longestStepCpuMs && cpuMs < cpu);
});

test("long and non-ASCII texts survive a save, across text chunks", async () => {
  const state = new State({ maxTasks: 2000, maxWorkers: 10, now: () => T0 });
  const metrics = new CeleryMetrics(state);
  // 600 tasks span two 512-task chunks; tracebacks of 2 kB each outgrow the first buffer.
  for (let i = 0; i < 600; i++) {
    const event = taskEvent("failed", `t${i}`, {
      exception: `ValueError('ünïcødé ${i} ✓ \u{1F600}')`,
      traceback: `Traceback ${i}\n` + '  File "x.py", line 1\n'.repeat(80),
    });
    state.apply(event);
    metrics.observe(event);
  }
  const path = join(folder(), "flower");
  await save(path, state, metrics);
  const back = new State({ maxTasks: 2000, maxWorkers: 10, now: () => T0 });
  const restored = new Persister({ path, interval: 0 }).restore((snapshot) => {
    back.restore(snapshot.tasks, snapshot.workers);
  });
  assert.equal(restored, true);
  assert.equal(back.taskCount, 600);
  assert.deepEqual(back.tasks(query()), state.tasks(query()));
});

test("a save leaves no temporary file behind", async () => {
  const dir = folder();
  const { state, metrics } = filled();
  await save(join(dir, "flower"), state, metrics);
  assert.deepEqual(readdirSync(dir), ["flower"]);
});

test("a missing file restores nothing and moves nothing", () => {
  const dir = folder();
  assert.equal(load(join(dir, "flower")).restored, false);
  assert.deepEqual(readdirSync(dir), []);
});

/** Writes `bytes` as the state file, restores, and returns what the folder then holds. */
function afterBadFile(bytes: Uint8Array): { restored: boolean; files: string[]; tasks: number } {
  const dir = folder();
  const path = join(dir, "flower");
  writeFileSync(path, bytes);
  const { restored, state } = load(path);
  return { restored, files: readdirSync(dir), tasks: state.taskCount };
}

async function goodFile(): Promise<Uint8Array> {
  const path = join(folder(), "flower");
  const { state, metrics } = filled();
  await save(path, state, metrics);
  return new Uint8Array(readFileSync(path));
}

for (
  const [label, reason, make] of [
    ["an empty file", "empty", () => Promise.resolve(new Uint8Array(0))],
    // A GNU dbm header, as Python's shelve writes by default.
    [
      "Flower's shelve file",
      "foreign",
      () => Promise.resolve(new Uint8Array([0xce, 0x9a, 0x57, 0x13, ...new Uint8Array(60)])),
    ],
    ["a truncated file", "truncated", async () => (await goodFile()).subarray(0, 200)],
    ["a file with a flipped byte", "corrupt", async () => {
      const bytes = await goodFile();
      bytes[40] ^= 0x10;
      return bytes;
    }],
    ["a file of a newer format", "newer", async () => {
      const bytes = await goodFile();
      bytes[8] = 9;
      return bytes;
    }],
  ] as const
) {
  test(`${label} is moved aside as '${reason}' and Stalk starts empty`, async () => {
    const outcome = afterBadFile(await make());
    assert.equal(outcome.restored, false);
    assert.equal(outcome.tasks, 0);
    assert.equal(outcome.files.length, 1);
    assert.match(outcome.files[0], new RegExp(`^flower\\.${reason}-\\d{8}T\\d{6}Z$`));
  });
}

test("a file whose every footer byte is wrong in turn never throws", async () => {
  const bytes = await goodFile();
  const footerEnd = bytes.byteLength - 16;
  for (let at = footerEnd - 64; at < bytes.byteLength; at += 7) {
    const copy = bytes.slice();
    copy[at] ^= 0xff;
    const outcome = afterBadFile(copy);
    assert.equal(outcome.restored, false, `byte ${at}`);
  }
});
