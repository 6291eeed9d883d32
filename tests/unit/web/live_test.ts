import { test } from "node:test";
import assert from "node:assert/strict";
import { LiveStreams, sseMessage } from "../../../src/web/live.ts";
import type { CeleryEvent } from "../../../src/state/types.ts";
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

const decoder = new TextDecoder();

async function read(stream: ReadableStream<Uint8Array>): Promise<string> {
  const reader = stream.getReader();
  const { value } = await reader.read();
  reader.releaseLock();
  return decoder.decode(value);
}

test("an SSE message carries the id and one data line per line of HTML", () => {
  assert.equal(
    sseMessage(7, '<div id="a">\nx</div>'),
    'id: 7\nevent: patch\ndata: <div id="a">\ndata: x</div>\n\n',
  );
});

test("a stream renders at once, then only after an event, and close() ends it", async () => {
  const source = hub();
  const live = new LiveStreams(source.subscribe, { intervalMs: 5 });
  let renders = 0;
  const stream = live.open({ key: "k", render: () => `<p id="n">${++renders}</p>` });
  const reader = stream.getReader();
  assert.equal(decoder.decode((await reader.read()).value), "retry: 1000\n\n");
  assert.match(
    decoder.decode((await reader.read()).value),
    /^id: 0\nevent: patch\ndata: <p id="n">1/,
  );
  source.publish(event("task-received", "t1"));
  source.publish(event("task-started", "t1"));
  const next = decoder.decode((await reader.read()).value);
  assert.match(next, /^id: 2\n/, "two events coalesced into one render");
  assert.equal(renders, 2);
  assert.equal(live.received, 1);
  live.close();
  assert.equal((await reader.read()).done, true);
  assert.equal(source.size, 0, "no listener left on the hub");
});

test("a resumed stream with nothing new skips the first render", async () => {
  const source = hub();
  const live = new LiveStreams(source.subscribe, { intervalMs: 5 });
  source.publish(event("task-received", "t1"));
  let renders = 0;
  const stream = live.open({ key: "k", render: () => `<p>${++renders}</p>` }, "1");
  assert.equal(await read(stream), "retry: 1000\n\n");
  await new Promise((resolve) => setTimeout(resolve, 30));
  assert.equal(renders, 0);
  live.close();
});

test("a task view renders on its own task's events only", async () => {
  const source = hub();
  const live = new LiveStreams(source.subscribe, { intervalMs: 5 });
  let renders = 0;
  const stream = live.open({ key: "t", task: "t1", render: () => `<p>${++renders}</p>` });
  const reader = stream.getReader();
  await reader.read();
  await reader.read();
  source.publish(event("task-received", "other"));
  await new Promise((resolve) => setTimeout(resolve, 30));
  assert.equal(renders, 1);
  source.publish(event("task-started", "t1"));
  await reader.read();
  assert.equal(renders, 2);
  live.close();
});

test("a client that stops reading is cut off, and ingestion never waits for it", async () => {
  const source = hub();
  const live = new LiveStreams(source.subscribe, { intervalMs: 2, maxBufferBytes: 2048 });
  const big = "x".repeat(1500);
  const stream = live.open({ key: "k", render: () => big });
  for (let i = 0; i < 20 && live.size > 0; i++) {
    source.publish(event("task-received", `t${i}`));
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.equal(live.size, 0, "the stalled stream was dropped");
  const reader = stream.getReader();
  let done = false;
  while (!done) done = (await reader.read()).done === true;
  live.close();
});
