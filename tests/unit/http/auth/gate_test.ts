import { test } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { Hono } from "hono";
import { basicAuthProvider } from "../../../../src/http/auth/basic.ts";
import { authGate, requireRole } from "../../../../src/http/auth/gate.ts";
import type { AuthProvider } from "../../../../src/http/auth/policy.ts";
import { createAuthPolicy } from "../../../../src/http/auth/policy.ts";
import type { App } from "../../../../src/http/deps.ts";
import { errorResponse } from "../../../../src/http/on_error.ts";
import { LoginThrottle } from "../../../../src/http/auth/throttle.ts";

/** An app whose routes answer the identity the gate set. */
function app(providers: AuthProvider[], unauthenticatedApi = false): App {
  const app: App = new Hono();
  app.onError(errorResponse);
  app.use(
    "*",
    authGate(
      createAuthPolicy({ providers, publicPaths: new Set(["/healthcheck"]), unauthenticatedApi }),
    ),
  );
  app.use("*", requireRole());
  app.on(["GET", "POST"], "*", (c) => c.json(c.get("identity")));
  return app;
}

const basic = (pair: string) => ({
  Authorization: `Basic ${Buffer.from(pair).toString("base64")}`,
});

test("basic auth puts the user on the request as an admin", async () => {
  const response = await app([basicAuthProvider(["alice:secret"])]).request("/api/tasks", {
    headers: basic("alice:secret"),
  });
  assert.deepEqual(await response.json(), { name: "alice", role: "admin", via: "basic" });
});

test("with a provider, a public path is served to an anonymous viewer", async () => {
  const response = await app([basicAuthProvider(["alice:secret"])]).request("/healthcheck");
  assert.deepEqual(await response.json(), { name: "anonymous", role: "viewer", via: "anonymous" });
});

test("without providers, anyone may do anything off /api, and on it only when opted in", async () => {
  const closed = app([]);
  assert.equal((await closed.request("/metrics")).status, 200);
  assert.equal((await closed.request("/api/tasks")).status, 401);
  const open = await app([], true).request("/api/tasks", { method: "POST" });
  assert.deepEqual(await open.json(), { name: "anonymous", role: "admin", via: "anonymous" });
});

test("the first provider that vouches wins; a refusal asks for every provider's credentials", async () => {
  const token: AuthProvider = {
    label: "Bearer",
    authenticate: (c) =>
      c.req.header("Authorization") === "Bearer t1"
        ? { name: "ci", role: "viewer", via: "token" }
        : null,
    challenge: () => ({ "WWW-Authenticate": "Bearer" }),
  };
  const both = app([basicAuthProvider(["alice:secret"]), token]);
  const viewer = await both.request("/api/tasks", { headers: { Authorization: "Bearer t1" } });
  assert.equal((await viewer.json()).via, "token");
  const refused = await both.request("/api/tasks");
  assert.equal(refused.status, 401);
  assert.equal(refused.headers.get("WWW-Authenticate"), 'Basic realm="stalk", Bearer');
  assert.deepEqual(await refused.json(), {
    error: "Access denied: valid Basic or Bearer credentials are required",
  });
});

test("a viewer may read the API but not change anything", async () => {
  const viewer: AuthProvider = {
    label: "Test",
    authenticate: () => ({ name: "eve", role: "viewer", via: "test" }),
    challenge: () => ({}),
  };
  const only = app([viewer]);
  assert.equal((await only.request("/api/tasks")).status, 200);
  const write = await only.request("/api/worker/shutdown/w1", { method: "POST" });
  assert.equal(write.status, 403);
  assert.deepEqual(await write.json(), {
    error:
      "Access denied: POST '/api/worker/shutdown/w1' needs the admin role; 'eve' has the viewer role",
  });
});

test("repeated wrong credentials from one address are slowed down, others are not", async () => {
  const waits: number[] = [];
  const throttled: App = new Hono();
  throttled.onError(errorResponse);
  throttled.use("*", async (c, next) => {
    c.set("client", { address: c.req.header("X-Test-Peer") ?? "unknown", https: false });
    await next();
  });
  throttled.use(
    "*",
    authGate(
      createAuthPolicy({
        providers: [basicAuthProvider(["alice:secret"])],
        publicPaths: new Set(),
        unauthenticatedApi: false,
      }),
      {
        throttle: new LoginThrottle({ freeFailures: 1, baseDelayMs: 50, now: () => 0 }),
        sleep: (ms) => {
          waits.push(ms);
          return Promise.resolve();
        },
      },
    ),
  );
  throttled.get("*", (c) => c.text("ok"));
  const wrong = { ...basic("alice:nope"), "X-Test-Peer": "192.0.2.1" };
  for (let i = 0; i < 3; i++) {
    assert.equal((await throttled.request("/", { headers: wrong })).status, 401);
  }
  await throttled.request("/", { headers: { ...basic("alice:nope"), "X-Test-Peer": "192.0.2.2" } });
  await throttled.request("/");
  assert.deepEqual(
    waits,
    [50, 100],
    "the free failure, then doubling; the other peer and no credentials are not slowed",
  );
});
