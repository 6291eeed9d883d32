import { test } from "node:test";
import assert from "node:assert/strict";
import {
  type LiveClock,
  type LiveOptions,
  LiveStreams,
  sseMessage,
  tickDelay,
} from "../../../src/web/live.ts";
import type { CeleryEvent } from "../../../src/state/types.ts";
import { FakeClock, turn } from "../control/_fake_clock.ts";
import { event } from "./_setup.ts";

/** A hub stand-in: the test publishes events by hand. */
function hub() {
  const listeners = new Set<(event: CeleryEvent) => void>();
  return {
    subscribe: (listener: (event: CeleryEvent) => void) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    publish: (e: CeleryEvent) => listeners.forEach((listener) => listener(e)),
    get size() {
      return listeners.size;
    },
  };
}

/** A fake clock that also counts the timers still pending. */
class Clock extends FakeClock implements LiveClock {
  pending = 0;
  /** CPU milliseconds, when a test sets it; `now` stands in otherwise. */
  cpu?: () => number;
  override setTimeout(callback: () => void, ms: number): number {
    this.pending++;
    return super.setTimeout(() => {
      this.pending--;
      callback();
    }, ms);
  }
  override clearTimeout(handle: unknown): void {
    this.pending--;
    super.clearTimeout(handle);
  }
}

const decoder = new TextDecoder();

/** Everything a stream has sent so far, read in the background as a browser would. */
function collect(stream: ReadableStream<Uint8Array>) {
  const messages: string[] = [];
  const done = (async () => {
    for await (const chunk of stream) messages.push(decoder.decode(chunk));
  })();
  return {
    messages,
    done,
    patches: () => messages.filter((m) => m.includes("event: patch")),
  };
}

/** A stream set on a fake clock, with the hub that feeds it. */
function setup(options: Omit<LiveOptions, "clock"> = {}) {
  const source = hub();
  const clock = new Clock(1_000_000);
  const live = new LiveStreams(source.subscribe, { intervalMs: 400, ...options, clock });
  return { source, clock, live };
}

test("an SSE message carries the id and one data line per line of HTML", () => {
  assert.equal(
    sseMessage(7, '<div id="a">\nx</div>'),
    'id: 7\nevent: patch\ndata: <div id="a">\ndata: x</div>\n\n',
  );
  assert.equal(sseMessage(1, "a\r\nb\rc"), "id: 1\nevent: patch\ndata: a\ndata: b\ndata: c\n\n");
});

test("a stream renders at once, then only at the next tick after an event", async () => {
  const { source, clock, live } = setup();
  let renders = 0;
  const out = collect(live.open({ key: "k", render: () => `<p id="n">${++renders}</p>` }));
  await turn();
  assert.deepEqual(out.messages, [
    "retry: 1000\n\n",
    'id: 0\nevent: patch\ndata: <p id="n">1</p>\n\n',
  ]);
  await clock.advance(2_000);
  assert.equal(renders, 1, "nothing changed: no render");
  source.publish(event("task-received", "t1"));
  source.publish(event("task-started", "t1"));
  await clock.advance(399);
  assert.equal(renders, 1, "not before the tick");
  await clock.advance(1);
  assert.equal(renders, 2, "two events, one render");
  assert.match(out.patches()[1], /^id: 2\n/, "the id is the event count");
  assert.equal(live.received, 1);
  live.close();
  await out.done;
});

test("a steady flood is coalesced to one render per interval", async () => {
  const { source, clock, live } = setup({ intervalMs: 250 });
  let renders = 0;
  const out = collect(live.open({ key: "k", render: () => `<p>${++renders}</p>` }));
  await turn();
  // 20,000 events a second for 10 seconds of fake time, a millisecond's worth at a time.
  for (let ms = 0; ms < 10_000; ms++) {
    for (let i = 0; i < 20; i++) source.publish(event("task-succeeded", `t${ms}`));
    if (ms % 50 === 49) await clock.advance(50);
  }
  assert.equal(renders, 1 + 10_000 / 250, "one render at open, then one per 250 ms");
  assert.equal(out.patches().length, renders);
  live.close();
  await out.done;
});

test("streams with the same key share one render per tick", async () => {
  const { source, clock, live } = setup();
  let renders = 0;
  const view = { key: "same", render: () => `<p>${++renders}</p>` };
  const a = collect(live.open(view));
  const b = collect(live.open(view));
  await turn();
  const before = renders;
  source.publish(event("task-received", "t1"));
  await clock.advance(400);
  assert.equal(renders, before + 1);
  assert.equal(a.patches().at(-1), b.patches().at(-1));
  live.close();
  await Promise.all([a.done, b.done]);
});

