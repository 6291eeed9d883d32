// The safe pickle reader against pickles CPython 3.11 wrote (`pickle.dumps(value, protocol=N)`).
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { isPickle, PickleRefused, pickleTextDict, readPickle } from "../../../src/celery/pickle.ts";

const hex = (text: string) => Uint8Array.from(text.match(/../g)!.map((byte) => parseInt(byte, 16)));

/** `{"a": [1, -2, 3.5, None, True, False], "b": (1, "two"), "c": "é€😀", "big": 2**40, "neg": -300, "k": b"bytes"}` */
const PLAIN_4 =
  "80049563000000000000007d94288c0161945d94284b014afeffffff47400c0000000000004e8889658c0162944b018c0374776f9486948c0163948c09c3a9e282acf09f9880948c03626967948a060000000000018c036e6567944ad4feffff8c016b944305627974657394752e";
const PLAIN_VALUE = {
  a: [1, -2, 3.5, null, true, false],
  b: [1, "two"],
  c: "é€😀",
  big: 2 ** 40,
  neg: -300,
  k: "bytes",
};

describe("readPickle", () => {
  test("reads plain data pickled with protocol 4 and 5", () => {
    assert.deepEqual(readPickle(hex(PLAIN_4)), PLAIN_VALUE);
    assert.deepEqual(readPickle(hex(PLAIN_4.replace(/^8004/, "8005"))), PLAIN_VALUE);
  });

  test("reads the exception dict Celery stores with the json serializer, at every protocol", () => {
    const expected = { exc_type: "ValueError", exc_message: ["boom"], exc_module: "builtins" };
    for (
      const text of [
        "286470300a566578635f747970650a70310a5656616c75654572726f720a70320a73566578635f6d6573736167650a70330a2856626f6f6d0a70340a7470350a73566578635f6d6f64756c650a70360a566275696c74696e730a70370a732e",
        "80027d71002858080000006578635f747970657101580a00000056616c75654572726f727102580b0000006578635f6d65737361676571035804000000626f6f6d7104857105580a0000006578635f6d6f64756c65710658080000006275696c74696e737107752e",
        "8004954c000000000000007d94288c086578635f74797065948c0a56616c75654572726f72948c0b6578635f6d657373616765948c04626f6f6d9485948c0a6578635f6d6f64756c65948c086275696c74696e7394752e",
      ]
    ) assert.deepEqual(readPickle(hex(text)), expected);
  });

  test("turns sets and frozensets into lists", () => {
    const text = "80049518000000000000007d94288c0173948f94284b01908c016694284b029194752e";
    assert.deepEqual(readPickle(hex(text)), { s: [1], f: [2] });
  });

  test("writes dict keys as json.dumps does: ints, floats, None and bools as text", () => {
    const text = "8004951d000000000000007d94284b018c0174944e8c016e944740040000000000008c016694752e";
    // {1: "one", None: "n", 2.5: "f", True: "t"}: True == 1, so Python kept the key 1 with "t".
    assert.deepEqual(readPickle(hex(text)), { "1": "t", null: "n", "2.5": "f" });
  });

  test("follows the memo: one list referred to twice appears twice", () => {
    const text = "80027d71002858010000007871015d7102284b014b026558010000007971036802752e";
    assert.deepEqual(readPickle(hex(text)), { x: [1, 2], y: [1, 2] });
    const zero = "286470300a56780a70310a286c70320a49310a6149320a617356790a70330a67320a732e";
    assert.deepEqual(readPickle(hex(zero)), { x: [1, 2], y: [1, 2] });
  });

  test("reads big ints (LONG1), None, and NaN and infinity as the strings JSON results use", () => {
    assert.equal(readPickle(hex("80028a090000000000000000402e")), 2 ** 70);
    assert.equal(readPickle(hex("80044e2e")), null);
    assert.deepEqual(
      readPickle(hex("80049517000000000000005d9428477ff8000000000000477ff0000000000000652e")),
      ["NaN", "Infinity"],
    );
  });

  test("refuses a datetime, naming it, without importing anything", () => {
    const text =
      "8004952a000000000000008c086461746574696d65948c086461746574696d65949394430a07ea010203040500000094859452942e";
    assert.throws(
      () => readPickle(hex(text)),
      (error: Error) =>
        error instanceof PickleRefused &&
        /Python object 'datetime\.datetime' \(STACK_GLOBAL at byte \d+\)/.test(error.message) &&
        /never runs pickled code/.test(error.message),
    );
  });

  test("refuses a pickled exception (GLOBAL, then REDUCE) at protocol 0 and 4", () => {
    assert.throws(
      () =>
        readPickle(
          hex(
            "63657863657074696f6e730a56616c75654572726f720a70300a2856626f6f6d0a70310a7470320a5270330a2e",
          ),
        ),
      /Python object 'exceptions\.ValueError' \(GLOBAL at byte 0\)/,
    );
    assert.throws(
      () =>
        readPickle(
          hex(
            "80049526000000000000008c086275696c74696e73948c0a56616c75654572726f729493948c04626f6f6d94859452942e",
          ),
        ),
      /'builtins\.ValueError' \(STACK_GLOBAL/,
    );
  });

  test("refuses REDUCE, BUILD and NEWOBJ on their own, a list that holds itself, and junk", () => {
    for (
      const [bytes, name] of [["80044e295294", "REDUCE"], ["80044e7d62", "BUILD"], [
        "80044e2981",
        "NEWOBJ",
      ]]
    ) {
      assert.throws(() => readPickle(hex(bytes)), new RegExp(`\\(${name} at byte`));
    }
    assert.throws(() => readPickle(hex("80025d71006800612e")), /holds itself/);
    assert.throws(() => readPickle(hex("8004")), /ends before STOP/);
    assert.throws(() => readPickle(hex("80045801000000")), /cut short/);
    assert.throws(() => readPickle(hex("8004ff")), /unknown pickle opcode 0xff/);
  });

  test("a __proto__ key stays an ordinary key", () => {
    // {"__proto__": 1}
    const value = readPickle(hex("80047d948c095f5f70726f746f5f5f944b01732e")) as Record<
      string,
      unknown
    >;
    assert.equal(Object.getPrototypeOf(value), Object.prototype);
    assert.deepEqual(Object.keys(value), ["__proto__"]);
  });
});

describe("isPickle", () => {
  test("is true for protocol 2 to 5 pickles, false for JSON", () => {
    assert.equal(isPickle(hex("80044e2e")), true);
    assert.equal(isPickle(new TextEncoder().encode('{"status": "SUCCESS"}')), false);
  });
});

describe("pickleTextDict", () => {
  test("writes the ABORTED document as CPython's protocol 2 would read it", () => {
    const bytes = pickleTextDict({ status: "ABORTED", result: null, task_id: "é1" });
    assert.deepEqual(readPickle(bytes), { status: "ABORTED", result: null, task_id: "é1" });
    assert.equal(isPickle(bytes), true);
  });
});
