import { test } from "node:test";
import assert from "node:assert/strict";
import { AMQPView } from "../../../src/broker/amqp_field_types.ts";

function view(hex: string): AMQPView {
  const bytes = Uint8Array.from(hex.match(/../g)!.map((b) => parseInt(b, 16)));
  return new AMQPView(bytes.buffer);
}

function encode(table: Record<string, unknown>): string {
  const bytes = new Uint8Array(256);
  const length = new AMQPView(bytes.buffer).setTable(0, table as never);
  return [...bytes.subarray(0, length)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

// Written by py-amqp 5.1 (`amqp.serialization._write_table`) for
// {"clock": 5076964154930102000, "ticket": "t-1", "small": 7, "neg": -2**40, "f": 0.1}.
const PY_AMQP_REPLY_HEADERS =
  "0000004105636c6f636b4c4674fffffffffef0067469636b65745300000003742d31" +
  "05736d616c6c4900000007036e65674cffffff00000000000166643fb999999999999a";

test("a table py-amqp wrote with 'L' (signed 64-bit) integers decodes", () => {
  const [table, length] = view(PY_AMQP_REPLY_HEADERS).getTable(0);
  assert.equal(length, PY_AMQP_REPLY_HEADERS.length / 2);
  assert.deepEqual(table, {
    clock: Number(5076964154930102000n),
    ticket: "t-1",
    small: 7,
    neg: -(2 ** 40),
    f: 0.1,
  });
});

test("a clock of exactly 2^31, which py-amqp writes as 'L', decodes", () => {
  // py-amqp: _write_table({"clock": 2**31})
  const [table] = view("0000000f05636c6f636b4c0000000080000000").getTable(0);
  assert.deepEqual(table, { clock: 2 ** 31 });
});

test("py-amqp's 'U' is a signed 16-bit integer", () => {
  // key "u", type 'U', value -2
  const [table] = view("0000000501" + "75" + "55" + "fffe").getTable(0);
  assert.deepEqual(table, { u: -2 });
});

test("a decimal py-amqp wrote with a negative value decodes signed", () => {
  // key "d", type 'D', scale 2, value -150 (py-amqp packs '>cBi')
  const [table] = view("0000000801" + "64" + "44" + "02" + "ffffff6a").getTable(0);
  assert.deepEqual(table, { d: -1.5 });
});

test("RabbitMQ's own types still decode through the library", () => {
  // "t": bool true, "l": signed 64-bit 5, "s": signed 16-bit -1, "V": void
  const hex = "00000017" + "0174" + "74" + "01" + "016c" + "6c" + "0000000000000005" +
    "0173" + "73" + "ffff" + "0176" + "56";
  const [table] = view(hex).getTable(0);
  assert.deepEqual(table, { t: true, l: 5, s: -1, v: null });
});

test("an unknown field type is an error, not a wrong value", () => {
  assert.throws(() => view("0000000401" + "7a" + "5a" + "00").getTable(0), /Field type '90'/);
});

test("an integer between 2^31 and 2^32 is written as 'l', not as a wrapped 'I'", () => {
  // key "clock", 'l', 0x0000000080000005
  assert.equal(encode({ clock: 2 ** 31 + 5 }), "0000000f05636c6f636b6c0000000080000005");
});

test("an integer inside the signed 32-bit range stays 'I'", () => {
  assert.equal(encode({ clock: 42 }), "0000000b05636c6f636b490000002a");
});

test("a fraction is written as a 64-bit 'd', as py-amqp writes it", () => {
  assert.equal(encode({ f: 0.1 }), "0000000b0166643fb999999999999a");
  const [table] = view(encode({ f: 0.1 })).getTable(0);
  assert.deepEqual(table, { f: 0.1 });
});

test("what Stalk writes decodes back to the same values", () => {
  const headers = { clock: 2 ** 40 + 1, ticket: "abc", expires: 1700000000.25, n: -3 };
  const [table] = view(encode(headers)).getTable(0);
  assert.deepEqual(table, headers);
});
