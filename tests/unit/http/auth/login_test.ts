import { test } from "node:test";
import assert from "node:assert/strict";
import { createApp } from "../../../../src/http/app.ts";
import { createAuthPolicy } from "../../../../src/http/auth/policy.ts";
import { OAuthLogin } from "../../../../src/http/auth/oauth/login.ts";
import { CookieSigner } from "../../../../src/http/auth/session.ts";
import { State } from "../../../../src/state/state.ts";
import { appDeps } from "../_deps.ts";

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
