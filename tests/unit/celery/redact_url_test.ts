import { test } from "node:test";
import assert from "node:assert/strict";
import { redactDeep, redactUrl } from "../../../src/celery/redact_url.ts";

test("user:pass@ loses the password and keeps the user, host and path", () => {
  assert.equal(redactUrl("amqp://user:secret@h:5672//"), "amqp://user:****@h:5672//");
  assert.equal(redactUrl("redis://:secret@h:6379/0"), "redis://:****@h:6379/0");
  assert.equal(redactUrl("rediss://default:secret@h/1"), "rediss://default:****@h/1");
  assert.equal(
    redactUrl("http://guest:guest@localhost:15672/api/"),
    "http://guest:****@localhost:15672/api/",
  );
});

test("a URL without credentials is left as it is", () => {
  assert.equal(redactUrl("amqp://h//"), "amqp://h//");
  assert.equal(redactUrl("amqp://user@h:5672/v"), "amqp://user@h:5672/v");
  assert.equal(redactUrl("rpc://"), "rpc://");
});

test("a password holding @, / or ? is masked up to the last @", () => {
  assert.equal(redactUrl("amqp://u:p@ss@h//"), "amqp://u:****@h//");
  assert.equal(redactUrl("redis://:pa/ss@h/0"), "redis://:****@h/0");
  assert.equal(redactUrl("redis://:pa?ss@h/0"), "redis://:****@h/0");
  assert.equal(redactUrl("amqp://u:p%40ss@h//"), "amqp://u:****@h//");
});

test("password query parameters are masked, other parameters kept", () => {
  assert.equal(
    redactUrl("redis+socket:///run/redis.sock?password=secret&virtual_host=2"),
    "redis+socket:///run/redis.sock?password=****&virtual_host=2",
  );
  assert.equal(redactUrl("redis://h:6379/0?password=secret"), "redis://h:6379/0?password=****");
  assert.equal(
    redactUrl("rediss://h/0?ssl_cert_reqs=none&sentinel_password=x;y"),
    "rediss://h/0?ssl_cert_reqs=none&sentinel_password=****",
  );
  assert.equal(redactUrl("redis://h/0?Pass%77ord=secret"), "redis://h/0?Pass%77ord=****");
});

test("every URL of a failover or Sentinel list is masked", () => {
  assert.equal(
    redactUrl("sentinel://:a@h1:26379;sentinel://:b@h2:26379"),
    "sentinel://:****@h1:26379;sentinel://:****@h2:26379",
  );
  assert.equal(redactUrl("amqp://u:p;q@h//"), "amqp://u:****@h//");
});

test("URLs inside a log line or an error are masked, the rest of the text kept", () => {
  assert.equal(
    redactUrl("broker amqp://u:x@h//, result backend redis://:y@h/0?password=z"),
    "broker amqp://u:****@h//, result backend redis://:****@h/0?password=****",
  );
  assert.equal(
    redactUrl("Cannot parse broker URL 'amqp://u:x@[h'"),
    "Cannot parse broker URL 'amqp://u:****@[h'",
  );
});

test("a value without a scheme is masked as user info at its start", () => {
  assert.equal(redactUrl("guest:secret@localhost//"), "guest:****@localhost//");
  assert.equal(redactUrl("no secret here"), "no secret here");
});

test("JSON members with secret names are masked (transport options)", () => {
  assert.equal(
    redactUrl('{"master_name": "m", "sentinel_kwargs": {"password": "s\\"x"}}'),
    '{"master_name": "m", "sentinel_kwargs": {"password": "****"}}',
  );
});

test("redactDeep masks URLs and secret-named members anywhere in a worker reply", () => {
  assert.deepEqual(
    redactDeep({
      broker_url: "amqp://u:p@h//",
      result_backend: "redis://h/0?password=x",
      nested: [{ sentinel_kwargs: { password: "x" } }, "plain", 3, null],
      empty_password: "",
    }),
    {
      broker_url: "amqp://u:****@h//",
      result_backend: "redis://h/0?password=****",
      nested: [{ sentinel_kwargs: { password: "****" } }, "plain", 3, null],
      empty_password: "",
    },
  );
});
