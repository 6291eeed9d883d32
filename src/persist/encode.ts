/**
 * Writes a snapshot in the state-file format (`format.ts`) to a byte sink, a piece at a time.
 * Each piece costs at most a few milliseconds of CPU (a 512-task JSON chunk, a megabyte of a
 * column's checksum), and the sink decides when to give the event loop a turn, so a save never
 * holds up ingestion or requests for long.
 *
 * It reads the copy only through `ImageColumns` (typed arrays, and `get(slot)` for text), not
 * the store's chunk layout, and encodes text into one reused buffer: allocating a fresh array
 * per chunk (a third of a gigabyte at a million tasks) cost more in collections than in copying.
 */
import { F64_COLUMNS, I32_COLUMNS, TEXT_COLUMNS } from "../state/task_columns.ts";
import type { ImageColumns } from "../state/task_image.ts";
import { VERSION } from "../version.ts";
import {
  aligned,
  checksum,
  END_MAGIC,
  type Footer,
  FORMAT,
  HEADER_BYTES,
  MAGIC,
  type Section,
  TEXT_CHUNK_SLOTS,
  TRAILER_BYTES,
} from "./format.ts";
import type { StateSnapshot } from "./snapshot.ts";

/** Receives the file's bytes in order; may keep the array until it resolves. */
export type ByteSink = (bytes: Uint8Array) => Promise<void>;

const encoder = new TextEncoder();
/** Bytes of a numeric column handed to the sink at once. */
const NUMERIC_PIECE = 1 << 20;

/** Streams `snapshot` into `sink`; resolves with the number of bytes written. */
export async function encodeSnapshot(
  snapshot: StateSnapshot<ImageColumns>,
  sink: ByteSink,
): Promise<number> {
  const header = new Uint8Array(HEADER_BYTES);
  encoder.encodeInto(MAGIC, header);
  new DataView(header.buffer).setUint32(8, FORMAT, true);
  await sink(header);
  let offset = HEADER_BYTES;
  const sections: Section[] = [];
  const { cols, length } = snapshot.tasks;

  for (const name of [...F64_COLUMNS, ...I32_COLUMNS]) {
    const column = cols[name].subarray(0, length);
    const bytes = padTo8(new Uint8Array(column.buffer, column.byteOffset, column.byteLength));
    const kind = column instanceof Float64Array ? "f64" : "i32";
    // A piece at a time: a million floats take several milliseconds to checksum.
    let sum: number | undefined;
    for (let at = 0; at < bytes.byteLength; at += NUMERIC_PIECE) {
      const piece = bytes.subarray(at, at + NUMERIC_PIECE);
      sum = checksum(piece, sum);
      await sink(piece);
    }
    sections.push({ name, kind, offset, bytes: bytes.byteLength, sum: sum ?? checksum(bytes) });
    offset += bytes.byteLength;
  }

  const scratch = new JsonBuffer();
  const values: (string | null)[] = new Array(TEXT_CHUNK_SLOTS);
  for (const name of TEXT_COLUMNS) {
    const column = cols[name];
    const chunks: [number, number][] = [];
    const start = offset;
    const count = Math.ceil(length / TEXT_CHUNK_SLOTS);
    for (let i = 0; i < count; i++) {
      // The last chunk is padded with nulls past `length`, as the store's columns are.
      const first = i * TEXT_CHUNK_SLOTS;
      const end = Math.min(first + TEXT_CHUNK_SLOTS, length);
      for (let slot = first; slot < end; slot++) values[slot - first] = column.get(slot);
      values.fill(null, end - first);
      const bytes = scratch.encode(values);
      chunks.push([bytes.byteLength, checksum(bytes)]);
      // The sink is done with the bytes once it resolves, so the buffer can be reused.
      await sink(bytes);
      offset += bytes.byteLength;
    }
    sections.push({
      name,
      kind: "text",
      offset: start,
      bytes: offset - start,
      chunkSlots: TEXT_CHUNK_SLOTS,
      chunks,
    });
  }

  const { tables, ...ring } = snapshot.tasks;
  const footer: Footer = {
    format: FORMAT,
    stalk: VERSION,
    savedAt: snapshot.savedAt,
    tasks: {
      length: ring.length,
      size: ring.size,
      capacity: ring.capacity,
      start: ring.start,
      seq: ring.seq,
      tables: {
        names: tables.names.map(orNull),
        states: tables.states.map(orNull),
        hosts: tables.hosts.map(orNull),
        routes: tables.routes.map(orNull),
      },
    },
    sections,
    workers: snapshot.workers,
    clock: snapshot.clock,
    metrics: snapshot.metrics,
    inspector: snapshot.inspector,
  };
  const footerBytes = jsonBytes(footer);
  await sink(footerBytes);
  const trailer = new Uint8Array(TRAILER_BYTES);
  const view = new DataView(trailer.buffer);
  view.setUint32(0, footerBytes.byteLength, true);
  view.setUint32(4, checksum(footerBytes), true);
  encoder.encodeInto(END_MAGIC, trailer.subarray(8));
  await sink(trailer);
  return offset + footerBytes.byteLength + TRAILER_BYTES;
}

/** `value` as UTF-8 JSON padded with spaces (still valid JSON) to a multiple of 8 bytes. */
function jsonBytes(value: unknown): Uint8Array {
  return padTo8(encoder.encode(JSON.stringify(value)), 0x20);
}

/** Encodes JSON into one growing buffer; each result is valid until the next `encode`. */
class JsonBuffer {
  #bytes = new Uint8Array(1 << 16);

  /** `value` as UTF-8 JSON padded with spaces to a multiple of 8 bytes, in the buffer. */
  encode(value: unknown): Uint8Array {
    const json = JSON.stringify(value);
    // UTF-8 takes at most 3 bytes per UTF-16 unit; ask for that only when the buffer is short.
    let result = encoder.encodeInto(json, this.#bytes);
    if (result.read < json.length) {
      this.#bytes = new Uint8Array(aligned(json.length * 3 + 8));
      result = encoder.encodeInto(json, this.#bytes);
    }
    const { written } = result;
    const end = aligned(written);
    if (end > this.#bytes.byteLength) this.#grow(end);
    this.#bytes.fill(0x20, written, end);
    return this.#bytes.subarray(0, end);
  }

  #grow(bytes: number): void {
    const next = new Uint8Array(aligned(bytes));
    next.set(this.#bytes);
    this.#bytes = next;
  }
}

/** `bytes` itself when its length is a multiple of 8, else a copy padded with `fill`. */
function padTo8(bytes: Uint8Array, fill = 0): Uint8Array {
  if (bytes.byteLength % 8 === 0) return bytes;
  const padded = new Uint8Array(aligned(bytes.byteLength)).fill(fill);
  padded.set(bytes);
  return padded;
}

function orNull(value: string | undefined): string | null {
  return value ?? null;
}
