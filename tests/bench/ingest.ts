/**
 * Event ingest: the same flood, published at full speed, consumed first by the bare consumer and
 * then by Stalk, each alone on the machine with the broker and the publisher. A rate is events
 * over the time from the first publish to the moment the consumer holds the last event; Stalk's
 * "holds" is checked through its API (`waitForFinal`), and then every event is accounted for.
 */
import type { BrokerFixture } from "../e2e/_harness/rabbit.ts";
import type { FloodTotals } from "./_flood.ts";
import { procCpuMs, type Runtime, startBenchChild } from "./_proc.ts";
import type { Stalk } from "../e2e/_harness/stalk.ts";
import { checkHeld, launchStalk, type StalkBuild, waitForFinal } from "./_stalk.ts";

/** One flood's outcome for one consumer. */
export interface IngestSample {
  /** Events per second, first publish to last event held; undefined when it never caught up. */
  rate?: number;
  events: number;
  /** CPU the consumer used per event, microseconds (all its threads, GC included). */
  cpuPerEvent?: number;
  /** Problems found when counting what Stalk holds (empty: zero lost). */
  problems: string[];
  /** When the first event was published (epoch ms). */
  startedAt?: number;
  /** A paced flood's `[events published, epoch ms]` marks (`PublishResult.marks`). */
  marks?: [number, number][];
}

/** A flood: how many tasks, batched or not, which seed; at full speed unless `rate` is set. */
export interface FloodSpec {
  tasks: number;
  batched: boolean;
  seed: number;
  /** Events per second the publisher keeps to; full speed when absent. */
  rate?: number;
}

interface PublisherDone {
  totals: FloodTotals;
  events: number;
  lastFinal?: string;
  startedAt: number;
  endedAt: number;
  marks?: [number, number][];
}

const CHILD_START_MS = 60_000;

function publisherArgs(url: string, flood: FloodSpec): string[] {
  return [
    "--url",
    url,
    "--tasks",
    String(flood.tasks),
    "--seed",
    String(flood.seed),
    "--pregenerate",
    ...(flood.batched ? [] : ["--single"]),
    ...(flood.rate ? ["--rate", String(flood.rate)] : []),
  ];
}

/** Published events over the time the bare consumer took to receive them all. */
export async function bareIngest(
  broker: BrokerFixture,
  runtime: Runtime,
  flood: FloodSpec,
  timeoutMs: number,
): Promise<IngestSample> {
  const url = amqpClientUrl(broker.brokerUrl);
  // The flood's event count (task events + heartbeats) is only known to the publisher, so the
  // consumer waits for the task events and the rest arrive with them.
  const expect = flood.tasks * 3;
  const consumer = startBenchChild(runtime, "bare_consumer.ts", [
    "--url",
    url,
    "--expect",
    String(expect),
    "--timeout",
    String(Math.ceil(timeoutMs / 1000)),
  ]);
  try {
    await consumer.line("ready", CHILD_START_MS);
    const publisher = startBenchChild("deno", "publish.ts", publisherArgs(url, flood));
    try {
      const published = await publisher.line<PublisherDone>("done", timeoutMs + CHILD_START_MS);
      const done = await Promise.race([
        consumer.line<{ events: number; last: number; cpuMs: number }>("done", timeoutMs),
        consumer.line<{ events: number }>("timeout", timeoutMs + 5_000).then(() => undefined),
      ]);
      if (!done) return { events: published.events, problems: ["the bare consumer timed out"] };
      return {
        rate: done.events / ((done.last - published.startedAt) / 1000),
        events: done.events,
        cpuPerEvent: (done.cpuMs * 1000) / done.events,
        problems: [],
      };
    } finally {
      await publisher.stop();
    }
  } finally {
    await consumer.stop();
  }
}

/**
 * Published events over the time Stalk took to hold them all, and whether it holds them all.
 * `around` runs once Stalk is up, before the flood (e.g. opening the web UI's streams); what it
 * returns is awaited once Stalk holds the flood.
 */
export async function stalkIngest(
  broker: BrokerFixture,
  build: StalkBuild,
  flood: FloodSpec,
  timeoutMs: number,
  around?: (stalk: Stalk) => Promise<() => Promise<void>>,
): Promise<IngestSample> {
  const stalk = await launchStalk(build, broker.brokerUrl, Math.max(flood.tasks, 1000));
  try {
    const finish = await around?.(stalk);
    const url = amqpClientUrl(broker.brokerUrl);
    const cpu = procCpuMs(stalk.pid);
    const publisher = startBenchChild("deno", "publish.ts", publisherArgs(url, flood));
    let published: PublisherDone;
    try {
      published = await publisher.line<PublisherDone>("done", timeoutMs + CHILD_START_MS);
    } finally {
      await publisher.stop();
    }
    const seen = published.lastFinal
      ? await waitForFinal(stalk.url, published.lastFinal, timeoutMs)
      : undefined;
    const cpuMs = procCpuMs(stalk.pid) - cpu;
    await finish?.();
    const { problems } = await checkHeld(stalk.url, published.totals);
    if (seen === undefined) problems.unshift("Stalk did not catch up in time");
    return {
      rate: seen === undefined
        ? undefined
        : published.events / ((seen - published.startedAt) / 1000),
      events: published.events,
      cpuPerEvent: (cpuMs * 1000) / published.events,
      problems,
      startedAt: published.startedAt,
      marks: published.marks,
    };
  } finally {
    await stalk.stop();
  }
}

/** amqp-client wants the vhost percent-encoded and no `//` default-vhost form. */
export function amqpClientUrl(brokerUrl: string): string {
  return brokerUrl.replace(/^amqp:\/\/([^/]*)\/\/$/, "amqp://$1/%2F");
}
