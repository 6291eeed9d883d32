/**
 * What Stalk costs when little happens (issue #15): CPU time (every thread, nanoseconds from
 * `schedstat`), wake-ups (context switches) and RSS over a quiet window, with no worker, with
 * real idle Celery workers, and with a cluster of simulated workers sending only heartbeats at
 * Celery's pace (one every 2 s each). Nothing asks Stalk's API during a window.
 */
import { readFileSync } from "node:fs";
import type { BrokerFixture } from "../e2e/_harness/rabbit.ts";
import { startWorker, type Worker } from "../e2e/_harness/worker.ts";
import { sleep, waitFor } from "../e2e/_harness/wait.ts";
import { procCpuMs, procThreads, startBenchChild, threadCpuNs } from "./_proc.ts";
import { getJson, launchStalk, type StalkBuild } from "./_stalk.ts";
import { amqpClientUrl } from "./ingest.ts";

/** One quiet window. */
export interface IdleSample {
  label: string;
  seconds: number;
  /** CPU time over the window as a share of one core (0.004 = 0.4 %). */
  cpuShare: number;
  /** The same from `/proc/<pid>/stat` ticks (10 ms), as a cross-check. */
  cpuShareTicks: number;
  /** Context switches per second, summed over threads. */
  wakeupsPerSecond: number;
  threads: number;
  /** RSS at the end of the window, bytes, and its anonymous and file-backed parts. */
  rss: number;
  rssAnon: number;
  rssFile: number;
}

/** How the window is populated. */
export type IdleCase =
  | { kind: "alone" }
  | { kind: "workers"; count: number }
  | { kind: "heartbeats"; workers: number };

/** Settling before a window: start-up work, the first inspection, a collection. */
const SETTLE_MS = 5_000;

/** Runs one quiet window of `seconds` against a fresh Stalk. */
export async function idleRun(
  broker: BrokerFixture,
  build: StalkBuild,
  which: IdleCase,
  seconds: number,
): Promise<IdleSample> {
  const stalk = await launchStalk(build, broker.brokerUrl, 100_000);
  const workers: Worker[] = [];
  let publisher: ReturnType<typeof startBenchChild> | undefined;
  try {
    let label = "no worker";
    if (which.kind === "workers") {
      label = `${which.count} idle Celery workers (prefork, -c 1)`;
      for (let i = 0; i < which.count; i++) {
        workers.push(
          await startWorker({ brokerUrl: broker.brokerUrl, name: `idle${i + 1}`, concurrency: 1 }),
        );
      }
      // Stalk has heard them and inspected them once.
      await waitFor(async () => {
        const seen = await getJson<Record<string, unknown>>(stalk.url, "/api/workers");
        return workers.every((w) => w.name in seen);
      }, { timeout: 30_000, message: "Stalk to know the workers" });
    } else if (which.kind === "heartbeats") {
      label = `${which.workers} simulated workers, heartbeats only (every 2 s each)`;
      const beats = Math.ceil((seconds * 1000 + SETTLE_MS + 10_000) / 2000);
      publisher = startBenchChild("deno", "publish.ts", [
        "--url",
        amqpClientUrl(broker.brokerUrl),
        "--tasks",
        "0",
        "--workers",
        String(which.workers),
        "--beats",
        String(beats),
        "--rate",
        String(which.workers / 2),
        "--real-time",
      ]);
      await publisher.line("started", 60_000);
    }
    await sleep(SETTLE_MS);
    const before = procThreads(stalk.pid);
    const ticks = procCpuMs(stalk.pid);
    const start = performance.now();
    await sleep(seconds * 1000);
    const elapsed = (performance.now() - start) / 1000;
    const after = procThreads(stalk.pid);
    const ticksMs = procCpuMs(stalk.pid) - ticks;
    return {
      label,
      seconds: elapsed,
      cpuShare: threadCpuNs(before, after) / 1e9 / elapsed,
      cpuShareTicks: ticksMs / 1000 / elapsed,
      wakeupsPerSecond: (after.switches - before.switches) / elapsed,
      threads: after.threads,
      ...rssParts(stalk.pid),
    };
  } finally {
    await publisher?.stop();
    await Promise.allSettled(workers.map((w) => w.stop()));
    await stalk.stop();
  }
}

/** VmRSS and its RssAnon / RssFile parts (the binary's own pages are file-backed). */
function rssParts(pid: number): { rss: number; rssAnon: number; rssFile: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (field: string) =>
    Number(status.match(new RegExp(`^${field}:\\s+(\\d+) kB`, "m"))?.[1] ?? NaN) * 1024;
  return { rss: kb("VmRSS"), rssAnon: kb("RssAnon"), rssFile: kb("RssFile") };
}
