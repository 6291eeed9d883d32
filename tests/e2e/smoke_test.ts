import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { api, type BrokerFixture, brokerFixture, type Stalk, startStalk } from "./_harness/mod.ts";

describe("smoke", () => {
  let broker: BrokerFixture;
  let stalk: Stalk;

  before(async () => {
    broker = await brokerFixture();
    stalk = await startStalk({ brokerUrl: broker.brokerUrl });
  });

  after(async () => {
    await stalk?.stop();
    await broker?.remove();
  });

  test("/healthcheck answers 200 OK once the broker is connected", async () => {
    const response = await api(stalk.url, "/healthcheck");
    assert.equal(response.status, 200, stalk.output());
    assert.equal(response.text, "OK");
  });

  test("/api/task/types answers 200 with a task-types list", async () => {
    const response = await api<{ "task-types": unknown }>(stalk.url, "/api/task/types");
    assert.equal(response.status, 200, response.text);
    assert.match(response.headers.get("content-type") ?? "", /^application\/json/);
    assert.ok(Array.isArray(response.json?.["task-types"]), response.text);
  });

  test("/api/tasks answers 401 without FLOWER_UNAUTHENTICATED_API or auth", async () => {
    const closed = await startStalk({
      brokerUrl: broker.brokerUrl,
      env: { FLOWER_UNAUTHENTICATED_API: undefined },
    });
    try {
      const response = await api(closed.url, "/api/tasks");
      assert.equal(response.status, 401, response.text);
    } finally {
      await closed.stop();
    }
  });
});
