/**
 * The flood publisher: publishes a `Flood` to the `celeryev` topic exchange as Celery workers do
 * (transient, JSON, `hostname` header), at full speed or at a given rate in events/s.
 *
 *   deno run -A tests/bench/publish.ts --url amqp://guest:guest@127.0.0.1:5672/v --tasks 100000
 *
 * Writes JSON lines to stdout: `{"started": <epoch ms>}` when the first message goes out, then
 * `{"done": ...}` with what was published and the uuid whose final event was sent last.
 */
import { AMQPClient } from "@cloudamqp/amqp-client";
import { parseArgs } from "node:util";
import { Flood, type FloodMessage, type FloodOptions, type FloodTotals } from "./_flood.ts";

/** How to publish. */
export interface PublishOptions {
  /** Events per second; 0 or undefined means as fast as the broker takes them. */
  rate?: number;
  /** Stop after this many seconds even if the flood is not over (rate mode). */
  maxSeconds?: number;
  /** Encode every message before the first is sent, so generating costs nothing while measured. */
  pregenerate?: boolean;
  /** Called once, when the first message is about to be published. */
  onStart?: (at: number) => void;
}

/** What a publisher sent. */
export interface PublishResult {
  totals: FloodTotals;
  /** Events actually published (less than `totals.events` only when cut by `maxSeconds`). */
  events: number;
  messages: number;
  /** The uuid of the task whose final event was published last. */
  lastFinal?: string;
  startedAt: number;
  endedAt: number;
  /**
   * In rate mode, `[events published, epoch ms]` about every 20 ms: when each event went out,
   * for latencies measured from the publish (the web UI's streams).
   */
  marks?: [number, number][];
}

/** Milliseconds between two `marks`. */
const MARK_MS = 20;

/** Publishes sends in flight before awaiting the oldest: enough to keep the socket busy. */
const WINDOW = 512;

/** Publishes `flood` to the broker at `url` (an amqp-client URL). */
export async function publishFlood(
  url: string,
  floodOptions: FloodOptions,
  options: PublishOptions = {},
): Promise<PublishResult> {
  const flood = new Flood(floodOptions);
  const encoder = new TextEncoder();
  type Ready = {
    routingKey: string;
    hostname: string;
    body: Uint8Array;
    events: number;
    lastFinal?: string;
  };
  const encode = (m: FloodMessage): Ready => ({ ...m, body: encoder.encode(m.body) });
  const source: Iterable<Ready> = options.pregenerate
    ? [...flood.messages()].map(encode)
    : (function* () {
      for (const m of flood.messages()) yield encode(m);
    })();

  const client = new AMQPClient(url);
  // The first failure of any publish, or the broker closing the connection; the flood stops.
  let failure: unknown;
  client.onerror = (error) => failure ??= error;
  await client.connect();
  const channel = await client.channel();
  await channel.exchangeDeclare("celeryev", "topic", { durable: true, autoDelete: false });
  const inFlight: Promise<unknown>[] = [];
  const rate = options.rate ?? 0;
  const deadline = options.maxSeconds ? Date.now() + options.maxSeconds * 1000 : Infinity;
  let events = 0;
  let messages = 0;
  let lastFinal: string | undefined;
  const startedAt = Date.now();
  options.onStart?.(startedAt);
  const headersOf = new Map<string, { hostname: string }>();
  const marks: [number, number][] | undefined = rate > 0 ? [[0, startedAt]] : undefined;
  for (const m of source) {
    if (marks) {
      // Pace: never more than `rate` events per second since the start.
      const due = startedAt + (events * 1000) / rate;
      const wait = due - Date.now();
      if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
      const now = Date.now();
      if (now > deadline) break;
      if (now - marks[marks.length - 1][1] >= MARK_MS) marks.push([events, now]);
    }
    let headers = headersOf.get(m.hostname);
    if (!headers) headersOf.set(m.hostname, headers = { hostname: m.hostname });
    if (failure !== undefined) break;
    inFlight.push(
      publishOne(channel, m.routingKey, m.body, headers).catch((error) => {
        failure ??= error;
      }),
    );
    if (inFlight.length >= WINDOW) await Promise.all(inFlight.splice(0, WINDOW / 2));
    events += m.events;
    messages++;
    if (m.lastFinal) lastFinal = m.lastFinal;
  }
  await Promise.all(inFlight);
  const endedAt = Date.now();
  await client.close().catch(() => {});
  if (failure !== undefined) {
    throw new Error(`Publishing failed after ${events} events: ${describe(failure)}`);
  }
  marks?.push([events, endedAt]);
  return { totals: flood.totals, events, messages, lastFinal, startedAt, endedAt, marks };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

type Channel = Awaited<ReturnType<AMQPClient["channel"]>>;

/** One publish; waits out a `connection.blocked` (RabbitMQ's memory alarm) instead of failing. */
async function publishOne(
  channel: Channel,
  routingKey: string,
  body: Uint8Array,
  headers: { hostname: string },
): Promise<void> {
  for (let attempt = 0;; attempt++) {
    try {
      await channel.basicPublish("celeryev", routingKey, body, {
        contentType: "application/json",
        contentEncoding: "utf-8",
        deliveryMode: 1,
        headers,
      });
      return;
    } catch (error) {
      if (attempt > 600 || !/blocked/i.test(String(error))) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      url: { type: "string" },
      tasks: { type: "string", default: "10000" },
      single: { type: "boolean", default: false },
      seed: { type: "string", default: "1" },
      rate: { type: "string", default: "0" },
      "max-seconds": { type: "string", default: "0" },
      pregenerate: { type: "boolean", default: false },
      // Traffic shapes (see FloodOptions): partial batches, task-sent singles, worker count,
      // heartbeat frequency, a quiet cluster of heartbeats only, real-time timestamps.
      batches: { type: "string", default: "full" },
      sent: { type: "boolean", default: false },
      workers: { type: "string", default: "8" },
      "heartbeat-every": { type: "string", default: "4000" },
      beats: { type: "string", default: "0" },
      "real-time": { type: "boolean", default: false },
    },
  });
  if (!values.url) throw new Error("Missing --url");
  const result = await publishFlood(values.url, {
    tasks: Number(values.tasks),
    batched: !values.single,
    seed: Number(values.seed),
    batches: values.batches === "partial" ? "partial" : "full",
    sent: values.sent,
    workers: Number(values.workers),
    heartbeatEvery: Number(values["heartbeat-every"]),
    beats: Number(values.beats),
    realTime: values["real-time"],
  }, {
    rate: Number(values.rate),
    maxSeconds: Number(values["max-seconds"]),
    pregenerate: values.pregenerate,
    onStart: (at) => console.log(JSON.stringify({ started: at })),
  });
  console.log(JSON.stringify({ done: result }));
  process.exit(0);
}
