import { test } from "node:test";
import assert from "node:assert/strict";
import { Hono } from "hono";
import type { AppEnv } from "../../../src/http/deps.ts";
import { withUrlPrefix } from "../../../src/http/url_prefix.ts";

/** An inner app whose `/go?to=` redirects wherever `to` says. */
function prefixed() {
  const inner = new Hono<AppEnv>();
  inner.get("/go", (c) => c.redirect(c.req.query("to") ?? "/", 302));
  return withUrlPrefix(inner, "flower");
}

test("a redirect to a path the inner app wrote without the prefix gets it", async () => {
  const app = prefixed();
  const cases: [string, string][] = [
    ["/login?next=%2Ftasks", "/flower/login?next=%2Ftasks"],
    ["/", "/flower/"],
    ["/flower/tasks", "/flower/tasks"],
    ["/flower", "/flower"],
    ["https://idp.example/auth?x=1", "https://idp.example/auth?x=1"],
    ["//elsewhere.example/x", "//elsewhere.example/x"],
  ];
  for (const [to, expected] of cases) {
    const response = await app.request(`/flower/go?to=${encodeURIComponent(to)}`);
    assert.equal(response.status, 302);
    assert.equal(response.headers.get("location"), expected, to);
  }
});
