import { test } from "node:test";
import assert from "node:assert/strict";
import { createApp } from "../../../../../src/http/app.ts";
import { createAuthPolicy } from "../../../../../src/http/auth/policy.ts";
import { StalkError } from "../../../../../src/errors.ts";
import { OAuthLogin } from "../../../../../src/http/auth/oauth/login.ts";
import { loginFailed } from "../../../../../src/http/auth/oauth/oidc_client.ts";
import { LoginThrottle } from "../../../../../src/http/auth/throttle.ts";
import { CookieSigner } from "../../../../../src/http/auth/session.ts";
import { State } from "../../../../../src/state/state.ts";
import { appDeps } from "../../_deps.ts";

/** An app with an OAuth login whose provider only ever sees the start of the flow. */
function app(xheaders: boolean) {
  const login = new OAuthLogin({
    flow: {
      start: () =>
        Promise.resolve({
          url: new URL("https://idp.example/auth?x=1"),
          state: "s",
          verifier: "v",
          nonce: "n",
        }),
      finish: () => Promise.reject(new Error("not in this test")),
    },
    signer: new CookieSigner("login-test-secret-0123"),
    auth: ".*@example.com",
    sessionTtl: 3600,
  });
  const deps = appDeps(new State({ maxTasks: 10, maxWorkers: 10 }), { open: false });
  const auth = createAuthPolicy({
    providers: [login.provider()],
    publicPaths: new Set(["/healthcheck", "/login", "/logout"]),
    unauthenticatedApi: false,
  });
  return createApp({ ...deps, auth, login, xheaders });
}

test("/login sends the browser to the provider with an HttpOnly, Lax flow cookie", async () => {
  const response = await app(false).request("/login?next=/tasks");
  assert.equal(response.status, 302);
  assert.equal(response.headers.get("location"), "https://idp.example/auth?x=1");
  const cookie = response.headers.get("set-cookie") ?? "";
  assert.match(cookie, /^stalk_login=/);
  assert.match(cookie, /HttpOnly/);
  assert.match(cookie, /SameSite=Lax/);
  assert.doesNotMatch(cookie, /Secure/);
});

test("behind a trusted https proxy (--xheaders) the cookies are Secure; untrusted, they are not", async () => {
  const headers = { "X-Forwarded-Proto": "https" };
  const trusted = await app(true).request("/login", { headers });
  assert.match(trusted.headers.get("set-cookie") ?? "", /Secure/);
  const untrusted = await app(false).request("/login", { headers });
  assert.doesNotMatch(untrusted.headers.get("set-cookie") ?? "", /Secure/);
});

test("an API call without a session is a 401, a page visit a redirect to /login", async () => {
  const api = await app(false).request("/api/tasks", { headers: { Accept: "text/html" } });
  assert.equal(api.status, 401);
  const page = await app(false).request("/workers", { headers: { Accept: "text/html" } });
  assert.equal(page.status, 302);
  assert.equal(page.headers.get("location"), "/login?next=%2Fworkers");
});

/** An app whose provider refuses every code (or is down), with the throttle's waits recorded. */
function refusingApp(options: { down?: boolean; maxRemembered?: number } = {}) {
  let started = 0;
  const signer = new CookieSigner("login-test-secret-0123");
  const login = new OAuthLogin({
    flow: {
      start: () =>
        Promise.resolve({
          url: new URL("https://idp.example/auth"),
          state: `s${++started}`,
          verifier: "v",
          nonce: "n",
        }),
      finish: () =>
        Promise.reject(
          options.down
            ? new StalkError("unavailable", "Cannot reach the identity provider")
            : loginFailed("the provider refused the code or sent an invalid ID token"),
        ),
    },
    signer,
    auth: ".*@example.com",
    sessionTtl: 3600,
    maxRemembered: options.maxRemembered,
  });
  const waits: number[] = [];
  const throttle = new LoginThrottle({ freeFailures: 2, baseDelayMs: 100 });
  const deps = appDeps(new State({ maxTasks: 10, maxWorkers: 10 }), { open: false });
  const auth = createAuthPolicy({
    providers: [login.provider()],
    publicPaths: new Set(["/healthcheck", "/login", "/logout"]),
    unauthenticatedApi: false,
  });
  const app = createApp({
    ...deps,
    auth,
    loginThrottle: throttle,
    login: {
      register: (app, routes) =>
        login.register(app, { ...routes, sleep: (ms) => (waits.push(ms), Promise.resolve()) }),
    },
  });
  /** Starts a login and answers it with `code`; returns the callback's status. */
  const callback = async (flowCookie = true) => {
    const start = await app.request("/login");
    const cookie = (start.headers.get("set-cookie") ?? "").split(";")[0];
    const state = `s${started}`;
    const response = await app.request(`/login?code=c&state=${state}`, {
      headers: flowCookie ? { Cookie: cookie } : {},
    });
    await response.body?.cancel();
    return response.status;
  };
  return { app, login, signer, waits, callback };
}

test("refused OAuth callbacks are slowed down like failed passwords", async () => {
  const { waits, callback } = refusingApp();
  const statuses = [];
  for (let i = 0; i < 5; i++) statuses.push(await callback(i % 2 === 0));
  assert.deepEqual(statuses, [403, 403, 403, 403, 403]);
  assert.deepEqual(waits, [100, 200, 400], "two free failures, then doubling waits");
});

test("a provider that cannot be reached does not count against the caller", async () => {
  const { waits, callback } = refusingApp({ down: true });
  for (let i = 0; i < 5; i++) assert.equal(await callback(), 503);
  assert.deepEqual(waits, []);
});

test("a flood of callbacks and logouts keeps the remembered states and sessions bounded", async () => {
  const { app, login, signer, callback } = refusingApp({ maxRemembered: 50 });
  for (let i = 0; i < 400; i++) await callback();
  assert.equal(login.remembered.states, 50);
  for (let i = 0; i < 400; i++) {
    const session = await signer.sign({ email: "alice@example.com", sid: `sid${i}` }, 3600);
    const response = await app.request("/logout", {
      method: "POST",
      headers: { Cookie: `stalk_session=${session}` },
    });
    assert.equal(response.status, 200);
    await response.body?.cancel();
  }
  assert.equal(login.remembered.endedSessions, 50);
});

test("an ended session is refused while a live one opens the API", async () => {
  const { app, signer } = refusingApp();
  const ended = await signer.sign({ email: "alice@example.com", sid: "ended" }, 3600);
  const live = await signer.sign({ email: "alice@example.com", sid: "live" }, 3600);
  await app.request("/logout", { headers: { Cookie: `stalk_session=${ended}` } });
  const refused = await app.request("/api/tasks", {
    headers: { Cookie: `stalk_session=${ended}` },
  });
  assert.equal(refused.status, 401);
  const allowed = await app.request("/api/tasks", { headers: { Cookie: `stalk_session=${live}` } });
  assert.equal(allowed.status, 200);
});
