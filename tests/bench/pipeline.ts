/**
 * The event path without a broker: pre-encoded flood messages go through `EventIngest` →
 * `prepareEvent` → `State.apply`, wired as `main.ts` wires them. It gives the CPU ceiling of
 * ingest on this machine and is the program to profile:
 *
 *   deno run -A --cpu-prof --cpu-prof-dir=/tmp/stalk-prof tests/bench/pipeline.ts --tasks 300000
 *
 * Prints one JSON line: the median events/s of `--rounds` runs, batched and single-event, and
 * the CPU µs per event (`batchedCpuUs`, `singleCpuUs`), steadier than wall time on a loaded
 * machine. `--shape partial|mix` feeds the traffic shapes of `scripts/bench` instead of full
 * batches.
 */
import { parseArgs } from "node:util";
import { EventHub } from "../../src/ingest/event_hub.ts";
import { EventIngest } from "../../src/ingest/event_ingest.ts";
import { CeleryMetrics } from "../../src/metrics/celery_metrics.ts";
import { LamportClock } from "../../src/state/clock.ts";
import { posixUtcOffset, prepareEvent } from "../../src/ingest/receiver.ts";
import { State } from "../../src/state/state.ts";
import type { EventMessage } from "../../src/broker/transport.ts";
import { Flood, type FloodOptions } from "./_flood.ts";
import { WorkerCountTable } from "../../src/state/worker_counts.ts";
import { LiveStreams } from "../../src/web/live.ts";

/** Traffic shapes for `--shape`: the mix is `scripts/bench`'s partial + task-sent + 50 workers. */
const SHAPES: Record<string, Partial<FloodOptions>> = {
  full: {},
  partial: { batches: "partial", heartbeatEvery: 500 },
  mix: { batches: "partial", sent: true, workers: 50, heartbeatEvery: 200 },
};

/** Pre-encoded messages of a flood of `tasks` tasks. */
export function floodMessages(tasks: number, batched: boolean, shape = "full"): EventMessage[] {
  const encoder = new TextEncoder();
  const options = { tasks, batched, seed: 7, ...SHAPES[shape] };
  return [...new Flood(options).messages()].map((m) => ({
    routingKey: m.routingKey,
    body: encoder.encode(m.body),
    contentType: "application/json",
  }));
}

/** Events/s of the in-process event path over `messages`, into a fresh state. */
export function pipelineRate(
  messages: EventMessage[],
  maxTasks: number,
  withMetrics = true,
): number {
  return pipelineRun(messages, maxTasks, withMetrics).wall;
}

/** Events per second of wall time and of the process's CPU time (all threads, GC included). */
export function pipelineRun(
  messages: EventMessage[],
  maxTasks: number,
  withMetrics = true,
): { wall: number; cpu: number } {
  const state = new State({ maxTasks, maxWorkers: 5000 });
  const clock = new LamportClock();
  const now = () => Date.now() / 1000;
  const metrics = new CeleryMetrics(state);
  // The listeners main.ts subscribes, in its order (the inspector's hook only reads the type).
  const hub = new EventHub();
  let lastEventAt = 0;
  const workerCounts = new WorkerCountTable(5000);
  hub.subscribe(() => lastEventAt = Date.now(), { name: "health" });
  hub.subscribe((event) => workerCounts.observe(event), { name: "worker-counts" });
  const live = new LiveStreams((listener) => hub.subscribe(listener, { name: "live-pages" }));
  if (withMetrics) hub.subscribe((event) => metrics.observe(event), { name: "metrics" });
  hub.subscribe((event) => {
    if (event.type.startsWith("worker-")) lastEventAt++;
  }, { name: "inspector" });
  const ingest = new EventIngest({
    prepare: (raw) => prepareEvent(raw, clock, now, posixUtcOffset()),
    apply: (event) => state.apply(event),
    hub,
  });
  const cpu = process.cpuUsage();
  const start = performance.now();
  for (const message of messages) ingest.handle(message);
  const seconds = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  live.close();
  const rejected = Object.values(ingest.stats().rejected).reduce((a, b) => a + (b ?? 0), 0);
  if (rejected > 0) throw new Error(`Pipeline rejected events: ${JSON.stringify(ingest.stats())}`);
  const events = ingest.stats().events;
  return { wall: events / seconds, cpu: events / ((used.user + used.system) / 1e6) };
}

/** The median of `rounds` runs over the same messages, each into a fresh state. */
export function medianRate(
  tasks: number,
  batched: boolean,
  rounds: number,
  withMetrics = true,
  shape = "full",
): number {
  return medianRates(tasks, batched, rounds, withMetrics, shape).wall;
}

/** Medians of wall-time and CPU-time rates over `rounds` runs. */
export function medianRates(
  tasks: number,
  batched: boolean,
  rounds: number,
  withMetrics = true,
  shape = "full",
): { wall: number; cpu: number } {
  const messages = floodMessages(tasks, batched, shape);
  const runs: { wall: number; cpu: number }[] = [];
  for (let i = 0; i < rounds; i++) runs.push(pipelineRun(messages, tasks, withMetrics));
  const mid = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
  return { wall: mid(runs.map((r) => r.wall)), cpu: mid(runs.map((r) => r.cpu)) };
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      tasks: { type: "string", default: "200000" },
      mode: { type: "string", default: "both" },
      rounds: { type: "string", default: "3" },
      "json-key": { type: "string" },
      "no-metrics": { type: "boolean", default: false },
      shape: { type: "string", default: "full" },
    },
  });
  const tasks = Number(values.tasks);
  const rounds = Number(values.rounds);
  const out: Record<string, number> = {};
  const metrics = !values["no-metrics"];
  const shape = values.shape;
  // `batched`/`single`: events/s of wall time; `…CpuUs`: CPU µs per event (steadier when loaded).
  for (const [key, batched] of [["batched", true], ["single", false]] as const) {
    if (values.mode === (batched ? "single" : "batched")) continue;
    const rates = medianRates(tasks, batched, rounds, metrics, shape);
    out[key] = Math.round(rates.wall);
    out[`${key}CpuUs`] = Number((1e6 / rates.cpu).toFixed(3));
  }
  const key = values["json-key"];
  console.log(JSON.stringify(key ? { [key]: out } : out));
}
