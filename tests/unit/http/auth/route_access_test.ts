// Every route the app registers, enumerated from the app itself, against every kind of caller:
// nobody, each basic-auth role, each token role, and read-only mode.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { createApp } from "../../../../src/http/app.ts";
import { createHash } from "node:crypto";
import type { Role } from "../../../../src/http/auth/identity.ts";
import { parseTokenFile, tokenProvider } from "../../../../src/http/auth/tokens.ts";
import type { App } from "../../../../src/http/deps.ts";
import { State } from "../../../../src/state/state.ts";
import { createWebDeps } from "../../../../src/web/deps.ts";
import { webPages } from "../../../../src/web/routes.tsx";
import { OAuthLogin } from "../../../../src/http/auth/oauth/login.ts";
import { basicAuthProvider } from "../../../../src/http/auth/basic.ts";
import { createAuthPolicy } from "../../../../src/http/auth/policy.ts";
import { CookieSigner } from "../../../../src/http/auth/session.ts";
import { appDeps, type AppDepsOptions } from "../_deps.ts";

const ROUTE_METHODS = new Set(["GET", "POST", "PUT", "PATCH", "DELETE"]);
const TOKENS: Record<Role, string> = {
  viewer: "tok-viewer-0123456789",
  operator: "tok-operator-0123456789",
  admin: "tok-admin-0123456789",
};
const hash = (text: string) => createHash("sha256").update(text).digest("hex");
const tokenFile = Object.entries(TOKENS).map(([role, t]) => `${role}-bot ${role} sha256:${hash(t)}`)
  .join("\n");
const BASIC = ["viewer=vera:v-pass", "operator=otto:o-pass", "ada:a-pass"];
const BASIC_HEADER: Record<Role, string> = {
  viewer: `Basic ${Buffer.from("vera:v-pass").toString("base64")}`,
  operator: `Basic ${Buffer.from("otto:o-pass").toString("base64")}`,
  admin: `Basic ${Buffer.from("ada:a-pass").toString("base64")}`,
};

/** What the documentation promises each action route needs, by its path's family. */
function documentedRole(method: string, path: string): Role {
  if (method === "GET") return "viewer";
  if (/^\/api\/task\/(apply|async-apply|send-task|revoke|abort|rate-limit|timeout)\//.test(path)) {
    return "operator";
  }
  if (/^\/task\/./.test(path)) return "operator";
  if (path.startsWith("/api/worker/")) return "admin";
  // The worker page's pool, queue, limit and shutdown forms: as the API's worker actions.
  if (/^\/worker\/./.test(path)) return "admin";
  return assert.fail(`no documented role for ${method} ${path}: document it, then add it here`);
}

/** An OAuth login whose provider is never reached: enough to register /login and /logout. */
function oauthLogin(): OAuthLogin {
  return new OAuthLogin({
    flow: {
      start: () =>
        Promise.resolve({
          url: new URL("https://idp.example/auth"),
          state: "s",
          verifier: "v",
          nonce: "n",
        }),
      finish: () => Promise.reject(new Error("not in this test")),
    },
    signer: new CookieSigner("route-access-test-secret"),
    auth: ".*@example.com",
    sessionTtl: 3600,
  });
}

function build(options: AppDepsOptions & { login?: OAuthLogin } = {}): App {
  const state = new State({ maxTasks: 10, maxWorkers: 10 });
  const deps = appDeps(state, {
    basicAuth: BASIC,
    providers: [tokenProvider(parseTokenFile(tokenFile))],
    open: false,
    ...options,
  });
  const web = webPages(createWebDeps({
    options: {
      urlPrefix: "",
      autoRefresh: true,
      naturalTime: false,
      tasksColumns: ["name", "uuid"],
      readOnly: options.readOnly ?? false,
      actionsOpen: true,
      broker: "amqp://localhost//",
    },
    state,
    inspector: deps.inspector,
    control: deps.control,
    queueLengths: deps.queueLengths,
    health: deps.health,
  }));
  if (options.login) {
    // As from_config.ts builds it: the session provider, and the login pages public.
    const auth = createAuthPolicy({
      providers: [
        basicAuthProvider(BASIC),
        tokenProvider(parseTokenFile(tokenFile)),
        options.login.provider(),
      ],
      publicPaths: new Set(["/healthcheck", "/login", "/logout"]),
      unauthenticatedApi: false,
    });
    return createApp({ ...deps, auth, web, login: options.login });
  }
  return createApp({ ...deps, web });
}

