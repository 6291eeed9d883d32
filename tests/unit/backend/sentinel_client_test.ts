import { mock, test } from "node:test";
import assert from "node:assert/strict";
import { connectSentinelRedis } from "../../../src/backend/sentinel_client.ts";
import { parseBackendUrl, type SentinelBackendUrl } from "../../../src/celery/backend_url.ts";
import type { RedisNode } from "../../../src/celery/sentinel.ts";
import { setLogLevel } from "../../../src/log.ts";
import { FakeRedis } from "./_fakes.ts";
import { fakeSwitchWatch } from "../broker/_fake_switch_watch.ts";

/** Lets the promise chains that follow a call or a timer run (setImmediate is not faked). */
const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
};

const A = { host: "10.0.0.1", port: 6379 };
const B = { host: "10.0.0.2", port: 6380 };

/** The port over fake masters: the sentinels always name `named`, `announce` plays one. */
function setup(named: RedisNode) {
  const url = parseBackendUrl("sentinel://127.0.0.1:26379/0") as SentinelBackendUrl;
  const masters = new Map<string, FakeRedis>();
  const watch = fakeSwitchWatch();
  let asked = 0;
  const port = connectSentinelRedis(url, {
    sentinels: url.sentinels,
    masterName: "mymaster",
    minOtherSentinels: 0,
    connectTimeoutMs: 100,
  }, {
    checkIntervalMs: 10_000,
    find: () => {
      asked++;
      return Promise.resolve(named);
    },
    watch: watch.subscribe,
    connect: (master) => {
      const fake = new FakeRedis();
      masters.set(`${master.hostname}:${master.port}`, fake);
      return fake;
    },
  });
  const at = (node: RedisNode) => masters.get(`${node.host}:${node.port}`);
  return { port, at, watch, asked: () => asked };
}

test("a +switch-master moves the result backend at once: subscriptions and waiters follow", async () => {
  setLogLevel("error");
  mock.timers.enable({ apis: ["setInterval"] });
  try {
    const { port, at, watch, asked } = setup(A);
    const seen: string[] = [];
    await port.subscribe("celery-task-meta-1", (message) => seen.push(message));
    let reread = 0;
    port.onReconnect(() => reread++);
    assert.ok(at(A)?.channels.has("celery-task-meta-1"));

    watch.announce(B, "127.0.0.1:26379");
    await settle();
    assert.equal(asked(), 1, "the announcement is trusted without asking the sentinels");
    assert.ok(at(B)?.channels.has("celery-task-meta-1"));
    assert.equal(reread, 1);
    at(B)!.store("celery-task-meta-1", "done");
    assert.deepEqual(seen, ["done"]);
    assert.equal(await port.get("celery-task-meta-1"), "done");

    // The other sentinels repeat it: no second move.
    watch.announce(B, "127.0.0.1:26380");
    await settle();
    assert.equal(reread, 1);
    await port.close();
    assert.equal(watch.closed, true);
  } finally {
    mock.timers.reset();
  }
});

test("right after a switch the periodic check does not move back to a stale answer", async () => {
  setLogLevel("error");
  mock.timers.enable({ apis: ["setInterval", "Date"] });
  try {
    // The sentinel asked still names A, the old master, as one that has not heard of it would.
    const { port, at, watch } = setup(A);
    await port.get("k");
    mock.timers.tick(5_000);
    watch.announce(B, "127.0.0.1:26379");
    await settle();
    assert.ok(at(B));
    at(B)!.data.set("k", "on B");
    mock.timers.tick(5_000); // the check 5 s after the switch: skipped
    await settle();
    assert.equal(await port.get("k"), "on B");
    mock.timers.tick(10_000); // 15 s after it, the sentinels are believed again
    await settle();
    assert.equal(await port.get("k"), null);
    await port.close();
  } finally {
    mock.timers.reset();
  }
});
