import { test } from "node:test";
import assert from "node:assert/strict";
import { type CollectorTimers, QuietCollector } from "../../../src/ingest/quiet_collector.ts";

/** Timers that fire only when `tick` is called. */
function manualTimers(): CollectorTimers & { pending: number; tick(): void } {
  let due: (() => void) | undefined;
  return {
    setTimeout(callback) {
      due = callback;
      return 1;
    },
    clearTimeout() {
      due = undefined;
    },
    get pending() {
      return due === undefined ? 0 : 1;
    },
    tick() {
      const run = due;
      due = undefined;
      run?.();
    },
  };
}

function feed(collector: QuietCollector, events: number): void {
  for (let i = 0; i < events; i++) collector.observe();
}

test("a few events never arm a timer: a quiet cluster is not woken up", () => {
  const timers = manualTimers();
  const collector = new QuietCollector({ collect: () => true, minEvents: 100, timers });
  feed(collector, 99);
  assert.equal(timers.pending, 0);
});

test("after a burst, the first quiet check collects once and disarms", () => {
  const timers = manualTimers();
  let runs = 0;
  const collector = new QuietCollector({
    collect: () => ++runs > 0,
    minEvents: 100,
    quietBelow: 10,
    timers,
  });
  feed(collector, 150);
  assert.equal(timers.pending, 1);
  feed(collector, 50);
  timers.tick(); // 50 events in the interval: still busy, checks again
  assert.equal(runs, 0);
  assert.equal(timers.pending, 1);
  feed(collector, 3);
  timers.tick(); // 3 events: quiet
  assert.equal(runs, 1);
  assert.equal(collector.collections, 1);
  assert.equal(timers.pending, 0);
  feed(collector, 99);
  assert.equal(timers.pending, 0, "counting starts again from the collection");
});

test("a runtime that cannot collect stops the collector", () => {
  const timers = manualTimers();
  const collector = new QuietCollector({ collect: () => false, minEvents: 10, timers });
  feed(collector, 10);
  timers.tick();
  assert.equal(collector.collections, 0);
  feed(collector, 100);
  assert.equal(timers.pending, 0);
});

test("stop cancels a pending check", () => {
  const timers = manualTimers();
  let runs = 0;
  const collector = new QuietCollector({ collect: () => ++runs > 0, minEvents: 10, timers });
  feed(collector, 10);
  collector.stop();
  assert.equal(timers.pending, 0);
  timers.tick();
  assert.equal(runs, 0);
});
