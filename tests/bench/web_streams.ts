/**
 * The web UI's event streams under an event flood (issue #11): the same flood is ingested by a
 * fresh Stalk with no browser and then with `count` streams open (tasks views, the workers
 * dashboard, the broker page), read as a browser reads them. Besides the two ingest rates (the
 * target: no more than 10 % slower), it records what the streams got (patches per second per
 * stream: coalescing; the longest silence of a tasks stream: liveness; streams cut off), how
 * long the tasks page took to answer during the flood, and Stalk's peak RSS in both runs.
 *
 * Under a paced flood (`FloodSpec.rate`) it also measures each event's latency to the browser:
 * a patch's SSE `id` is the number of events Stalk had applied when it rendered it, and the
 * publisher's marks say when each event went out, so an event's latency on a stream is the
 * arrival of the first patch whose id reaches it, minus its publish time.
 */
import type { BrokerFixture } from "../e2e/_harness/rabbit.ts";
import type { Stalk } from "../e2e/_harness/stalk.ts";
import { type FloodSpec, type IngestSample, stalkIngest } from "./ingest.ts";
import { sampleRss } from "./_proc.ts";
import type { StalkBuild } from "./_stalk.ts";

/** One patch as the client saw it: when it arrived and the SSE id (events applied). */
interface Patch {
  at: number;
  id: number;
}

/** What one stream received while the flood was ingested. */
interface StreamStats {
  path: string;
  bytes: number;
  patches: Patch[];
  /** The stream ended before the benchmark closed it (cut off, or Stalk closed it). */
  ended: boolean;
}

/** The kinds of page the streams belong to, as reported. */
export type PageKind = "tasks, head of list" | "tasks, other views" | "workers" | "broker";

/** One kind of page's figures over every stream of that kind in one run. */
export interface KindSample {
  kind: PageKind;
  streams: number;
  /** Event-to-browser latencies, ms, sampled over the flood's events (paced floods only). */
  latencyMs: number[];
  /** Events no patch had reached when the streams closed. */
  unpatched: number;
  /** Highest patch rate of one stream of this kind over the flood, per second. */
  maxPatchRate: number;
  /** Longest gap between two patches of one stream of this kind during the flood, ms. */
  maxGapMs: number;
}

/** One run with streams open, and the figures it gave. */
export interface StreamsSample {
  ingest: IngestSample;
  rssPeak: number;
  /** Highest patch rate of any stream over the flood, per second. */
  maxPatchRate?: number;
  /** Longest gap between two patches of a tasks stream during the flood, ms. */
  maxGapMs?: number;
  /** Streams that ended by themselves. */
  ended: number;
  streams: number;
  /** Server time of `GET /tasks` (HTML) requests made during the flood, ms. */
  pageMs: number[];
  kinds: KindSample[];
}

/** The pages a browser would have open: mostly distinct tasks views, the dashboard, the broker. */
function streamPaths(count: number): string[] {
  const views = [
    "",
    "?limit=50",
    "?state=FAILURE",
    "?state=SUCCESS",
    "?sort_by=name",
    "?sort_by=-started",
    "?limit=100",
    "?offset=15",
  ];
  const paths: string[] = [];
  for (let i = 0; paths.length < count; i++) {
    const view = views[i % views.length];
    if (i % 10 === 8) paths.push("/stream/workers");
    else if (i % 10 === 9) paths.push("/stream/broker");
    // Each browser opened its page at another moment, so each has its own `since`.
    else paths.push(`/stream/tasks${view}${view ? "&" : "?"}since=${i}`);
  }
  return paths;
}

/** What kind of page `path`'s stream serves (the tasks head: received descending, offset 0). */
function kindOf(path: string): PageKind {
  if (path.startsWith("/stream/workers")) return "workers";
  if (path.startsWith("/stream/broker")) return "broker";
  return /[?&](offset|sort_by)=/.test(path) ? "tasks, other views" : "tasks, head of list";
}

