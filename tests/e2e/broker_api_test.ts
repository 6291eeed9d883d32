// `--broker_api` (#9): /api/queues/length answers the RabbitMQ management API's whole queue
// objects for the queues the workers consume, as Flower does, and a 503 that names the problem
// when the API cannot be reached or refuses the credentials. Needs the management plugin
// (scripts/_lib.sh enables it); on Redis the option is ignored, as in Flower. The working
// Stalk reads the option from a flowerconfig.py (`--conf`), end to end.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  api,
  type BrokerFixture,
  brokerFixture,
  brokerKind,
  type Stalk,
  startStalk,
  startWorker,
  waitFor,
  type Worker,
} from "./_harness/mod.ts";
import { freePort } from "./_harness/port.ts";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const API = "http://guest:guest@127.0.0.1:15672/api/";
const amqp = brokerKind() === "amqp";

type Queues = { active_queues: Record<string, unknown>[] };

describe("--broker_api", () => {
  let broker: BrokerFixture;
  let worker: Worker;
  let stalk: Stalk;
  let refused: Stalk;
  let unreachable: Stalk;
  const queue = `mgmt-${crypto.randomUUID().slice(0, 8)}`;
  // The working option comes from a flowerconfig.py, as Flower deployments often set it.
  const confDir = mkdtempSync(join(tmpdir(), "stalk-conf-"));
  const conf = join(confDir, "flowerconfig.py");
  writeFileSync(conf, `# as in Flower's docs\nbroker_api = "${API}"\nmax_tasks = 500\n`);

  before(async () => {
    broker = await brokerFixture();
    const brokerUrl = broker.brokerUrl;
    const closedPort = await freePort();
    [worker, stalk, refused, unreachable] = await Promise.all([
      startWorker({ brokerUrl, name: "mgmt", queues: ["celery", queue] }),
      startStalk({ brokerUrl, args: [`--conf=${conf}`] }),
      startStalk({ brokerUrl, env: { FLOWER_BROKER_API: API.replace(":guest@", ":wrong-pw@") } }),
      startStalk({ brokerUrl, args: [`--broker_api=http://127.0.0.1:${closedPort}/api/`] }),
    ]);
  });

  after(async () => {
    await Promise.all([stalk, refused, unreachable].map((server) => server?.stop()));
    await worker?.stop();
    await broker?.remove();
    rmSync(confDir, { recursive: true, force: true });
  });

  test("answers the management API's queue objects for the consumed queues", {
    skip: amqp ? false : "the management API is RabbitMQ's",
  }, async () => {
    const queues = await waitFor(async () => {
      const response = await api<Queues>(stalk.url, "/api/queues/length");
      assert.equal(response.status, 200, response.text);
      const listed = response.json!.active_queues;
      // RabbitMQ adds a new queue's statistics, its consumer count included, at its next
      // collection (every 5 s), and a loaded node can take more than one.
      return listed.some((entry) =>
          entry.name === queue && "messages" in entry && (entry.consumers as number) >= 1
        )
        ? listed
        : undefined;
    }, { timeout: 30_000, message: `${queue} listed with its statistics and consumer` });
    const mine = queues.find((entry) => entry.name === queue)!;
    for (const key of ["messages", "messages_ready", "messages_unacknowledged", "durable"]) {
      assert.ok(key in mine, `${key} in ${JSON.stringify(mine)}`);
    }
    assert.equal(mine.vhost, broker.name);
    assert.ok((mine.consumers as number) >= 1, JSON.stringify(mine));
    assert.ok(Object.keys(mine).length > 15, "the whole object, not Stalk's three fields");
    assert.ok(queues.some((entry) => entry.name === "celery"));
  });

  test("refused credentials and an unreachable API are 503s that never show the password", {
    skip: amqp ? false : "the management API is RabbitMQ's",
  }, async () => {
    const denied = await api<{ error: string }>(refused.url, "/api/queues/length");
    assert.equal(denied.status, 503, denied.text);
    assert.match(denied.json!.error, /refused the credentials \(401\)/);
    assert.doesNotMatch(denied.text, /wrong-pw/);
    const down = await api<{ error: string }>(unreachable.url, "/api/queues/length");
    assert.equal(down.status, 503, down.text);
    assert.match(down.json!.error, /Cannot reach the RabbitMQ management API/);
    assert.doesNotMatch(refused.output(), /wrong-pw/);
  });

  test("on Redis the option is ignored and the queue lengths come from the broker", {
    skip: amqp ? "RabbitMQ honours the option" : false,
  }, async () => {
    const response = await api<Queues>(stalk.url, "/api/queues/length");
    assert.equal(response.status, 200, response.text);
    assert.ok(response.json!.active_queues.every((entry) => "messages" in entry));
    assert.match(stalk.output(), /Ignoring --broker_api/);
  });
});