test("a resumed stream skips the first render when nothing changed since its Last-Event-ID", async () => {
  const { source, clock, live } = setup();
  source.publish(event("task-received", "t1"));
  let renders = 0;
  const view = { key: "k", render: () => `<p>${++renders}</p>` };
  const resumed = collect(live.open(view, "1"));
  await clock.advance(2_000);
  assert.equal(renders, 0);
  assert.deepEqual(resumed.messages, ["retry: 1000\n\n"]);
  const behind = collect(live.open(view, "0"));
  await turn();
  assert.equal(renders, 1, "a stream that missed an event renders at once");
  assert.equal(behind.patches().length, 1);
  const bogus = collect(live.open(view, "99"));
  await turn();
  assert.equal(bogus.patches().length, 1, "an id from the future (a restarted Stalk) renders");
  live.close();
  await Promise.all([resumed.done, behind.done, bogus.done]);
});

test("a task view renders on its own task's events only", async () => {
  const { source, clock, live } = setup();
  let renders = 0;
  const out = collect(live.open({ key: "t", task: "t1", render: () => `<p>${++renders}</p>` }));
  await turn();
  assert.equal(renders, 1);
  source.publish(event("task-received", "other"));
  source.publish(event("worker-heartbeat", "x"));
  await clock.advance(2_000);
  assert.equal(renders, 1);
  source.publish(event("task-started", "t1"));
  await clock.advance(400);
  assert.equal(renders, 2);
  live.close();
  await out.done;
});

test("a polled view re-renders every pollMs without events", async () => {
  const { clock, live } = setup();
  let renders = 0;
  const out = collect(live.open({ key: "b", pollMs: 2_000, render: () => `<p>${++renders}</p>` }));
  await turn();
  await clock.advance(1_600);
  assert.equal(renders, 1);
  await clock.advance(400);
  assert.equal(renders, 2);
  await clock.advance(4_000);
  assert.equal(renders, 4);
  live.close();
  await out.done;
});

test("a quiet stream gets a keep-alive comment", async () => {
  const { clock, live } = setup({ keepAliveMs: 15_000 });
  const out = collect(live.open({ key: "k", render: () => "<p></p>" }));
  await turn();
  await clock.advance(14_800);
  assert.equal(out.messages.filter((m) => m === ": keep-alive\n\n").length, 0);
  await clock.advance(400);
  assert.equal(out.messages.filter((m) => m === ": keep-alive\n\n").length, 1);
  live.close();
  await out.done;
});

test("a render that fails is retried at the next tick", async () => {
  const { source, clock, live } = setup();
  let fail = true;
  const out = collect(live.open({
    key: "k",
    render: () => {
      if (fail) throw new Error("broker down");
      return "<p>ok</p>";
    },
  }));
  await turn();
  assert.equal(out.patches().length, 0);
  source.publish(event("task-received", "t1"));
  fail = false;
  await clock.advance(400);
  assert.equal(out.patches().length, 1);
  live.close();
  await out.done;
});

test("a client that stops reading is cut off, and ingestion never waits for it", async () => {
  const { source, clock, live } = setup({ intervalMs: 100, maxBufferBytes: 4096 });
  const stream = live.open({ key: "k", render: () => "x".repeat(1500) });
  const started = performance.now();
  for (let tick = 0; tick < 20 && live.size > 0; tick++) {
    for (let i = 0; i < 1_000; i++) source.publish(event("task-received", `t${tick}-${i}`));
    await clock.advance(100);
  }
  assert.equal(live.size, 0, "the stalled stream was dropped");
  assert.ok(performance.now() - started < 5_000, "publishing did not block");
  // What was queued is still there for the browser, then the stream ends and it reconnects.
  const out = collect(stream);
  await out.done;
  assert.ok(
    out.patches().length >= 2 && out.patches().length <= 3,
    `${out.patches().length} patches`,
  );
  live.close();
});

test("close() ends every stream, leaves no listener or timer, and refuses new streams", async () => {
  const { source, clock, live } = setup();
  const a = collect(live.open({ key: "a", render: () => "<p>a</p>" }));
  const b = collect(live.open({ key: "b", task: "t1", render: () => "<p>b</p>" }));
  await turn();
  assert.equal(live.size, 2);
  assert.equal(clock.pending, 1, "one timer for every stream");
  live.close();
  await Promise.all([a.done, b.done]);
  assert.equal(live.size, 0);
  assert.equal(source.size, 0, "no listener left on the hub");
  assert.equal(clock.pending, 0, "no timer left");
  const late = collect(live.open({ key: "c", render: () => "<p>c</p>" }));
  await late.done;
  assert.deepEqual(late.messages, []);
});

test("the ticker stops once the last stream is gone", async () => {
  const { clock, live } = setup();
  const stream = live.open({ key: "a", render: () => "<p>a</p>" });
  await turn();
  assert.equal(clock.pending, 1);
  await stream.cancel();
  await clock.advance(400);
  assert.equal(clock.pending, 0);
  live.close();
});

