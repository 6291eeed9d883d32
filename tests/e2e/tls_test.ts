// Issue 9 §4: brokers over TLS, against servers that really speak it. The test makes its own
// CA and certificates (openssl); Redis is a redis-server of the test's own with only a TLS port
// and client certificates required, RabbitMQ gets a TLS listener on a free port. A real Celery
// worker on the TLS broker sends the events Stalk ingests.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  api,
  type BrokerFixture,
  brokerFixture,
  brokerKind,
  celeryClient,
  type Stalk,
  startStalk,
  startWorker,
  waitFor,
  waitForTaskStates,
  type Worker,
  workerStatus,
} from "./_harness/mod.ts";
import { startRabbitTls } from "./_harness/rabbit_tls.ts";
import { type RedisProcess, startRedisServer } from "./_harness/redis_servers.ts";
import { makeCertificates, type TestCertificates } from "./_harness/tls_certs.ts";

const kind = brokerKind();

/** Stalk's /healthcheck body, polled until it names the reason `pattern` matches. */
async function unhealthyBecause(stalk: Stalk, pattern: RegExp): Promise<string> {
  return await waitFor(async () => {
    const response = await api(stalk.url, "/healthcheck");
    return response.status === 503 && pattern.test(response.text) ? response.text : undefined;
  }, { timeout: 15_000, message: `/healthcheck to report ${pattern}` });
}

describe("rediss:// against a TLS-only redis-server", {
  skip: kind === "redis" ? false : "Redis-only (STALK_E2E_BROKER=redis)",
}, () => {
  let certs: TestCertificates;
  let redis: RedisProcess;
  let url: string;
  let stalk: Stalk;
  let worker: Worker;

  before(async () => {
    certs = await makeCertificates();
    redis = await startRedisServer(certs.dir, [], {
      cert: certs.serverCert,
      key: certs.serverKey,
      ca: certs.caFile,
    });
    const query = new URLSearchParams({
      ssl_cert_reqs: "required",
      ssl_ca_certs: certs.caFile,
      ssl_certfile: certs.clientCert,
      ssl_keyfile: certs.clientKey,
    });
    url = `rediss://127.0.0.1:${redis.port}/0?${query}`;
    stalk = await startStalk({ brokerUrl: url });
    worker = await startWorker({ brokerUrl: url, name: "tls" });
  });

  after(async () => {
    await worker?.stop();
    await stalk?.stop();
    await redis?.process.kill();
    certs?.remove();
  });

  test("a worker's events reach Stalk over TLS with a client certificate", async () => {
    const sent = await celeryClient({
      broker: url,
      send: [1, 2, 3].map((n) => ({ name: "tasks.add", args: [n, n] })),
    });
    const done = await waitForTaskStates(stalk.url, sent.ids, "SUCCESS");
    assert.deepEqual(done.map((task) => task.result), ["2", "4", "6"]);
    assert.equal((await workerStatus(stalk.url))[worker.name], true);
    const info = await api<Record<string, unknown>>(
      stalk.url,
      `/api/workers?refresh=true&workername=${encodeURIComponent(worker.name)}`,
    );
    assert.equal(info.status, 200, info.text);
    assert.ok(info.json?.[worker.name], "the worker answered an inspect over TLS");
  });

  test("a certificate not signed by a trusted CA is refused", async () => {
    // The system's CAs do not include the test's own.
    const untrusted = url.replace(/ssl_ca_certs=[^&]*&/, "");
    const refused = await startStalk({ brokerUrl: untrusted, waitHealthy: false });
    try {
      const reason = await unhealthyBecause(refused, /certificate|self.signed|issuer/i);
      assert.match(reason, /certificate|issuer/i);
    } finally {
      await refused.stop();
    }
  });
});

describe("amqps:// against a RabbitMQ TLS listener", {
  skip: kind === "amqp" ? false : "AMQP-only (STALK_E2E_BROKER=amqp)",
}, () => {
  let certs: TestCertificates;
  let broker: BrokerFixture;
  let listener: { port: number; stop(): Promise<void> };
  let url: string;
  let stalk: Stalk;
  let worker: Worker;
  const useSsl = () => ({ ca_certs: certs.caFile, cert_reqs: "CERT_REQUIRED" });

  before(async () => {
    certs = await makeCertificates();
    broker = await brokerFixture();
    listener = await startRabbitTls(certs);
    const vhost = new URL(broker.brokerUrl).pathname;
    url = `amqps://guest:guest@127.0.0.1:${listener.port}${vhost}`;
    stalk = await startStalk({
      brokerUrl: url,
      args: [`--broker_use_ssl=${JSON.stringify(useSsl())}`],
    });
    worker = await startWorker({
      brokerUrl: url,
      name: "tls",
      env: { STALK_E2E_BROKER_USE_SSL: JSON.stringify(useSsl()) },
    });
  });

  after(async () => {
    await worker?.stop();
    await stalk?.stop();
    await listener?.stop();
    await broker?.remove();
    certs?.remove();
  });

  test("a worker's events and a published task go over TLS", async () => {
    await waitFor(async () => (await workerStatus(stalk.url))[worker.name] === true, {
      timeout: 15_000,
      message: "the worker's heartbeats over TLS",
    });
    const published = await api<{ "task-id": string }>(
      stalk.url,
      "/api/task/async-apply/tasks.add",
      { method: "POST", body: JSON.stringify({ args: [20, 22] }) },
    );
    assert.equal(published.status, 200, published.text);
    const [done] = await waitForTaskStates(stalk.url, [published.json!["task-id"]], "SUCCESS");
    assert.equal(done.result, "42");
  });

  test("without the CA the server's certificate is refused", async () => {
    const refused = await startStalk({ brokerUrl: url, waitHealthy: false });
    try {
      const reason = await unhealthyBecause(refused, /certificate|self.signed|issuer/i);
      assert.match(reason, /certificate|issuer/i);
    } finally {
      await refused.stop();
    }
  });
});
