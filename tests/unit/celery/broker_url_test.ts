import { test } from "node:test";
import assert from "node:assert/strict";
import { parseBrokerUrl } from "../../../src/celery/broker_url.ts";
import { redactUrl } from "../../../src/celery/redact_url.ts";

test("the virtual host loses one leading slash, as in kombu", () => {
  assert.equal(parseBrokerUrl("amqp://h//").vhost, "/");
  assert.equal(parseBrokerUrl("amqp://h/").vhost, "/");
  assert.equal(parseBrokerUrl("amqp://h").vhost, "/");
  assert.equal(parseBrokerUrl("amqp://h/%2F").vhost, "/");
  assert.equal(parseBrokerUrl("amqp://h/prod").vhost, "prod");
  assert.equal(parseBrokerUrl("amqp://h//prod").vhost, "/prod");
});

test("amqp defaults to guest credentials on port 5672, amqps to 5671 with TLS", () => {
  const plain = parseBrokerUrl("amqp://localhost");
  assert.deepEqual([plain.username, plain.password, plain.port, plain.tls], [
    "guest",
    "guest",
    5672,
    false,
  ]);
  const tls = parseBrokerUrl("amqps://u:p@host");
  assert.deepEqual([tls.username, tls.password, tls.port, tls.tls], ["u", "p", 5671, true]);
  assert.equal(parseBrokerUrl("pyamqp://h:1234//").port, 1234);
});

test("credentials are percent-decoded", () => {
  const url = parseBrokerUrl("amqp://us%40er:p%3Ass@h//");
  assert.equal(url.username, "us@er");
  assert.equal(url.password, "p:ss");
});

test("redis URLs name a database", () => {
  const url = parseBrokerUrl("redis://:secret@r:6380/3");
  assert.deepEqual([url.kind, url.hostname, url.port, url.vhost, url.password], [
    "redis",
    "r",
    6380,
    "3",
    "secret",
  ]);
  assert.equal(parseBrokerUrl("redis://r").vhost, "0");
});

test("unsupported or malformed URLs throw a message that says why", () => {
  assert.throws(() => parseBrokerUrl("sqs://x"), /Unsupported broker scheme 'sqs:\/\/'/);
  assert.throws(() => parseBrokerUrl("localhost:5672"), /no scheme/);
});

test("redactUrl hides the password", () => {
  assert.equal(redactUrl("amqp://user:secret@h:5672//"), "amqp://user:****@h:5672//");
  assert.equal(redactUrl("amqp://h//"), "amqp://h//");
});

test("a redis+socket URL names a socket path and takes the db from virtual_host", () => {
  const url = parseBrokerUrl("redis+socket:///var/run/redis.sock?virtual_host=4");
  assert.deepEqual([url.kind, url.socketPath, url.vhost], ["redis", "/var/run/redis.sock", "4"]);
  assert.equal(parseBrokerUrl("redis+socket:///tmp/r.sock").vhost, "0");
  assert.throws(() => parseBrokerUrl("redis+socket://relative"), /absolute/);
});

test("a Redis database that is not a number is refused, as kombu does", () => {
  assert.throws(() => parseBrokerUrl("redis://h/abc"), /must be a number/);
});

test("a single sentinel URL is a Redis broker found through that sentinel", () => {
  const url = parseBrokerUrl("sentinel://h:26379/0");
  assert.deepEqual([url.kind, url.hostname, url.port, url.vhost], ["redis", "h", 26379, "0"]);
  assert.deepEqual(url.sentinels, [{ host: "h", port: 26379 }]);
});