/** Reads `path`'s stream until `signal` aborts, noting each patch's arrival and id. */
async function readStream(url: string, path: string, signal: AbortSignal): Promise<StreamStats> {
  const stats: StreamStats = { path, bytes: 0, patches: [], ended: false };
  const response = await fetch(url + path, { signal, headers: { Accept: "text/event-stream" } });
  if (response.status !== 200 || !response.body) {
    throw new Error(`GET ${path} answered ${response.status}`);
  }
  const decoder = new TextDecoder();
  let carry = "";
  try {
    for await (const chunk of response.body) {
      const at = Date.now();
      stats.bytes += chunk.byteLength;
      carry += decoder.decode(chunk, { stream: true });
      let end: number;
      // Messages end with a blank line; data lines all start with `data: `, so none is blank.
      while ((end = carry.indexOf("\n\n")) >= 0) {
        const message = carry.slice(0, Math.min(end, 200));
        carry = carry.slice(end + 2);
        const match = /^id: (\d+)\nevent: patch\n/.exec(message);
        if (match) stats.patches.push({ at, id: Number(match[1]) });
      }
    }
    stats.ended = true;
  } catch (error) {
    if (!signal.aborted) throw error;
  }
  return stats;
}

/**
 * When the `k`-th event (1-based) was published, from the publisher's marks (`[events
 * published, epoch ms]`, ascending), interpolated between the two marks around it.
 */
export function publishTime(marks: [number, number][], k: number): number {
  let lo = 0;
  let hi = marks.length - 1;
  // The last mark with fewer than k events published: event k went out after it.
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (marks[mid][0] < k) lo = mid;
    else hi = mid - 1;
  }
  const [events, at] = marks[lo];
  const next = marks[lo + 1];
  if (!next || next[0] <= events) return at;
  return at + ((k - events) / (next[0] - events)) * (next[1] - at);
}

/**
 * Latencies of every `stride`-th of `events` events on one stream: the arrival of the first
 * patch whose id reaches the event, minus its publish time. Events no patch reached before
 * `closedAt` count from then, as a lower bound, and are counted in `unpatched`.
 */
export function eventLatencies(
  patches: Patch[],
  marks: [number, number][],
  events: number,
  closedAt: number,
  stride = 50,
): { latencyMs: number[]; unpatched: number } {
  const latencyMs: number[] = [];
  let unpatched = 0;
  let p = 0;
  for (let k = 1; k <= events; k += stride) {
    while (p < patches.length && patches[p].id < k) p++;
    const sent = publishTime(marks, k);
    if (p < patches.length) latencyMs.push(patches[p].at - sent);
    else {
      latencyMs.push(closedAt - sent);
      unpatched++;
    }
  }
  return { latencyMs, unpatched };
}

