/**
 * Memory: one Stalk with `--max_tasks` room, filled with finished tasks in two floods (to the
 * first mark, then to the second). RSS is read from `/proc/<pid>/status` after each, once Stalk
 * holds every event; VmHWM and a 100 ms RSS sampler give the peak during ingest. The same Stalk is
 * then handed to the API benchmark, full.
 */
import type { Stalk } from "../e2e/_harness/stalk.ts";
import type { BrokerFixture } from "../e2e/_harness/rabbit.ts";
import { sleep } from "../e2e/_harness/wait.ts";
import type { FloodTotals } from "./_flood.ts";
import { procMemory, sampleRss, startBenchChild } from "./_proc.ts";
import { checkHeld, launchStalk, type StalkBuild, waitForFinal } from "./_stalk.ts";
import { amqpClientUrl } from "./ingest.ts";

/** RSS figures in bytes. */
export interface MemorySample {
  /** Idle, before any event. */
  idle: number;
  /** After each mark: tasks held and RSS. */
  marks: { tasks: number; rss: number }[];
  /** Largest RSS seen while ingesting (VmHWM). */
  peak: number;
  /** Problems found when counting what Stalk holds. */
  problems: string[];
}

interface PublisherDone {
  totals: FloodTotals;
  lastFinal?: string;
}

/** Fills a new Stalk to each of `marks` tasks (ascending); returns the figures and the Stalk. */
export async function memoryRun(
  broker: BrokerFixture,
  build: StalkBuild,
  marks: number[],
  timeoutMs: number,
): Promise<{ sample: MemorySample; stalk: Stalk }> {
  const capacity = marks[marks.length - 1];
  const stalk = await launchStalk(build, broker.brokerUrl, capacity);
  try {
    await sleep(500);
    const idle = procMemory(stalk.pid).rss;
    const sampler = sampleRss(stalk.pid);
    const sample: MemorySample = { idle, marks: [], peak: 0, problems: [] };
    const held: FloodTotals = {
      tasks: 0,
      succeeded: 0,
      failed: 0,
      events: 0,
      taskEvents: 0,
      messages: 0,
    };
    for (let i = 0; i < marks.length; i++) {
      const tasks = marks[i] - held.tasks;
      const publisher = startBenchChild("deno", "publish.ts", [
        "--url",
        amqpClientUrl(broker.brokerUrl),
        "--tasks",
        String(tasks),
        "--seed",
        String(100 + i),
      ]);
      let done: PublisherDone;
      try {
        done = await publisher.line<PublisherDone>("done", timeoutMs);
      } finally {
        await publisher.stop();
      }
      for (const key of Object.keys(held) as (keyof FloodTotals)[]) held[key] += done.totals[key];
      const seen = done.lastFinal
        ? await waitForFinal(stalk.url, done.lastFinal, timeoutMs)
        : undefined;
      if (seen === undefined) sample.problems.push(`Stalk did not catch up with ${marks[i]} tasks`);
      // At rest after the burst, as a server is between bursts: Stalk's collection after a
      // burst (src/ingest/quiet_collector.ts) runs within 2 s of the last event.
      await sleep(3000);
      sample.marks.push({ tasks: marks[i], rss: procMemory(stalk.pid).rss });
    }
    sample.peak = Math.max(sampler.stop(), procMemory(stalk.pid).hwm);
    sample.problems.push(...(await checkHeld(stalk.url, held)).problems);
    return { sample, stalk };
  } catch (error) {
    await stalk.stop();
    throw error;
  }
}
