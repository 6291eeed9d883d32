/**
 * The event path without a broker: pre-encoded flood messages go through `EventIngest` →
 * `prepareEvent` → `State.apply`, wired as `main.ts` wires them. It gives the CPU ceiling of
 * ingest on this machine and is the program to profile:
 *
 *   deno run -A --cpu-prof --cpu-prof-dir=/tmp/stalk-prof tests/bench/pipeline.ts --tasks 300000
 *
 * Prints one JSON line: the median events/s of `--rounds` runs, batched and single-event.
 */
import { parseArgs } from "node:util";
import { EventHub } from "../../src/ingest/event_hub.ts";
import { EventIngest } from "../../src/ingest/event_ingest.ts";
import { CeleryMetrics } from "../../src/metrics/celery_metrics.ts";
import { LamportClock } from "../../src/state/clock.ts";
import { posixUtcOffset, prepareEvent } from "../../src/ingest/receiver.ts";
import { State } from "../../src/state/state.ts";
import type { EventMessage } from "../../src/broker/transport.ts";
import { Flood } from "./_flood.ts";

/** Pre-encoded messages of a flood of `tasks` tasks. */
export function floodMessages(tasks: number, batched: boolean): EventMessage[] {
  const encoder = new TextEncoder();
  return [...new Flood({ tasks, batched, seed: 7 }).messages()].map((m) => ({
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
  const state = new State({ maxTasks, maxWorkers: 5000 });
  const clock = new LamportClock();
  const now = () => Date.now() / 1000;
  const metrics = new CeleryMetrics(state);
  // As main.ts wires it (less the inspector's worker-event hook, a no-op for task events).
  const hub = new EventHub();
  if (withMetrics) hub.subscribe((event) => metrics.observe(event), { name: "metrics" });
  const ingest = new EventIngest({
    prepare: (raw) => prepareEvent(raw, clock, now, posixUtcOffset()),
    apply: (event) => state.apply(event),
    hub,
  });
  const start = performance.now();
  for (const message of messages) ingest.handle(message);
  const seconds = (performance.now() - start) / 1000;
  const rejected = Object.values(ingest.stats().rejected).reduce((a, b) => a + (b ?? 0), 0);
  if (rejected > 0) throw new Error(`Pipeline rejected events: ${JSON.stringify(ingest.stats())}`);
  return ingest.stats().events / seconds;
}

/** The median of `rounds` runs over the same messages, each into a fresh state. */
export function medianRate(
  tasks: number,
  batched: boolean,
  rounds: number,
  withMetrics = true,
): number {
  const messages = floodMessages(tasks, batched);
  const rates: number[] = [];
  for (let i = 0; i < rounds; i++) rates.push(pipelineRate(messages, tasks, withMetrics));
  return rates.sort((a, b) => a - b)[Math.floor(rates.length / 2)];
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
    },
  });
  const tasks = Number(values.tasks);
  const rounds = Number(values.rounds);
  const out: Record<string, number> = {};
  const metrics = !values["no-metrics"];
  if (values.mode !== "single") out.batched = Math.round(medianRate(tasks, true, rounds, metrics));
  if (values.mode !== "batched") out.single = Math.round(medianRate(tasks, false, rounds, metrics));
  const key = values["json-key"];
  console.log(JSON.stringify(key ? { [key]: out } : out));
}
