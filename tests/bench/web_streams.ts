/**
 * The web UI's event streams under an event flood (issue #11): the same flood is ingested by a
 * fresh Stalk with no browser and then with `count` streams open (tasks views, the workers
 * dashboard, the broker page), read as a browser reads them. Besides the two ingest rates (the
 * target: no more than 10 % slower), it records what the streams got (patches per second per
 * stream: coalescing; the longest silence of a tasks stream: liveness; streams cut off), how
 * long the tasks page took to answer during the flood, and Stalk's peak RSS in both runs.
 */
import type { BrokerFixture } from "../e2e/_harness/rabbit.ts";
import type { Stalk } from "../e2e/_harness/stalk.ts";
import { type FloodSpec, type IngestSample, stalkIngest } from "./ingest.ts";
import { sampleRss } from "./_proc.ts";
import type { StalkBuild } from "./_stalk.ts";

/** What one stream received while the flood was ingested. */
interface StreamStats {
  path: string;
  bytes: number;
  /** When each patch arrived (epoch ms). */
  patches: number[];
  /** The stream ended before the benchmark closed it (cut off, or Stalk closed it). */
  ended: boolean;
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
    if (i % 10 === 8) paths.push("/stream/workers");
    else if (i % 10 === 9) paths.push("/stream/broker");
    else {paths.push(
        `/stream/tasks${views[i % views.length]}${
          views[i % views.length] ? "&" : "?"
        }since=0&n=${i}`,
      );}
  }
  return paths;
}

/** Reads `path`'s stream until `signal` aborts, counting its patches. */
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
      stats.bytes += chunk.byteLength;
      const text = carry + decoder.decode(chunk, { stream: true });
      const found = text.split("\nevent: patch\n").length - 1;
      for (let i = 0; i < found; i++) stats.patches.push(Date.now());
      carry = text.slice(-16);
      if (found > 0) carry = text.slice(text.lastIndexOf("\nevent: patch\n") + 14).slice(-16);
    }
    stats.ended = true;
  } catch (error) {
    if (!signal.aborted) throw error;
  }
  return stats;
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
  let window = { from: 0, to: 0 };
  const ingest = await stalkIngest(broker, build, flood, timeoutMs, async (stalk: Stalk) => {
    const abort = new AbortController();
    const reading = streamPaths(count).map((path) => readStream(stalk.url, path, abort.signal));
    const rss = sampleRss(stalk.pid);
    // Let every stream connect and get its first render before the flood starts.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    window.from = Date.now();
    const probe = probePage(stalk, pageMs);
    return async () => {
      window.to = Date.now();
      await probe.stop();
      rssPeak = rss.stop();
      abort.abort();
      streams = await Promise.all(reading);
    };
  });
  const seconds = Math.max(0.001, (window.to - window.from) / 1000);
  const during = (stats: StreamStats) =>
    stats.patches.filter((at) => at >= window.from && at <= window.to);
  const rates = streams.map((stats) => during(stats).length / seconds);
  const gaps = streams.filter((stats) => stats.path.startsWith("/stream/tasks")).map((stats) => {
    const times = [window.from, ...during(stats), window.to];
    let gap = 0;
    for (let i = 1; i < times.length; i++) gap = Math.max(gap, times[i] - times[i - 1]);
    return gap;
  });
  window = { from: 0, to: 0 };
  return {
    ingest,
    rssPeak,
    maxPatchRate: rates.length ? Math.max(...rates) : undefined,
    maxGapMs: gaps.length ? Math.max(...gaps) : undefined,
    ended: streams.filter((stats) => stats.ended).length,
    streams: streams.length,
    pageMs,
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
      const response = await fetch(`${stalk.url}/tasks`, { headers: { Accept: "text/html" } });
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
