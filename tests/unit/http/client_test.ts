import { test } from "node:test";
import assert from "node:assert/strict";
import { Hono } from "hono";
import { clientInfo } from "../../../src/http/client.ts";
import type { AppEnv } from "../../../src/http/deps.ts";

function app(xheaders: boolean) {
  const app = new Hono<AppEnv>();
  app.use("*", clientInfo({ xheaders }));
  app.get("/", (c) => c.json(c.get("client")));
  return app;
}

const proxied = {
  "X-Forwarded-For": "203.0.113.9, 198.51.100.7",
  "X-Forwarded-Proto": "https",
};

test("without --xheaders the forwarding headers are ignored", async () => {
  const response = await app(false).request("/", { headers: proxied }, {
    remoteAddress: "10.1.1.1",
  });
  assert.deepEqual(await response.json(), { address: "10.1.1.1", https: false });
});

test("with --xheaders the proxy's last X-Forwarded-For entry and its scheme are trusted", async () => {
  const response = await app(true).request("/", { headers: proxied }, {
    remoteAddress: "10.1.1.1",
  });
  assert.deepEqual(await response.json(), { address: "198.51.100.7", https: true });
});

test("X-Real-Ip wins over X-Forwarded-For, and X-Scheme stands in for X-Forwarded-Proto", async () => {
  const response = await app(true).request("/", {
    headers: { "X-Real-Ip": "192.0.2.4", "X-Forwarded-For": "192.0.2.5", "X-Scheme": "https" },
  });
  assert.deepEqual(await response.json(), { address: "192.0.2.4", https: true });
});
