/**
 * The state file's layout (format 1, see docs/persistence.md): a 16-byte header, the task
 * columns as 8-byte-aligned sections, a JSON footer that describes them, and a 16-byte trailer.
 * The footer comes last so a save can stream the columns without knowing their sizes first; a
 * file cut short loses its trailer and is recognised as truncated. Pure: no I/O.
 */
import * as v from "valibot";

/** The first 8 bytes of every state file. */
export const MAGIC = "STALKDB\n";
/** The last 8 bytes of a complete state file. */
export const END_MAGIC = "STALKEND";
/** The format this build writes, and the newest it reads. */
export const FORMAT = 1;
/** Header: magic, format (u32 LE), 4 reserved bytes. */
export const HEADER_BYTES = 16;
/**
 * Values per JSON chunk of a text column. Small enough that a chunk of long tracebacks encodes
 * in a millisecond or two, large enough that the per-chunk overhead stays negligible.
 */
export const TEXT_CHUNK_SLOTS = 512;
/** Trailer: footer length (u32 LE), footer checksum (u32 LE), end magic. */
export const TRAILER_BYTES = 16;

/** Bytes of `n` rounded up to the 8-byte alignment every section keeps. */
export function aligned(n: number): number {
  return (n + 7) & ~7;
}

/**
 * A 32-bit checksum of `bytes` (whose length is a multiple of 4 and whose offset is aligned):
 * FNV-1a over 32-bit words. Each step is a bijection of the running hash, so any single changed
 * word always changes the result; a word at a time keeps a 300 MB file under a second.
 */
export function checksum(bytes: Uint8Array, seed = 0x811c9dc5): number {
  const words = new Int32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >>> 2);
  let h = seed | 0;
  for (let i = 0; i < words.length; i++) h = Math.imul(h ^ words[i], 0x01000193);
  return h >>> 0;
}

const int = v.pipe(v.number(), v.integer(), v.minValue(0));
const name = v.pipe(v.string(), v.maxLength(200));
const table = v.array(v.nullable(v.string()));

const Section = v.object({
  name,
  kind: v.picklist(["f64", "i32", "text"]),
  offset: int,
  bytes: int,
  /** Checksum of the whole section (numeric columns). */
  sum: v.optional(int),
  /** Values per chunk (text columns). */
  chunkSlots: v.optional(v.pipe(int, v.minValue(1), v.maxValue(1 << 16))),
  /** Byte length and checksum of each chunk (text columns, one JSON array per chunk). */
  chunks: v.optional(v.array(v.tuple([int, int]))),
});

const nullableNumber = v.nullable(v.number());
const WorkerRecord = v.object({
  hostname: v.string(),
  pid: nullableNumber,
  freq: v.number(),
  heartbeats: v.array(v.number()),
  clock: nullableNumber,
  active: nullableNumber,
  processed: nullableNumber,
  loadavg: v.nullable(v.array(v.number())),
  sw_ident: v.nullable(v.string()),
  sw_ver: v.nullable(v.string()),
  sw_sys: v.nullable(v.string()),
  timestamp: nullableNumber,
});

const Series = v.array(v.object({ labels: v.array(v.string()), value: v.number() }));

const Metrics = v.object({
  events: Series,
  prefetchTime: Series,
  prefetched: Series,
  executing: Series,
  runtime: v.object({
    buckets: v.array(v.number()),
    series: v.array(v.object({
      labels: v.array(v.string()),
      counts: v.array(v.number()),
      sum: v.number(),
      count: v.number(),
    })),
  }),
});

/** The footer: everything but the task columns, and where those are. */
export const Footer = v.object({
  format: v.literal(FORMAT),
  stalk: v.string(),
  savedAt: v.number(),
  tasks: v.object({
    length: int,
    size: int,
    capacity: int,
    start: int,
    seq: v.number(),
    tables: v.object({ names: table, states: table, hosts: table, routes: table }),
  }),
  sections: v.array(Section),
  workers: v.array(WorkerRecord),
  clock: v.number(),
  metrics: Metrics,
  inspector: v.record(v.string(), v.record(v.string(), v.unknown())),
});

/** The decoded footer. */
export type Footer = v.InferOutput<typeof Footer>;
/** One section's entry in the footer. */
export type Section = v.InferOutput<typeof Section>;
