import { mock, test } from "node:test";
import assert from "node:assert/strict";
import { parseBrokerUrl } from "../../../src/celery/broker_url.ts";
import type { RedisNode } from "../../../src/celery/sentinel.ts";
import { SENTINEL_BACKOFF, SentinelTransport } from "../../../src/broker/redis_sentinel.ts";
import { backoffDelay, type Transport } from "../../../src/broker/transport.ts";
import { StalkError } from "../../../src/errors.ts";
import { setLogLevel } from "../../../src/log.ts";
import { FakeTransport } from "../control/_fake_transport.ts";
import { fakeSwitchWatch } from "./_fake_switch_watch.ts";

/** One connection to a master, as the Sentinel transport sees it. */
interface Opened {
  node: RedisNode;
  transport: FakeTransport;
  lose(reason: string): void;
  closed: boolean;
}

/** Lets the promise chains that follow a timer run (setImmediate is not faked). */
const settle = () => new Promise((resolve) => setImmediate(resolve));

/** Each question to the sentinels takes the next answer; a promise is an answer still to come. */
function setup(masters: (RedisNode | Error | Promise<RedisNode>)[]) {
  const url = parseBrokerUrl("sentinel://127.0.0.1:26379/0;sentinel://127.0.0.1:26380");
  const opened: Opened[] = [];
  const asked: number[] = [];
  let connects = 0;
  const watch = fakeSwitchWatch();
  const transport = new SentinelTransport(url, {
    sentinel: {
      sentinels: url.sentinels!,
      masterName: "mymaster",
      minOtherSentinels: 0,
      connectTimeoutMs: 100,
    },
    backoff: { initialMs: 1000, maxMs: 1000 },
    checkIntervalMs: 10_000,
    watch: watch.subscribe,
    find: () => {
      asked.push(Date.now());
      const next = masters.length > 1 ? masters.shift()! : masters[0];
      if (next instanceof Promise) return next;
      return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
    },
    connect: (node, onLost) => {
      const inner = new FakeTransport();
      const entry: Opened = { node, transport: inner, lose: onLost, closed: false };
      inner.close = () => {
        entry.closed = true;
        return Promise.resolve();
      };
      // A master that is up at once.
      (inner as Transport).start = (handlers) => handlers.onConnected?.();
      opened.push(entry);
      return inner;
    },
  });
  transport.start({ onEvent: () => {}, onConnected: () => connects++ });
  return { transport, opened, asked, watch, connects: () => connects };
}

const A = { host: "10.0.0.1", port: 6379 };
const B = { host: "10.0.0.2", port: 6380 };

test("the master the sentinels name is connected to, and losing it asks them again", async () => {
  setLogLevel("error");
  mock.timers.enable({ apis: ["setTimeout", "setInterval"] });
  try {
    const { transport, opened, connects } = setup([A, B]);
    await settle();
    assert.deepEqual(opened.map((entry) => entry.node), [A]);
    assert.equal(transport.status().connected, true);
    assert.equal(connects(), 1);

    opened[0].lose("READONLY You can't write against a read only replica");
    assert.equal(opened[0].closed, true);
    assert.equal(transport.status().connected, false);
    assert.match(transport.status().reason ?? "", /READONLY/);
    // A second report of the same loss starts no second round.
    opened[0].lose("connection closed");
    mock.timers.tick(1000);
    await settle();
    assert.deepEqual(opened.map((entry) => entry.node), [A, B]);
    assert.equal(transport.status().connected, true);
    assert.equal(connects(), 2);
    await transport.close();
  } finally {
    mock.timers.reset();
  }
});

test("while no sentinel names a master, calls answer 503 and the sentinels are asked again", async () => {
  setLogLevel("error");
  mock.timers.enable({ apis: ["setTimeout", "setInterval"] });
  try {
    const { transport, opened, asked } = setup([new Error("No sentinel names a master"), A]);
    await settle();
    assert.equal(opened.length, 0);
    assert.equal(transport.status().connected, false);
    assert.throws(
      () => transport.replyRoute(),
      (error: unknown) => error instanceof StalkError && error.status === 503,
    );
    await assert.rejects(transport.queueLengths(["celery"]), StalkError);
    mock.timers.tick(1000);
    await settle();
    assert.equal(asked.length, 2);
    assert.deepEqual(opened.map((entry) => entry.node), [A]);
    assert.deepEqual(transport.replyRoute(), {
      exchange: "reply.celery.pidbox",
      routingKey: "oid",
    });
    await transport.close();
  } finally {
    mock.timers.reset();
  }
});

test("a master that moved while the connection stayed up is followed at the next check", async () => {
  setLogLevel("error");
  mock.timers.enable({ apis: ["setTimeout", "setInterval"] });
  try {
    const { transport, opened } = setup([A, A, B]);
    await settle();
    mock.timers.tick(10_000); // check 1: still A
    await settle();
    assert.equal(opened.length, 1);
    mock.timers.tick(10_000); // check 2: B
    await settle();
    assert.equal(opened[0].closed, true);
    mock.timers.tick(1000);
    await settle();
    assert.deepEqual(opened.map((entry) => entry.node), [A, B]);
    await transport.close();
    assert.equal(opened[1].closed, true);
    assert.equal(transport.status().reason, "closed");
  } finally {
    mock.timers.reset();
  }
});

