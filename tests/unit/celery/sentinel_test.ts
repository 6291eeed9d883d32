import { test } from "node:test";
import assert from "node:assert/strict";
import { parseBrokerUrl } from "../../../src/celery/broker_url.ts";
import {
  masterFromState,
  parseSentinelList,
  parseSwitchMaster,
  sentinelConfig,
} from "../../../src/celery/sentinel.ts";

test("a sentinel:// list names every sentinel, 26379 by default", () => {
  assert.deepEqual(parseSentinelList("sentinel://a:26380;sentinel://b;sentinel://c:1/2"), [
    { host: "a", port: 26380 },
    { host: "b", port: 26379 },
    { host: "c", port: 1 },
  ]);
});

test("a sentinel broker URL takes the master's password and database from its first URL", () => {
  const url = parseBrokerUrl("sentinel://:s%40cret@h1:26379/3;sentinel://h2:26380");
  assert.equal(url.kind, "redis");
  assert.equal(url.scheme, "sentinel");
  assert.equal(url.password, "s@cret");
  assert.equal(url.vhost, "3");
  assert.deepEqual(url.sentinels, [{ host: "h1", port: 26379 }, { host: "h2", port: 26380 }]);
});

test("a sentinel list refuses other schemes and hides their passwords", () => {
  assert.throws(
    () => parseBrokerUrl("sentinel://h1;redis://:pw@h2"),
    (error: Error) =>
      error.message.includes("must be sentinel://") && !error.message.includes("pw"),
  );
});

test("master_name is required, as in kombu", () => {
  const sentinels = [{ host: "h", port: 26379 }];
  assert.throws(() => sentinelConfig(sentinels, {}), /'master_name' transport option/);
  assert.throws(
    () => sentinelConfig(sentinels, {}, "--result_backend_transport_options"),
    /result backend needs .*--result_backend_transport_options=/,
  );
  const config = sentinelConfig(sentinels, {
    master_name: "mymaster",
    min_other_sentinels: 1,
    sentinel_kwargs: { password: "p", socket_timeout: 0.5 },
  });
  assert.deepEqual(config, {
    sentinels,
    masterName: "mymaster",
    minOtherSentinels: 1,
    sentinelUsername: undefined,
    sentinelPassword: "p",
    connectTimeoutMs: 500,
  });
});

test("bad sentinel options are refused, naming the option", () => {
  const sentinels = [{ host: "h", port: 26379 }];
  assert.throws(
    () => sentinelConfig(sentinels, { master_name: "m", min_other_sentinels: -1 }),
    /min_other_sentinels/,
  );
  assert.throws(
    () => sentinelConfig(sentinels, { master_name: "m", sentinel_kwargs: { ssl: true } }),
    /sentinel_kwargs key 'ssl'/,
  );
  assert.throws(
    () => sentinelConfig(sentinels, { master_name: "m", sentinel_kwargs: { password: 1 } }),
    /'password' must be a string/,
  );
});

const state = (flags: string, others = "2") => [
  "name",
  "mymaster",
  "ip",
  "127.0.0.1",
  "port",
  "6380",
  "flags",
  flags,
  "num-other-sentinels",
  others,
];

test("a sentinel's master is trusted only when up and seen by enough sentinels", () => {
  assert.deepEqual(masterFromState(state("master"), 2), { host: "127.0.0.1", port: 6380 });
  assert.equal(masterFromState(state("master,s_down"), 0), undefined);
  assert.equal(masterFromState(state("master,s_down,o_down"), 0), undefined);
  assert.equal(masterFromState(state("slave"), 0), undefined);
  assert.equal(masterFromState(state("master", "1"), 2), undefined);
  assert.equal(masterFromState(["flags", "master"], 0), undefined);
});

test("a +switch-master message names the new master of its own master name only", () => {
  assert.deepEqual(
    parseSwitchMaster("mymaster 10.0.0.1 6379 10.0.0.2 6380", "mymaster"),
    { host: "10.0.0.2", port: 6380 },
  );
  assert.equal(parseSwitchMaster("other 10.0.0.1 6379 10.0.0.2 6380", "mymaster"), undefined);
  assert.equal(parseSwitchMaster("mymaster 10.0.0.1 6379 10.0.0.2", "mymaster"), undefined);
  assert.equal(parseSwitchMaster("mymaster 10.0.0.1 6379 10.0.0.2 x", "mymaster"), undefined);
  assert.equal(parseSwitchMaster("mymaster 10.0.0.1 6379 10.0.0.2 0", "mymaster"), undefined);
  assert.equal(parseSwitchMaster("", "mymaster"), undefined);
});
