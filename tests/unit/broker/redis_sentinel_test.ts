import { mock, test } from "node:test";
import assert from "node:assert/strict";
import { parseBrokerUrl } from "../../../src/celery/broker_url.ts";
import type { RedisNode } from "../../../src/celery/sentinel.ts";
import { SentinelTransport } from "../../../src/broker/redis_sentinel.ts";
import type { Transport } from "../../../src/broker/transport.ts";
import { StalkError } from "../../../src/errors.ts";
import { setLogLevel } from "../../../src/log.ts";
import { FakeTransport } from "../control/_fake_transport.ts";

/** One connection to a master, as the Sentinel transport sees it. */
interface Opened {
  node: RedisNode;
  transport: FakeTransport;
  lose(reason: string): void;
  closed: boolean;
}

/** Lets the promise chains that follow a timer run (setImmediate is not faked). */
const settle = () => new Promise((resolve) => setImmediate(resolve));

function setup(masters: (RedisNode | Error)[]) {
  const url = parseBrokerUrl("sentinel://127.0.0.1:26379/0;sentinel://127.0.0.1:26380");
  const opened: Opened[] = [];
  const asked: number[] = [];
  let connects = 0;
  const transport = new SentinelTransport(url, {
    sentinel: {
      sentinels: url.sentinels!,
      masterName: "mymaster",
      minOtherSentinels: 0,
      connectTimeoutMs: 100,
    },
    backoff: { initialMs: 1000, maxMs: 1000 },
    checkIntervalMs: 10_000,
    find: () => {
      asked.push(Date.now());
      const next = masters.length > 1 ? masters.shift()! : masters[0];
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
  return { transport, opened, asked, connects: () => connects };
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
