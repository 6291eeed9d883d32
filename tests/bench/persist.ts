/**
 * Persistence at scale, in process (no broker): a state filled with `--tasks` tasks through the
 * event path (as `pipeline.ts` wires it), then
 *
 * - a quiet save: `Persister.save()` to a file in the temporary folder with no events arriving,
 *   for the CPU time the save itself costs;
 * - a save while events keep arriving a batch per turn of the event loop: the longest gap
 *   between two turns is the longest pause the save imposed on ingestion (and on requests, which
 *   share the loop), and the save's longest stretch of work without a turn is measured inside
 *   it, in wall time and in CPU time (which a loaded machine does not inflate);
 * - restore: reading, checking and decoding the file into a fresh state, as start-up does.
 *
 *   deno run -A tests/bench/persist.ts --tasks 1000000      (or: bun tests/bench/persist.ts …)
 *
 * Prints one JSON line `{"persist": {...}}`.
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { EventMessage } from "../../src/broker/transport.ts";
import { EventHub } from "../../src/ingest/event_hub.ts";
import { EventIngest } from "../../src/ingest/event_ingest.ts";
import { setLogLevel } from "../../src/log.ts";
import { CeleryMetrics } from "../../src/metrics/celery_metrics.ts";
import { Persister } from "../../src/persist/persister.ts";
import { LamportClock } from "../../src/state/clock.ts";
import { posixUtcOffset, prepareEvent } from "../../src/ingest/receiver.ts";
import { State } from "../../src/state/state.ts";
import { Flood } from "./_flood.ts";

/** The figures of one run. */
export interface PersistSample {
  tasks: number;
  fileMiB: number;
  saveMs: number;
  /** CPU time of a save with no events arriving (the process, so with its collector threads). */
  quietSaveCpuMs: number;
  /** Wall time of that save. */
  quietSaveMs: number;
  /** Longest gap between two ingest turns during the save. */
  longestPauseMs: number;
  /** The longest stretch of the save's own work without a turn for the event loop. */
  longestSaveStepMs: number;
  /** The most CPU time one such stretch used (the process's). */
  longestSaveStepCpuMs: number;
  /** CPU time of the whole process while saving (the save and the ingest beside it). */
  saveCpuMs: number;
  /** CPU time of the restore. */
  restoreCpuMs: number;
  /** Longest gap between two ingest turns with no save running, for comparison. */
  baselinePauseMs: number;
  eventsDuringSave: number;
  restoreMs: number;
  restoredTasks: number;
}

const encoder = new TextEncoder();

function* messages(tasks: number, seed: number): Generator<EventMessage> {
  for (const m of new Flood({ tasks, batched: true, seed }).messages()) {
    yield {
      routingKey: m.routingKey,
      body: encoder.encode(m.body),
      contentType: "application/json",
    };
  }
}

/** Runs the measurement once. */
export async function persistRun(tasks: number): Promise<PersistSample> {
  setLogLevel("warn");
  const state = new State({ maxTasks: tasks, maxWorkers: 5000 });
  const clock = new LamportClock();
  const metrics = new CeleryMetrics(state);
  const now = () => Date.now() / 1000;
  const hub = new EventHub();
  hub.subscribe((event) => metrics.observe(event), { name: "metrics" });
  const ingest = new EventIngest({
    prepare: (raw) => prepareEvent(raw, clock, now, posixUtcOffset()),
    apply: (event) => state.apply(event),
    hub,
  });
  for (const message of messages(tasks, 11)) ingest.handle(message);

  const dir = mkdtempSync(join(tmpdir(), "stalk-bench-persist-"));
  const path = join(dir, "state");
  try {
    const persister = new Persister({ path, interval: 0 });
    persister.start({
      copyTasks: () => state.copyTasks(),
      extras: () => ({
        workers: state.workerRecords(),
        clock: clock.value,
        metrics: metrics.image(),
        inspector: {},
      }),
    });
    // A second flood (new tasks, so the full store evicts) arrives ten messages per turn.
    const more = messages(tasks, 12);
    const ingestFor = async (done: () => boolean) => {
      let last = performance.now();
      let longest = 0;
      const before = ingest.stats().events;
      while (!done()) {
        for (let i = 0; i < 10; i++) {
          const next = more.next();
          if (!next.done) ingest.handle(next.value);
        }
        await new Promise((resolve) => setTimeout(resolve, 0));
        const at = performance.now();
        longest = Math.max(longest, at - last);
        last = at;
      }
      return { longest, events: ingest.stats().events - before };
    };
    const baselineUntil = performance.now() + 1000;
    const baseline = await ingestFor(() => performance.now() > baselineUntil);

    const quietStarted = performance.now();
    await persister.save();
    const quietSaveMs = performance.now() - quietStarted;
    const quietSaveCpuMs = persister.stats.cpuMs ?? NaN;
    const savesAfterQuiet: number = persister.stats.saves;
    if (savesAfterQuiet !== 1) throw new Error("The quiet save failed");

    let saved = false;
    const cpu = process.cpuUsage();
    const started = performance.now();
    const saving = persister.save().then(() => saved = true);
    const during = await ingestFor(() => saved);
    await saving;
    const saveMs = performance.now() - started;
    const saveCpu = process.cpuUsage(cpu);
    if (persister.stats.saves !== savesAfterQuiet + 1) throw new Error("The save failed");

    const restoreCpuStart = process.cpuUsage();
    const restoreStart = performance.now();
    let restoredTasks = 0;
    const fresh = new State({ maxTasks: tasks, maxWorkers: 5000 });
    const ok = new Persister({ path, interval: 0 }).restore((snapshot) => {
      fresh.restore(snapshot.tasks, snapshot.workers);
      restoredTasks = fresh.taskCount;
    });
    const restoreMs = performance.now() - restoreStart;
    const restoreCpu = process.cpuUsage(restoreCpuStart);
    const cpuMs = (usage: NodeJS.CpuUsage) => (usage.user + usage.system) / 1000;
    if (!ok) throw new Error("The restore failed");
    return {
      tasks: state.taskCount,
      fileMiB: statSync(path).size / 2 ** 20,
      saveMs,
      quietSaveMs,
      quietSaveCpuMs,
      longestPauseMs: during.longest,
      longestSaveStepMs: persister.stats.longestStepMs ?? NaN,
      longestSaveStepCpuMs: persister.stats.longestStepCpuMs ?? NaN,
      saveCpuMs: cpuMs(saveCpu),
      restoreCpuMs: cpuMs(restoreCpu),
      baselinePauseMs: baseline.longest,
      eventsDuringSave: during.events,
      restoreMs,
      restoredTasks,
    };
  } finally {
    if (process.env.KEEP_STATE) console.error(path);
    else rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: { tasks: { type: "string", default: "1000000" } },
  });
  console.log(JSON.stringify({ persist: await persistRun(Number(values.tasks)) }));
  process.exit(0);
}