/** Every method + concrete path the app answers, from `app.routes`. */
function routes(app: App): { method: string; path: string }[] {
  const seen = new Map<string, { method: string; path: string }>();
  for (const route of app.routes) {
    if (!ROUTE_METHODS.has(route.method) || route.path.includes("*")) continue;
    const path = route.path.replace(/:(\w+)(\{[^}]*\})?/g, "celery@w1");
    seen.set(`${route.method} ${path}`, { method: route.method, path });
  }
  return [...seen.values()];
}

const call = (app: App, method: string, path: string, authorization?: string) =>
  app.request(path, {
    method,
    headers: authorization ? { Authorization: authorization } : {},
    ...(method === "GET" ? {} : { body: "" }),
  });

test("the app registers the routes the access tests walk", () => {
  const found = routes(build());
  assert.ok(found.length >= 20, `only ${found.length} routes found`);
  assert.ok(found.some((r) => r.path === "/api/worker/shutdown/celery@w1"));
  assert.ok(found.some((r) => r.path === "/workers"), "the pages are walked too");
});

test("with auth on and no credentials, every route but /healthcheck is refused", async () => {
  const app = build();
  for (const { method, path } of routes(app)) {
    const response = await call(app, method, path);
    if (path === "/healthcheck") assert.equal(response.status, 200, path);
    else assert.equal(response.status, 401, `${method} ${path}`);
  }
});

test("with an OAuth login, only /healthcheck, /login and /logout answer without credentials", async () => {
  const app = build({ login: oauthLogin() });
  const found = routes(app);
  assert.ok(found.some((r) => r.path === "/login"));
  for (const { method, path } of found) {
    const response = await call(app, method, path);
    const open = ["/healthcheck", "/login", "/logout"].includes(path);
    if (open) assert.ok(response.status < 400, `${method} ${path}: ${response.status}`);
    else assert.equal(response.status, 401, `${method} ${path}`);
  }
});

test("--metrics_public opens /metrics and nothing else", async () => {
  const app = build({ metricsPublic: true });
  for (const { method, path } of routes(app)) {
    const response = await call(app, method, path);
    const open = path === "/healthcheck" || path === "/metrics";
    assert.equal(response.status === 401, !open, `${method} ${path}: ${response.status}`);
  }
});

for (const [via, header] of [["basic", BASIC_HEADER], ["token", null]] as const) {
  test(`each ${via} role is allowed or refused with 403 naming the role, on every route`, async () => {
    const app = build();
    for (const role of ["viewer", "operator", "admin"] as Role[]) {
      const authorization = header ? header[role] : `Bearer ${TOKENS[role]}`;
      for (const { method, path } of routes(app)) {
        const needed = documentedRole(method, path);
        const response = await call(app, method, path, authorization);
        const body = await response.text();
        const rank = { viewer: 0, operator: 1, admin: 2 };
        if (rank[role] >= rank[needed]) {
          // A page's own 403 (a form without its anti-forgery token) is not a role refusal.
          const refused = response.status === 401 || /needs the \w+ role/.test(body);
          assert.ok(!refused, `${role} ${method} ${path}: ${response.status} ${body}`);
        } else {
          assert.equal(response.status, 403, `${role} ${method} ${path}`);
          assert.match(body, new RegExp(`needs the ${needed} role`));
        }
      }
    }
  });
}

test("--read_only refuses every action to every role, admins included", async () => {
  const app = build({ readOnly: true });
  for (const { method, path } of routes(app)) {
    if (method === "GET") continue;
    const response = await call(app, method, path, `Bearer ${TOKENS.admin}`);
    assert.equal(response.status, 403, `${method} ${path}`);
    assert.match(await response.text(), /Read only mode is enabled/);
  }
});

test("a wrong token is refused like no token, and the 401 asks for both schemes", async () => {
  const response = await call(build(), "GET", "/api/tasks", "Bearer not-a-token");
  assert.equal(response.status, 401);
  assert.equal(
    response.headers.get("WWW-Authenticate"),
    'Basic realm="stalk", Bearer realm="stalk"',
  );
});

test("every answer carries the security headers, errors included", async () => {
  const app = build();
  for (const path of ["/healthcheck", "/api/tasks", "/nowhere"]) {
    const response = await app.request(path);
    assert.equal(response.headers.get("X-Content-Type-Options"), "nosniff", path);
    assert.equal(response.headers.get("X-Frame-Options"), "DENY", path);
    assert.equal(response.headers.get("Referrer-Policy"), "same-origin", path);
    assert.match(response.headers.get("Content-Security-Policy") ?? "", /frame-ancestors 'none'/);
  }
});
