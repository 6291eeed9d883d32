/**
 * The AMQP field-table types that `@cloudamqp/amqp-client` 4.x lacks, taught to its decoder.
 *
 * py-amqp, which every Celery worker and client uses, writes an integer outside ±2^31 as `L`
 * (signed 64-bit) and reads `U` as a signed 16-bit short (`amqp/serialization.py`); amqp-client
 * throws "Field type '76' not supported" on `L`, from inside the socket's data handler. Celery's
 * pidbox replies carry the node's Lamport clock as a `clock` header, so a clock past 2^31 is
 * enough. RabbitMQ's own types (`t b B s u I i l f d D S F A x T V`) were already read.
 *
 * The encoder is corrected where it disagrees with py-amqp's reader: amqp-client writes an
 * integer in [2^31, 2^32) as `I` (signed 32-bit, so it wraps negative) and any fraction within
 * ±2^32 as a 32-bit `f`, losing precision. Integers outside the signed 32-bit range go out as
 * `l` (RabbitMQ's signed 64-bit, which py-amqp reads back as the same non-negative value) and
 * fractions as `d`, as py-amqp itself writes them.
 *
 * Importing this module patches `AMQPView.prototype` once; every other type keeps the library's
 * own code path.
 */
import { AMQPView } from "@cloudamqp/amqp-client/amqp-view";

const L = 0x4c; // "L": signed 64-bit (py-amqp)
const U = 0x55; // "U": signed 16-bit (py-amqp)
const D = 0x44; // "D": decimal, written by py-amqp with a signed 32-bit value

type Field = ReturnType<AMQPView["getField"]>[0];

const PATCHED = Symbol.for("stalk.amqpFieldTypes");
const proto = AMQPView.prototype as AMQPView & { [PATCHED]?: true };

if (!proto[PATCHED]) {
  proto[PATCHED] = true;
  const libraryGetField = proto.getField;
  const librarySetField = proto.setField;

  proto.getField = function (byteOffset: number, littleEndian?: boolean): [Field, number] {
    const type = this.getUint8(byteOffset);
    const at = byteOffset + 1;
    switch (type) {
      case L:
        return [Number(this.getBigInt64(at, littleEndian)), 9];
      case U:
        return [this.getInt16(at, littleEndian), 3];
      case D: {
        const scale = this.getUint8(at);
        return [this.getInt32(at + 1, littleEndian) / 10 ** scale, 6];
      }
      default:
        return libraryGetField.call(this, byteOffset, littleEndian);
    }
  };

  proto.setField = function (byteOffset: number, field: Field, littleEndian?: boolean): number {
    if (typeof field !== "number" || (Number.isInteger(field) && isInt32(field))) {
      return librarySetField.call(this, byteOffset, field, littleEndian);
    }
    if (Number.isSafeInteger(field)) {
      this.setUint8(byteOffset, 0x6c); // "l"
      this.setBigInt64(byteOffset + 1, BigInt(field), littleEndian);
      return 9;
    }
    this.setUint8(byteOffset, 0x64); // "d"
    this.setFloat64(byteOffset + 1, field, littleEndian);
    return 9;
  };
}

function isInt32(n: number): boolean {
  return n >= -0x8000_0000 && n <= 0x7fff_ffff;
}

/** The patched view, for tests that decode recorded bytes. */
export { AMQPView };
