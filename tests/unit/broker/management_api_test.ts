import { test } from "node:test";
import assert from "node:assert/strict";
import {
  managementFor,
  managementQueues,
  managementRequest,
} from "../../../src/broker/management_api.ts";
import { parseBrokerUrl } from "../../../src/celery/broker_url.ts";
import { StalkError } from "../../../src/errors.ts";

const BASE = {
  apiUrl: "http://admin:s3cret@rabbit:15672/api/",
  vhost: "/",
  username: "guest",
  password: "guest",
};

/** A fetch that answers `status` with `body` and records the request. */
function answering(status: number, body: unknown) {
  const seen: { url: string; init?: RequestInit }[] = [];
  const fetch = ((url: string, init?: RequestInit) => {
    seen.push({ url, init });
    return Promise.resolve(new Response(JSON.stringify(body), { status }));
  }) as typeof globalThis.fetch;
  return { fetch, seen };
}

test("the request is <api>queues/<vhost> with the vhost as one segment and basic auth", () => {
  const { url, authorization } = managementRequest(BASE);
  assert.equal(url, "http://rabbit:15672/api/queues/%2F");
  assert.equal(authorization, `Basic ${btoa("admin:s3cret")}`);
  const named = managementRequest({ ...BASE, vhost: "prod/eu" });
  assert.equal(named.url, "http://rabbit:15672/api/queues/prod%2Feu");
});

test("without credentials in the API URL the broker's are used, as Flower does", () => {
  const { url, authorization } = managementRequest({ ...BASE, apiUrl: "https://rabbit/api/" });
  assert.equal(url, "https://rabbit/api/queues/%2F");
  assert.equal(authorization, `Basic ${btoa("guest:guest")}`);
});

test("an API URL without a trailing slash resolves like Python's urljoin", () => {
  assert.equal(
    managementRequest({ ...BASE, apiUrl: "http://rabbit:15672/api" }).url,
    "http://rabbit:15672/queues/%2F",
  );
});

test("the whole queue objects of the queues asked for come back, in the API's order", async () => {
  const queues = [
    { name: "a", messages: 1, messages_ready: 1, consumers: 0, message_stats: { publish: 3 } },
    { name: "celery", messages: 0, messages_ready: 0, consumers: 2 },
    { name: "other", messages: 9 },
  ];
  const { fetch, seen } = answering(200, queues);
  const out = await managementQueues(["celery", "a", "missing"], { ...BASE, fetch });
  assert.deepEqual(out, [queues[0], queues[1]]);
  assert.equal(seen[0].url, "http://rabbit:15672/api/queues/%2F");
  assert.equal(String(seen[0].url).includes("s3cret"), false);
});

test("refused credentials, an unreachable API and a strange answer are 503s without the password", async () => {
  const cases = [
    [answering(401, { error: "not_authorized" }).fetch, /refused the credentials \(401\)/],
    [answering(500, "boom").fetch, /answered 500/],
    [answering(200, { not: "a list" }).fetch, /did not answer a list of queues/],
    [
      (() => Promise.reject(new TypeError("connection refused"))) as typeof fetch,
      /Cannot reach the RabbitMQ management API at 'http:\/\/admin:\*\*\*\*@rabbit:15672\/api\/': connection refused/,
    ],
  ] as const;
  for (const [fetch, pattern] of cases) {
    await assert.rejects(managementQueues(["celery"], { ...BASE, fetch }), (error: unknown) => {
      assert.ok(error instanceof StalkError);
      assert.equal(error.status, 503);
      assert.match(error.message, pattern);
      assert.doesNotMatch(error.message, /s3cret/);
      return true;
    });
  }
});

test("--broker_api applies to AMQP brokers only, with the broker's vhost and credentials", () => {
  const amqp = managementFor(parseBrokerUrl("amqp://u:p@h:5672/prod"), BASE.apiUrl);
  assert.deepEqual(amqp, { apiUrl: BASE.apiUrl, vhost: "prod", username: "u", password: "p" });
  assert.equal(managementFor(parseBrokerUrl("amqp://h//"), undefined), undefined);
  assert.equal(managementFor(parseBrokerUrl("redis://h:6379/0"), BASE.apiUrl), undefined);
});
