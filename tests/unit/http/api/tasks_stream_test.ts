import { test } from "node:test";
import assert from "node:assert/strict";
import { streamTasksJson, tasksToJson } from "../../../../src/http/api/tasks.ts";
import { createApp } from "../../../../src/http/app.ts";
import { State } from "../../../../src/state/state.ts";
import type { TaskJson } from "../../../../src/state/types.ts";
import { appDeps } from "../_deps.ts";

function stateWith(count: number): State {
  const state = new State({ maxTasks: count, maxWorkers: 10, now: () => 1 });
  for (let i = 0; i < count; i++) {
    state.apply({
      type: i % 5 ? "task-received" : "task-sent",
      uuid: i % 7 ? `task-${i}` : String(i),
      hostname: i % 5 ? "celery@w1" : "gen1@client",
      timestamp: 1_700_000_000 + i,
      clock: i,
      local_received: 1_700_000_000 + i,
      name: "tasks.add",
      args: `(${i}, "${"x".repeat(i % 50)}")`,
      kwargs: "{}",
    });
  }
  return state;
}

async function read(stream: ReadableStream<Uint8Array>): Promise<{ text: string; chunks: number }> {
  let text = "";
  let chunks = 0;
  const decoder = new TextDecoder();
  for await (const chunk of stream) {
    text += decoder.decode(chunk, { stream: true });
    chunks++;
  }
  return { text, chunks };
}

const all = { offset: 0, descending: false };

test("a streamed listing is the same JSON text as the listing built whole", async () => {
  const state = stateWith(3000);
  const { text, chunks } = await read(streamTasksJson(state.iterateTasks(all)));
  assert.equal(text, tasksToJson(state.tasks(all)));
  assert.ok(chunks > 5, `${chunks} chunks`);
  // Numeric-looking ids keep their place, and tasks without a worker have no "worker" key.
  const parsed = JSON.parse(text) as Record<string, TaskJson>;
  assert.equal(Object.keys(parsed).length, 3000);
  assert.equal("worker" in parsed["0"], false);
});

test("an empty streamed listing is an empty object", async () => {
  const state = stateWith(1);
  const none = { ...all, taskname: "no.such.task" };
  assert.equal((await read(streamTasksJson(state.iterateTasks(none)))).text, "{}");
});

test("GET /api/tasks without a limit streams, with one it answers whole", async () => {
  const state = stateWith(500);
  const app = createApp(appDeps(state, { metrics: "" }));
  const streamed = await app.request("/api/tasks");
  assert.equal(streamed.headers.get("content-type"), "application/json; charset=UTF-8");
  assert.equal(await streamed.text(), tasksToJson(state.tasks(all)));
  const paged = await app.request("/api/tasks?limit=3&offset=2");
  assert.equal(await paged.text(), tasksToJson(state.tasks({ ...all, limit: 3, offset: 2 })));
});
