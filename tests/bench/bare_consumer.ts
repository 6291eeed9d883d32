/**
 * The bare consumer: the fastest a JavaScript consumer of the same flood can go on this machine.
 * It declares and binds a queue as Stalk does, consumes without acks and only `JSON.parse`s each
 * body and counts the events in it. Stalk's ingest rate is quoted as a share of this.
 *
 *   deno run -A tests/bench/bare_consumer.ts --url amqp://… --expect 300000
 *
 * Writes `{"ready": true}` once bound, then `{"done": {"events", "first", "last", "cpuMs"}}`
 * (epoch ms, and the CPU it used) when `expect` events have arrived, or `{"timeout": …}` after
 * `--timeout` seconds.
 */
import { AMQPClient } from "@cloudamqp/amqp-client";
import { parseArgs } from "node:util";

if (import.meta.main) {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      url: { type: "string" },
      expect: { type: "string" },
      timeout: { type: "string", default: "120" },
      // Also print `{"mark": {"events", "cpuMs"}}` once this many events have arrived (the end
      // of a warm-up), so what follows can be measured on its own.
      mark: { type: "string", default: "0" },
    },
  });
  if (!values.url || !values.expect) throw new Error("Missing --url or --expect");
  const expect = Number(values.expect);
  const client = new AMQPClient(values.url);
  client.onerror = (error) =>
    console.log(JSON.stringify({ error: String(error?.message ?? error) }));
  await client.connect();
  const channel = await client.channel();
  await channel.exchangeDeclare("celeryev", "topic", { durable: true, autoDelete: false });
  const queue = `celeryev.bench-${crypto.randomUUID()}`;
  // The arguments Stalk declares its event queue with (src/broker/amqp.ts).
  await channel.queueDeclare(queue, { durable: false, autoDelete: true }, {
    "x-message-ttl": 60_000,
    "x-expires": 60_000,
  });
  await channel.queueBind(queue, "celeryev", "#");
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let events = 0;
  let first = 0;
  const mark = Number(values.mark);
  let marked = false;
  let finished = false;
  const finish = (line: unknown) => {
    if (finished) return;
    finished = true;
    console.log(JSON.stringify(line));
    void client.close().catch(() => {}).finally(() => process.exit(0));
  };
  // CPU used from the start of consuming: user + system time of every thread, GC included.
  const cpuAtReady = process.cpuUsage();
  const cpuMs = () => {
    const now = process.cpuUsage(cpuAtReady);
    return (now.user + now.system) / 1000;
  };
  await channel.basicConsume(queue, { noAck: true }, (message) => {
    if (first === 0) first = Date.now();
    const parsed = JSON.parse(decoder.decode(message.body ?? new Uint8Array()));
    events += Array.isArray(parsed) ? parsed.length : 1;
    if (mark > 0 && events >= mark && !marked) {
      marked = true;
      console.log(JSON.stringify({ mark: { events, cpuMs: cpuMs() } }));
    }
    if (events >= expect) finish({ done: { events, first, last: Date.now(), cpuMs: cpuMs() } });
  });
  console.log(JSON.stringify({ ready: true }));
  setTimeout(
    () => finish({ timeout: { events, first, last: Date.now() } }),
    Number(values.timeout) * 1000,
  );
}
