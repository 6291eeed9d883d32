import { test } from "node:test";
import assert from "node:assert/strict";
import { type FrameFailure, GuardedAmqpClient } from "../../../src/broker/amqp_client.ts";
import { AMQPView } from "../../../src/broker/amqp_field_types.ts";

/** A content-header frame on `channel` whose only property is a headers table of `tableHex`. */
function headerFrame(channel: number, tableHex: string): AMQPView {
  const payload = "003c" + "0000" + "0000000000000002" + "2000" + tableHex;
  const hex = "02" + channel.toString(16).padStart(4, "0") +
    (payload.length / 2).toString(16).padStart(8, "0") + payload + "ce";
  const bytes = Uint8Array.from(hex.match(/../g)!.map((b) => parseInt(b, 16)));
  return new AMQPView(bytes.buffer);
}

function parse(client: GuardedAmqpClient, frame: AMQPView): void {
  (client as unknown as { parseFrames(view: AMQPView): void }).parseFrames(frame);
}

function clientWithDelivery(): GuardedAmqpClient {
  const client = new GuardedAmqpClient("amqp://guest:guest@127.0.0.1:1/");
  const delivery = { exchange: "reply.celery.pidbox", routingKey: "oid-1" };
  client.channels[1] = { delivery } as unknown as (typeof client.channels)[number];
  return client;
}

test("a header with an unknown field type is reported with its routing key, not thrown", () => {
  const client = clientWithDelivery();
  const failures: FrameFailure[] = [];
  client.onFrameFailure = (failure) => failures.push(failure);
  // headers {"x": <type 'Z'>}
  assert.doesNotThrow(() => parse(client, headerFrame(1, "0000000301" + "78" + "5a")));
  assert.deepEqual(failures, [{
    reason: "Field type '90' not supported",
    exchange: "reply.celery.pidbox",
    routingKey: "oid-1",
  }]);
});

test("after a failure the rest of the connection's frames are ignored, and reported once", () => {
  const client = clientWithDelivery();
  let failures = 0;
  client.onFrameFailure = () => failures++;
  parse(client, headerFrame(1, "0000000301" + "78" + "5a"));
  parse(client, headerFrame(1, "0000000301" + "78" + "5a"));
  assert.equal(failures, 1);
});

test("a header table whose length runs past the frame is a failure, not a crash", () => {
  const client = clientWithDelivery();
  const failures: FrameFailure[] = [];
  client.onFrameFailure = (failure) => failures.push(failure);
  // headers table claims 255 bytes; the frame holds 3
  parse(client, headerFrame(1, "000000ff01" + "78" + "56"));
  assert.equal(failures.length, 1);
  assert.equal(failures[0].routingKey, "oid-1");
});

test("a header py-amqp wrote with an 'L' clock is parsed without a failure", () => {
  const client = clientWithDelivery();
  let failures = 0;
  client.onFrameFailure = () => failures++;
  const delivery = (client.channels[1] as unknown as {
    delivery: { properties?: { headers?: Record<string, unknown> } };
  }).delivery;
  parse(client, headerFrame(1, "0000000f05636c6f636b4c0000010000000000"));
  assert.equal(failures, 0);
  assert.deepEqual(delivery.properties?.headers, { clock: 2 ** 40 });
});