/** The `q`-quantile (0..1) of `values`, nearest rank; undefined when empty. */
export function quantile(values: number[], q: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** Ingests `flood` with `count` streams open; see the module comment. */
export async function withStreams(
  broker: BrokerFixture,
  build: StalkBuild,
  flood: FloodSpec,
  timeoutMs: number,
  count: number,
): Promise<StreamsSample> {
  let streams: StreamStats[] = [];
  const pageMs: number[] = [];
  let rssPeak = 0;
  let caughtUp = 0;
  let closedAt = 0;
  const ingest = await stalkIngest(broker, build, flood, timeoutMs, async (stalk: Stalk) => {
    const abort = new AbortController();
    const reading = streamPaths(count).map((path) => readStream(stalk.url, path, abort.signal));
    const rss = sampleRss(stalk.pid);
    // Let every stream connect and get its first render before the flood starts.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const probe = probePage(stalk, pageMs);
    return async () => {
      caughtUp = Date.now();
      await probe.stop();
      // The patches of the last events are on their way: give them the latency target's time.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      closedAt = Date.now();
      rssPeak = rss.stop();
      abort.abort();
      // A stream that does not end once aborted fails the run instead of hanging the bench.
      streams = await within(Promise.all(reading), 15_000, "the streams to close");
    };
  });
  // From the first publish (the publisher starts and generates its flood after the streams
  // opened: no event, nothing to patch) to the moment Stalk held the whole flood.
  const from = ingest.startedAt ?? caughtUp;
  const seconds = Math.max(0.001, (caughtUp - from) / 1000);
  const during = (stats: StreamStats) =>
    stats.patches.map((patch) => patch.at).filter((at) => at >= from && at <= caughtUp);
  const gapOf = (stats: StreamStats) => {
    const times = [from, ...during(stats), caughtUp];
    let gap = 0;
    for (let i = 1; i < times.length; i++) gap = Math.max(gap, times[i] - times[i - 1]);
    return gap;
  };
  const rates = streams.map((stats) => during(stats).length / seconds);
  const gaps = streams.filter((stats) => stats.path.startsWith("/stream/tasks")).map(gapOf);
  const kinds: KindSample[] = [];
  for (const stats of streams) {
    const kind = kindOf(stats.path);
    let sample = kinds.find((k) => k.kind === kind);
    if (!sample) {
      kinds.push(
        sample = { kind, streams: 0, latencyMs: [], unpatched: 0, maxPatchRate: 0, maxGapMs: 0 },
      );
    }
    sample.streams++;
    sample.maxPatchRate = Math.max(sample.maxPatchRate, during(stats).length / seconds);
    sample.maxGapMs = Math.max(sample.maxGapMs, gapOf(stats));
    // The broker page shows queue lengths polled from the broker, not events.
    if (ingest.marks && kind !== "broker") {
      const { latencyMs, unpatched } = eventLatencies(
        stats.patches,
        ingest.marks,
        ingest.events,
        closedAt,
      );
      sample.latencyMs.push(...latencyMs);
      sample.unpatched += unpatched;
    }
  }
  return {
    ingest,
    rssPeak,
    maxPatchRate: rates.length ? Math.max(...rates) : undefined,
    maxGapMs: gaps.length ? Math.max(...gaps) : undefined,
    ended: streams.filter((stats) => stats.ended).length,
    streams: streams.length,
    pageMs,
    kinds,
  };
}

/** The run without streams: the same RSS sampling and page probe, so the ratio is the streams'. */
export interface PlainSample {
  ingest: IngestSample;
  rssPeak: number;
  pageMs: number[];
}

/** Ingests `flood` with no stream open, sampling the peak RSS and the page the same way. */
export async function withoutStreams(
  broker: BrokerFixture,
  build: StalkBuild,
  flood: FloodSpec,
  timeoutMs: number,
): Promise<PlainSample> {
  let rssPeak = 0;
  const pageMs: number[] = [];
  const ingest = await stalkIngest(broker, build, flood, timeoutMs, (stalk: Stalk) => {
    const rss = sampleRss(stalk.pid);
    const probe = probePage(stalk, pageMs);
    return Promise.resolve(async () => {
      await probe.stop();
      rssPeak = rss.stop();
    });
  });
  return { ingest, rssPeak, pageMs };
}

/** Times `GET /tasks` (HTML) twice a second into `times` until stopped. */
function probePage(stalk: Stalk, times: number[]): { stop(): Promise<void> } {
  let probing = true;
  const done = (async () => {
    while (probing) {
      const started = performance.now();
      const response = await fetch(`${stalk.url}/tasks`, {
        headers: { Accept: "text/html" },
        signal: AbortSignal.timeout(10_000),
      });
      await response.arrayBuffer();
      times.push(performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  })();
  return {
    stop: () => {
      probing = false;
      return done;
    },
  };
}

/** `promise`, or a rejection naming `what` after `ms`. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Waited ${ms} ms for ${what}`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}
