/**
 * Event ingest by draining a backlog (issue #15): the consumer, the bare one and then Stalk, is
 * connected and bound, then stopped (SIGSTOP) while the whole flood is published into its queue,
 * and continued (SIGCONT). Its rate and CPU are then those of draining the queue: the publisher is
 * never the limit, whatever the shape of the traffic. CPU is the process's own (user + system,
 * every thread), so other load on the machine does not count against it.
 */
import type { BrokerFixture } from "../e2e/_harness/rabbit.ts";
import { sleep } from "../e2e/_harness/wait.ts";
import { Flood, type FloodOptions, type FloodTotals } from "./_flood.ts";
import { procCpuMs, type Runtime, startBenchChild } from "./_proc.ts";
import { checkHeld, getMetric, launchStalk, type StalkBuild, waitForFinal } from "./_stalk.ts";
import { amqpClientUrl } from "./ingest.ts";

/** One drained flood's outcome for one consumer. */
export interface DrainSample {
  /** Events per second from SIGCONT to the last event held; undefined if it never caught up. */
  rate?: number;
  events: number;
  messages: number;
  /** CPU per event and per message while draining, microseconds. */
  cpuPerEvent?: number;
  cpuPerMessage?: number;
  /** Problems found when counting what Stalk holds (empty: zero lost). */
  problems: string[];
}

interface PublisherDone {
  totals: FloodTotals;
  events: number;
  messages: number;
  lastFinal?: string;
}

const CHILD_START_MS = 60_000;
/** Time for the broker to route what the publisher has written before the consumer resumes. */
const SETTLE_MS = 500;

/** What a flood holds, by generating it once (the bare consumer must know when it is over). */
export function floodTotals(flood: FloodOptions): FloodTotals {
  const generated = new Flood(flood);
  for (const _ of generated.messages()) { /* counted in totals */ }
  return generated.totals;
}

/** `publish.ts` flags for `flood`, pregenerated so encoding costs nothing while it publishes. */
export function publisherFlags(url: string, flood: FloodOptions): string[] {
  return [
    "--url",
    url,
    "--tasks",
    String(flood.tasks),
    "--seed",
    String(flood.seed ?? 1),
    "--batches",
    flood.batches ?? "full",
    "--workers",
    String(flood.workers ?? 8),
    "--heartbeat-every",
    String(flood.heartbeatEvery ?? 4000),
    "--beats",
    String(flood.beats ?? 0),
    "--pregenerate",
    ...(flood.batched ? [] : ["--single"]),
    ...(flood.sent ? ["--sent"] : []),
  ];
}

/**
 * The warm-up before a measured drain: the same shape, another seed, consumed as it comes, so
 * the measured backlog meets compiled code (a cold engine spends its first tens of thousands
 * of events compiling, which a short drain would mostly measure).
 */
function warmUpOf(flood: FloodOptions): FloodOptions {
  return {
    ...flood,
    tasks: Math.min(flood.tasks, 20_000),
    beats: flood.beats ? Math.min(flood.beats, 400) : flood.beats,
    seed: (flood.seed ?? 1) + 1000,
  };
}

/** Publishes `flood` at full speed to a running consumer. */
async function publishAll(
  url: string,
  flood: FloodOptions,
  timeoutMs: number,
): Promise<PublisherDone> {
  const publisher = startBenchChild("deno", "publish.ts", publisherFlags(url, flood));
  try {
    return await publisher.line<PublisherDone>("done", timeoutMs + CHILD_START_MS);
  } finally {
    await publisher.stop();
  }
}

async function publishWhileStopped(
  url: string,
  flood: FloodOptions,
  pid: number,
  timeoutMs: number,
): Promise<PublisherDone> {
  process.kill(pid, "SIGSTOP");
  try {
    const publisher = startBenchChild("deno", "publish.ts", publisherFlags(url, flood));
    try {
      return await publisher.line<PublisherDone>("done", timeoutMs + CHILD_START_MS);
    } finally {
      await publisher.stop();
    }
  } catch (error) {
    process.kill(pid, "SIGCONT");
    throw error;
  }
}