test("renders take at most their share of the loop: slow renders space the ticks out", async () => {
  const { source, clock, live } = setup({
    intervalMs: 400,
    renderShare: 0.1,
    maxIntervalMs: 5_000,
  });
  let renders = 0;
  const out = collect(live.open({
    key: "k",
    render: () => {
      clock.time += 100; // each render "takes" 100 ms of the thread
      return `<p>${++renders}</p>`;
    },
  }));
  await turn();
  const started = clock.time;
  for (let ms = 0; ms < 10_000; ms += 50) {
    source.publish(event("task-succeeded", `t${ms}`));
    await clock.advance(50);
  }
  // With a 10 % share, 100 ms of rendering is followed by at least 900 ms without.
  const elapsed = clock.time - started;
  assert.ok(renders - 1 <= Math.ceil(elapsed / 1000), `${renders} renders in ${elapsed} ms`);
  assert.ok(renders - 1 >= Math.floor(elapsed / 1000) - 1, `${renders} renders in ${elapsed} ms`);
  live.close();
  await out.done;
});

test("however slow the renders, a changed view is rendered again within maxIntervalMs", async () => {
  const { source, clock, live } = setup({ intervalMs: 400, maxIntervalMs: 700 });
  const at: number[] = [];
  const out = collect(live.open({
    key: "k",
    render: () => {
      at.push(clock.time);
      clock.time += 100; // the 5 % share alone would wait 1900 ms after this
      return "<p></p>";
    },
  }));
  await turn();
  for (let ms = 0; ms < 10_000; ms += 10) {
    source.publish(event("task-succeeded", `t${ms}`));
    await clock.advance(10);
  }
  const gaps = at.slice(1).map((t, i) => t - at[i]);
  assert.ok(gaps.length >= 10, `${gaps.length} renders`);
  assert.ok(gaps.every((gap) => gap <= 800), `gaps ${gaps}`);
  live.close();
  await out.done;
});

test("tickDelay stretches the interval to the share, capped by the latency bound", () => {
  assert.equal(tickDelay(0, 400, 700, 0.05), 400, "cheap ticks: the interval");
  assert.equal(tickDelay(30, 400, 700, 0.05), 570, "30 ms of CPU at 5 %: 570 ms after");
  assert.equal(tickDelay(100, 400, 700, 0.05), 700, "never past the bound");
  assert.equal(tickDelay(10, 400, 5_000, 0.01), 990);
});

test("the writes count toward the streams' share, not only the renders", async () => {
  const { source, clock, live } = setup({ intervalMs: 100, maxIntervalMs: 10_000 });
  let cpu = 0;
  clock.cpu = () => cpu;
  let renders = 0;
  const out = collect(live.open({ key: "k", render: () => `<p>${++renders}</p>` }));
  await turn();
  // The render costs nothing; encoding its message "takes" 20 ms of CPU.
  const encode = TextEncoder.prototype.encode;
  TextEncoder.prototype.encode = function (text?: string) {
    cpu += 20;
    return encode.call(this, text);
  };
  try {
    source.publish(event("task-received", "t1"));
    await clock.advance(100);
    assert.equal(renders, 2);
    source.publish(event("task-received", "t2"));
    // 20 ms at 5 %: the next tick waits 380 ms, not the 100 ms interval.
    await clock.advance(379);
    assert.equal(renders, 2);
    await clock.advance(1);
    assert.equal(renders, 3);
  } finally {
    TextEncoder.prototype.encode = encode;
  }
  live.close();
  await out.done;
});

test("a view whose render waits (the broker page) holds up neither the others nor the ticks", async () => {
  const { source, clock, live } = setup();
  let release: (html: string) => void = () => {};
  let slowRenders = 0;
  let fastRenders = 0;
  const slow = collect(live.open({
    key: "slow",
    pollMs: 400,
    render: () => {
      slowRenders++;
      return new Promise<string>((resolve) => release = resolve);
    },
  }));
  const fast = collect(live.open({ key: "fast", render: () => `<p>${++fastRenders}</p>` }));
  await turn();
  for (let tick = 0; tick < 5; tick++) {
    source.publish(event("task-received", `t${tick}`));
    await clock.advance(400);
  }
  assert.equal(fastRenders, 6, "the fast view rendered at open and at each of 5 ticks");
  assert.equal(fast.patches().length, 6);
  assert.equal(slowRenders, 1, "the pending render is not started again");
  release("<p>queues</p>");
  await turn();
  assert.equal(slow.patches().length, 1);
  await clock.advance(400);
  assert.equal(slowRenders, 2, "once settled, it is polled again");
  live.close();
  await Promise.all([slow.done, fast.done]);
});

test("opening a stream renders that stream only, not every stale view", async () => {
  const { source, live } = setup();
  let renders = 0;
  const a = collect(live.open({ key: "a", render: () => `<p>${++renders}</p>` }));
  await turn();
  source.publish(event("task-received", "t1"));
  const b = collect(live.open({ key: "b", render: () => "<p>b</p>" }));
  await turn();
  assert.equal(renders, 1, "a waits for the tick");
  assert.equal(b.patches().length, 1);
  live.close();
  await Promise.all([a.done, b.done]);
});
