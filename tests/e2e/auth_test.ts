// Issue 2, access to the read API: Flower's gate (no auth configured and no
// FLOWER_UNAUTHENTICATED_API means /api/* is refused) and HTTP basic auth, against a live server.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  api,
  basicAuth,
  type BrokerFixture,
  brokerFixture,
  type Stalk,
  startStalk,
} from "./_harness/mod.ts";

describe("API access control", () => {
  let broker: BrokerFixture;
  /** No credentials configured and FLOWER_UNAUTHENTICATED_API unset. */
  let gated: Stalk;
  /** `--basic_auth` with two accounts, FLOWER_UNAUTHENTICATED_API unset. */
  let guarded: Stalk;
  /** A viewer and an admin account, two API tokens, `--metrics_public`. */
  let roles: Stalk;
  const ciToken = "ci-token-4a2f9c0d1e7b";
  const readToken = "read-token-77e1b0c3a9";

  before(async () => {
    broker = await brokerFixture();
    const dir = mkdtempSync(join(tmpdir(), "stalk-tokens-"));
    const sha = (text: string) => createHash("sha256").update(text).digest("hex");
    const tokens = join(dir, "tokens");
    writeFileSync(
      tokens,
      `ci operator sha256:${sha(ciToken)}\nro viewer sha256:${sha(readToken)}\n`,
    );
    [gated, guarded, roles] = await Promise.all([
      startStalk({ brokerUrl: broker.brokerUrl, env: { FLOWER_UNAUTHENTICATED_API: undefined } }),
      startStalk({
        brokerUrl: broker.brokerUrl,
        args: ["--basic_auth=user:pass,ops:s3cr:et"],
        env: { FLOWER_UNAUTHENTICATED_API: undefined },
      }),
      startStalk({
        brokerUrl: broker.brokerUrl,
        args: ["--basic_auth=viewer=vera:v-pw,ada:a-pw", "--metrics_public"],
        env: { FLOWER_UNAUTHENTICATED_API: undefined, FLOWER_API_TOKENS: tokens },
      }),
    ]);
  });

  after(async () => {
    await Promise.allSettled([gated?.stop(), guarded?.stop(), roles?.stop()]);
    await broker?.remove();
  });

  describe("without credentials configured or FLOWER_UNAUTHENTICATED_API", () => {
    for (const path of ["/api/tasks", "/api/task/types", "/api/task/info/x", "/api/workers"]) {
      test(`GET ${path} answers 401 with a JSON error naming the variable`, async () => {
        const response = await api<{ error: string }>(gated.url, path);
        assert.equal(response.status, 401, response.text);
        assert.match(response.json?.error ?? "", /FLOWER_UNAUTHENTICATED_API/);
      });
    }

    test("a control POST answers 401 too, before reaching any worker", async () => {
      const response = await api(gated.url, "/api/worker/shutdown/nobody@nowhere", {
        method: "POST",
      });
      assert.equal(response.status, 401, response.text);
    });

    test("/healthcheck stays open", async () => {
      const response = await api(gated.url, "/healthcheck");
      assert.equal(response.status, 200, response.text);
      assert.equal(response.text, "OK");
    });
  });

  describe("with --basic_auth", () => {
    test("a request without credentials answers 401 with a WWW-Authenticate challenge", async () => {
      const response = await api(guarded.url, "/api/tasks");
      assert.equal(response.status, 401, response.text);
      assert.match(response.headers.get("www-authenticate") ?? "", /^Basic realm=/);
    });

    test("wrong credentials answer 401 with a WWW-Authenticate challenge", async () => {
      for (const headers of [basicAuth("user", "wrong"), basicAuth("nobody", "pass")]) {
        const response = await api(guarded.url, "/api/tasks", { headers });
        assert.equal(response.status, 401, response.text);
        assert.match(response.headers.get("www-authenticate") ?? "", /^Basic realm=/);
      }
    });

    test("a malformed Authorization header answers 401", async () => {
      for (const authorization of ["Bearer abc", "Basic !!!", "Basic"]) {
        const response = await api(guarded.url, "/api/tasks", {
          headers: { Authorization: authorization },
        });
        assert.equal(response.status, 401, `${authorization}: ${response.text}`);
      }
    });

    test("right credentials answer 200, for every configured account", async () => {
      for (const headers of [basicAuth("user", "pass"), basicAuth("ops", "s3cr:et")]) {
        const tasks = await api(guarded.url, "/api/tasks", { headers });
        assert.equal(tasks.status, 200, tasks.text);
        assert.deepEqual(tasks.json, {});
        const types = await api(guarded.url, "/api/task/types", { headers });
        assert.equal(types.status, 200, types.text);
      }
    });

    test("credentials open the API without FLOWER_UNAUTHENTICATED_API", async () => {
      const response = await api(guarded.url, "/api/workers?status=true", {
        headers: basicAuth("user", "pass"),
      });
      assert.equal(response.status, 200, response.text);
    });

    test("/healthcheck answers 200 without credentials", async () => {
      const response = await api(guarded.url, "/healthcheck");
      assert.equal(response.status, 200, response.text);
      assert.equal(response.text, "OK");
    });

    test("a control POST without credentials answers 401", async () => {
      const response = await api(guarded.url, "/api/task/revoke/some-id", { method: "POST" });
      assert.equal(response.status, 401, response.text);
    });
  });

  describe("with roles, API tokens and --metrics_public", () => {
    test("a token opens the API and /metrics, and a wrong one answers 401", async () => {
      for (const path of ["/api/tasks", "/api/workers", "/api/queues/length"]) {
        const response = await api(roles.url, path, {
          headers: { Authorization: `Bearer ${readToken}` },
        });
        assert.equal(response.status, 200, `${path}: ${response.text}`);
      }
      const wrong = await api(roles.url, "/api/tasks", { headers: { Authorization: "Bearer x" } });
      assert.equal(wrong.status, 401, wrong.text);
    });

    test("/metrics answers without credentials; the API does not", async () => {
      assert.equal((await api(roles.url, "/metrics")).status, 200);
      assert.equal((await api(roles.url, "/api/tasks")).status, 401);
    });

    test("a viewer's and an operator's worker shutdown is a 403 naming the admin role", async () => {
      for (
        const headers of [basicAuth("vera", "v-pw"), { Authorization: `Bearer ${ciToken}` }]
      ) {
        const response = await api<{ error: string }>(roles.url, "/api/worker/shutdown/w@x", {
          method: "POST",
          headers,
        });
        assert.equal(response.status, 403, response.text);
        assert.match(response.json?.error ?? "", /needs the admin role/);
      }
    });

    test("an operator token may revoke; an admin may shut down (404: no such worker)", async () => {
      const revoke = await api(roles.url, "/api/task/revoke/abc", {
        method: "POST",
        headers: { Authorization: `Bearer ${ciToken}` },
      });
      assert.equal(revoke.status, 200, revoke.text);
      const shutdown = await api(roles.url, "/api/worker/shutdown/w@x", {
        method: "POST",
        headers: basicAuth("ada", "a-pw"),
      });
      assert.equal(shutdown.status, 404, shutdown.text);
    });

    test("every answer carries the security headers", async () => {
      const response = await api(roles.url, "/healthcheck");
      assert.equal(response.headers.get("x-content-type-options"), "nosniff");
      assert.equal(response.headers.get("x-frame-options"), "DENY");
    });
  });
});