/** The bare consumer draining `flood`. */
export async function bareDrain(
  broker: BrokerFixture,
  runtime: Runtime,
  flood: FloodOptions,
  totals: FloodTotals,
  timeoutMs: number,
): Promise<DrainSample> {
  const url = amqpClientUrl(broker.brokerUrl);
  const warm = warmUpOf(flood);
  const warmTotals = floodTotals(warm);
  const consumer = startBenchChild(runtime, "bare_consumer.ts", [
    "--url",
    url,
    "--expect",
    String(warmTotals.events + totals.events),
    "--mark",
    String(warmTotals.events),
    "--timeout",
    String(Math.ceil((3 * timeoutMs + CHILD_START_MS) / 1000)),
  ]);
  try {
    await consumer.line("ready", CHILD_START_MS);
    const pid = consumer.process.pid;
    await publishAll(url, warm, timeoutMs);
    const warmed = await consumer.line<{ cpuMs: number }>("mark", timeoutMs);
    const published = await publishWhileStopped(url, flood, pid, timeoutMs);
    await sleep(SETTLE_MS);
    const resumedAt = Date.now();
    process.kill(pid, "SIGCONT");
    const done = await Promise.race([
      consumer.line<{ events: number; last: number; cpuMs: number }>("done", timeoutMs),
      consumer.line<{ events: number }>("timeout", timeoutMs + 5_000).then(() => undefined),
    ]);
    if (!done) {
      return {
        events: published.events,
        messages: published.messages,
        problems: ["the bare consumer timed out"],
      };
    }
    const cpuMs = done.cpuMs - warmed.cpuMs;
    return {
      rate: published.events / ((done.last - resumedAt) / 1000),
      events: published.events,
      messages: published.messages,
      cpuPerEvent: (cpuMs * 1000) / published.events,
      cpuPerMessage: (cpuMs * 1000) / published.messages,
      problems: [],
    };
  } finally {
    await consumer.stop();
  }
}

/** Stalk draining `flood`; then every event is accounted for through its API. */
export async function stalkDrain(
  broker: BrokerFixture,
  build: StalkBuild,
  flood: FloodOptions,
  timeoutMs: number,
): Promise<DrainSample> {
  const warm = warmUpOf(flood);
  const stalk = await launchStalk(
    build,
    broker.brokerUrl,
    Math.max(flood.tasks + warm.tasks, 1000),
  );
  try {
    const url = amqpClientUrl(broker.brokerUrl);
    const warmed = await publishAll(url, warm, timeoutMs);
    const warmSeen = warmed.lastFinal
      ? await waitForFinal(stalk.url, warmed.lastFinal, timeoutMs)
      : await waitForIngested(stalk.url, warmed.events, timeoutMs);
    if (warmSeen === undefined) throw new Error("Stalk did not catch up with the warm-up");
    const published = await publishWhileStopped(url, flood, stalk.pid, timeoutMs);
    await sleep(SETTLE_MS);
    const cpu = procCpuMs(stalk.pid);
    const resumedAt = Date.now();
    process.kill(stalk.pid, "SIGCONT");
    const seen = published.lastFinal
      ? await waitForFinal(stalk.url, published.lastFinal, timeoutMs)
      : await waitForIngested(stalk.url, warmed.events + published.events, timeoutMs);
    const cpuMs = procCpuMs(stalk.pid) - cpu;
    const problems: string[] = [];
    if (seen === undefined) problems.push("Stalk did not catch up in time");
    const all = { ...published.totals };
    for (const key of Object.keys(all) as (keyof FloodTotals)[]) all[key] += warmed.totals[key];
    if (all.tasks > 0) {
      problems.push(...(await checkHeld(stalk.url, all)).problems);
    } else {
      const ingested = await getMetric(stalk.url, "stalk_events_ingested_total");
      if (ingested !== all.events) problems.push(`${ingested} events ingested of ${all.events}`);
    }
    return {
      rate: seen === undefined ? undefined : published.events / ((seen - resumedAt) / 1000),
      events: published.events,
      messages: published.messages,
      cpuPerEvent: (cpuMs * 1000) / published.events,
      cpuPerMessage: (cpuMs * 1000) / published.messages,
      problems,
    };
  } finally {
    await stalk.stop();
  }
}

/** Waits until Stalk has ingested `events` (for floods without tasks); epoch ms, or undefined. */
async function waitForIngested(
  url: string,
  events: number,
  timeoutMs: number,
): Promise<number | undefined> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await getMetric(url, "stalk_events_ingested_total")) >= events) return Date.now();
    await sleep(20);
  }
  return undefined;
}
