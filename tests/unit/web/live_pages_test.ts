import { test } from "node:test";
import assert from "node:assert/strict";
import { FakeClock, turn } from "../control/_fake_clock.ts";
import { event, NOW, webApp } from "./_setup.ts";
import type { AuthProvider } from "../../../src/http/auth/policy.ts";
import type { Role } from "../../../src/http/auth/identity.ts";

const decoder = new TextDecoder();

/** The patches a page's stream sends, read in the background. */
async function subscribe(
  app: ReturnType<typeof webApp>["app"],
  path: string,
  headers: Record<string, string> = {},
) {
  const response = await app.request(path, { headers });
  assert.equal(response.status, 200);
  assert.match(response.headers.get("Content-Type") ?? "", /^text\/event-stream/);
  const patches: string[] = [];
  const reader = response.body!.getReader();
  const done = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      const text = decoder.decode(value);
      if (text.includes("event: patch")) {
        patches.push(
          text.split("\n").filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n"),
        );
      }
    }
  })();
  await turn();
  return { patches, done };
}

test("the head of the tasks list streams its rows, pager and state chips with their counts", async () => {
  const clock = new FakeClock(NOW * 1000);
  const { app, apply, live } = webApp({ liveClock: clock });
  const stream = await subscribe(app, "/stream/tasks");
  assert.equal(stream.patches.length, 1);
  const first = stream.patches[0];
  assert.match(first, /<div id="chips"/);
  assert.match(first, /data-state="ALL">3</);
  assert.match(first, /data-state="STARTED">1</);
  assert.match(first, /<table><tbody id="rows">/, "table parts are wrapped so that they parse");
  assert.match(first, /<nav id="pager"/);
  apply(event("task-succeeded", "t2", { result: "'ok'" }, NOW + 1));
  apply(event("task-received", "t4", { name: "tasks.add", args: "[1]", kwargs: "{}" }, NOW + 2));
  await clock.advance(400);
  assert.equal(stream.patches.length, 2, "two events, one patch");
  assert.match(stream.patches[1], /data-state="ALL">4</);
  assert.match(stream.patches[1], /data-state="STARTED">0</);
  assert.match(stream.patches[1], /data-state="SUCCESS">2</);
  assert.match(stream.patches[1], /data-key="t4"/, "the new task is in the rows");
  live!.close();
  await stream.done;
});

test("off the head of the list, the rows shown are refreshed in place and new ones only counted", async () => {
  const clock = new FakeClock(NOW * 1000);
  const { app, apply, live } = webApp({ liveClock: clock });
  const stream = await subscribe(app, "/stream/tasks?sort_by=name");
  const first = stream.patches[0];
  assert.match(first, /<div id="fresh" class="fresh"/);
  assert.match(first, /<div id="chips"/);
  assert.doesNotMatch(first, /id="rows"/, "the list itself is not replaced");
  assert.match(first, /<tr id="task-row-t2"[^>]*>.*s-STARTED/s);
  apply(event("task-succeeded", "t2", { result: "'ok'" }, NOW + 1));
  apply(event("task-received", "t4", { name: "tasks.add", args: "[1]", kwargs: "{}" }, NOW + 2));
  await clock.advance(400);
  const next = stream.patches[1];
  assert.match(next, /<tr id="task-row-t2"[^>]*>.*s-SUCCESS/s, "t2's row shows its new state");
  assert.doesNotMatch(next, /task-row-t4/, "no row is added under the cursor");
  assert.match(next, /1 new task since this page was loaded/);
  assert.match(next, /data-state="SUCCESS">2</);
  live!.close();
  await stream.done;
});

test("the worker page streams its status beside the tab, so going offline shows live", async () => {
  const clock = new FakeClock(NOW * 1000);
  const { app, apply, live } = webApp({ liveClock: clock });
  const stream = await subscribe(app, "/stream/worker/celery%40w1");
  assert.match(stream.patches[0], /<span id="worker-status"><span class="badge s-online"/);
  assert.match(stream.patches[0], /<div id="worker"/);
  apply({
    type: "worker-offline",
    hostname: "celery@w1",
    timestamp: NOW + 1,
    clock: 9,
    local_received: NOW + 1,
  });
  await clock.advance(1200);
  assert.match(stream.patches.at(-1)!, /<span id="worker-status"><span class="badge s-offline"/);
  live!.close();
  await stream.done;
});

/** Signs in whoever `X-Test-User: name:role` names, as a login session would. */
const testSessions: AuthProvider = {
  label: "Session",
  authenticate: (c) => {
    const [name, role] = (c.req.header("X-Test-User") ?? "").split(":");
    return name && role ? { name, role: role as Role, via: "session" } : null;
  },
  challenge: () => ({}),
};

test("two signed-in users on the same task page never share a render", async () => {
  const clock = new FakeClock(NOW * 1000);
  const { app, apply, live } = webApp({ liveClock: clock, providers: [testSessions] });
  const path = "/stream/task/t2";
  const admin = await subscribe(app, path, { "X-Test-User": "boss@example.com:admin" });
  const viewer = await subscribe(app, path, { "X-Test-User": "guest@example.com:viewer" });
  apply(event("task-retried", "t2", { exception: "Boom()" }, NOW + 1));
  await clock.advance(1200);
  assert.ok(admin.patches.length >= 2 && viewer.patches.length >= 2, "both streams were updated");
  for (const patch of admin.patches) assert.match(patch, /Revoke<\/button>/, "the admin may act");
  for (const patch of viewer.patches) {
    assert.doesNotMatch(patch, /Revoke<\/button>/, "a viewer is offered no action");
    assert.match(patch, /guest@example.com/, "and is told why, by name");
  }
  live!.close();
  await Promise.all([admin.done, viewer.done]);
});