test("a +switch-master moves to the announced master at once, without asking the sentinels", async () => {
  setLogLevel("error");
  mock.timers.enable({ apis: ["setTimeout", "setInterval"] });
  try {
    const { transport, opened, asked, watch, connects } = setup([A]);
    await settle();
    assert.equal(asked.length, 1);
    watch.announce(B, "127.0.0.1:26379");
    assert.equal(opened[0].closed, true);
    assert.deepEqual(opened.map((entry) => entry.node), [A, B]);
    assert.equal(asked.length, 1);
    assert.equal(transport.status().connected, true);
    assert.equal(connects(), 2);
    // Every other sentinel repeats the announcement: nothing more happens.
    watch.announce(B, "127.0.0.1:26380");
    assert.equal(opened.length, 2);
    assert.equal(opened[1].closed, false);
    await transport.close();
    assert.equal(watch.closed, true);
  } finally {
    mock.timers.reset();
  }
});

test("a +switch-master during the backoff after a lost master ends the wait", async () => {
  setLogLevel("error");
  mock.timers.enable({ apis: ["setTimeout", "setInterval"] });
  try {
    const { transport, opened, asked, watch } = setup([A]);
    await settle();
    opened[0].lose("Socket closed unexpectedly");
    assert.equal(transport.status().connected, false);
    watch.announce(B, "127.0.0.1:26379");
    assert.deepEqual(opened.map((entry) => entry.node), [A, B]);
    assert.equal(transport.status().connected, true);
    // The backoff's timer was cleared: no round asks the sentinels after it.
    mock.timers.tick(1000);
    await settle();
    assert.equal(asked.length, 1);
    assert.equal(opened.length, 2);
    await transport.close();
  } finally {
    mock.timers.reset();
  }
});

test("a +switch-master while the sentinels are being asked wins over their late answer", async () => {
  setLogLevel("error");
  mock.timers.enable({ apis: ["setTimeout", "setInterval"] });
  try {
    let answer: (node: RedisNode) => void = () => {};
    const late = new Promise<RedisNode>((resolve) => answer = resolve);
    const { transport, opened, asked, watch } = setup([A, late]);
    await settle();
    opened[0].lose("Socket closed unexpectedly");
    mock.timers.tick(1000);
    await settle();
    assert.equal(asked.length, 2); // the question is still open when the announcement comes
    watch.announce(B, "127.0.0.1:26379");
    answer(A);
    await settle();
    assert.deepEqual(opened.map((entry) => entry.node), [A, B]);
    assert.equal(opened[1].closed, false);
    await transport.close();
  } finally {
    mock.timers.reset();
  }
});

test("announced master that refuses the connection: the sentinels are asked again", async () => {
  setLogLevel("error");
  mock.timers.enable({ apis: ["setTimeout", "setInterval"] });
  try {
    const { transport, opened, asked, watch } = setup([A, B]);
    await settle();
    watch.announce({ host: "10.0.0.9", port: 6379 }, "127.0.0.1:26379");
    opened[1].lose("connect ECONNREFUSED 10.0.0.9:6379");
    mock.timers.tick(1000);
    await settle();
    assert.equal(asked.length, 2);
    assert.deepEqual(opened.map((entry) => entry.node), [A, { host: "10.0.0.9", port: 6379 }, B]);
    await transport.close();
  } finally {
    mock.timers.reset();
  }
});

test("the periodic check trusts a fresh announcement over a sentinel that has not heard of it", async () => {
  setLogLevel("error");
  mock.timers.enable({ apis: ["setTimeout", "setInterval", "Date"] });
  try {
    // Every sentinel question after the first still names A, the old master.
    const { transport, opened, watch } = setup([A]);
    await settle();
    mock.timers.tick(5_000);
    watch.announce(B, "127.0.0.1:26379");
    mock.timers.tick(5_000); // the check 5 s after the switch: skipped
    await settle();
    assert.equal(opened.length, 2);
    assert.equal(opened[1].closed, false);
    mock.timers.tick(10_000); // 15 s after it: A is believed again
    await settle();
    assert.equal(opened[1].closed, true);
    await transport.close();
  } finally {
    mock.timers.reset();
  }
});

test("rounds of asking the sentinels start within 100 ms and never wait more than 1 s", () => {
  const fixed = () => 0; // no jitter: the longest delay of each attempt
  assert.equal(backoffDelay(0, SENTINEL_BACKOFF, fixed), 100);
  assert.equal(backoffDelay(1, SENTINEL_BACKOFF, fixed), 200);
  assert.equal(backoffDelay(4, SENTINEL_BACKOFF, fixed), 1000);
  assert.equal(backoffDelay(40, SENTINEL_BACKOFF, fixed), 1000);
});
