/**
 * Folded copies of a text column for substring search, one string per 4,096-slot chunk:
 * `"\0" + fold(v0) + "\0" + fold(v1) … + "\0"`, with where each value starts. Searching a chunk is then
 * one `indexOf` pass over contiguous text instead of 4,096 folds and `includes`, which is what
 * keeps a substring search over a million tasks within tens of milliseconds. A chunk whose
 * values repeat (args `()`, kwargs `{}`, result `None`, the one exception of an outage) holds
 * each distinct value once and a 2-byte entry per slot; the hits of the distinct values are then
 * spread to the slots with one pass over those entries.
 *
 * Built lazily, on the first search that reads a chunk, and rebuilt when the column's chunk
 * version has moved since (ingest mostly writes the newest chunks, so few are rebuilt). Memory:
 * one byte per character of the distinct values plus 4 bytes per value, and 2 bytes per slot
 * when they repeat, only for the columns searched; task ids only for terms that could be in one.
 */
import { fold, isAscii } from "../search/fold.ts";
import { CHUNK, type TextColumn } from "./text_column.ts";

/** One chunk's folded text. */
export interface TextBlock {
  /** The column's chunk version it was built from. */
  version: number;
  /** `"\0" + fold(e0) + "\0" + fold(e1) … + "\0"` over the block's entries. */
  text: string;
  /** `starts[e]`: index in `text` of entry e's first character; `starts[entries]` is the length. */
  starts: Int32Array;
  /** Entries: the chunk's distinct values, or every slot's value when `entryOf` is undefined. */
  entries: number;
  /** `entryOf[i]`: the entry holding slot i's value; undefined when entry i is slot i. */
  entryOf: Uint16Array | undefined;
  /** For task ids: true when every one is lower-case hex digits and dashes (canonical uuids). */
  hexOnly: boolean;
  /** Bytes the block holds: text (1 byte a character, 2 beyond Latin-1) and offsets. */
  bytes: number;
}

const HEX_ONLY = /^[\0-9a-f-]*$/;

/** True when folded `term` could be in an id of a `hexOnly` chunk. */
export function hexLike(term: string): boolean {
  return HEX_ONLY.test(term);
}

/**
 * Most distinct values a chunk may have to be stored once each: past it, the slot-to-entry map
 * (2 bytes a slot) and the lookups cost more than the repeats they save.
 */
const MOST_DISTINCT = CHUNK / 4;

/** The folded blocks of one text column. */
export class SearchText {
  readonly #column: TextColumn<string | null>;
  readonly #ids: boolean;
  #blocks: (TextBlock | undefined)[] = [];
  /** For ids: whether each chunk is `hexOnly`, known without building its text. */
  #hex: ({ version: number; hexOnly: boolean } | undefined)[] = [];

  /** Search text over `column`; `ids` when it holds task ids (then `hexOnly` is worked out). */
  constructor(column: TextColumn<string | null>, ids = false) {
    this.#column = column;
    this.#ids = ids;
  }

  /** The up-to-date block of chunk `index`. */
  block(index: number): TextBlock {
    const version = this.#column.version(index);
    const cached = this.#blocks[index];
    if (cached !== undefined && cached.version === version) return cached;
    const block = build(this.#column.chunk(index), version, this.#ids);
    this.#blocks[index] = block;
    return block;
  }

  /**
   * For ids: whether every id of chunk `index` is lower-case hex digits and dashes, so that a
   * term with any other character cannot be in one. Read without building the chunk's text: a
   * search for a word then needs no copy of the ids at all.
   */
  hexOnly(index: number): boolean {
    const version = this.#column.version(index);
    const built = this.#blocks[index];
    if (built !== undefined && built.version === version) return built.hexOnly;
    const cached = this.#hex[index];
    if (cached !== undefined && cached.version === version) return cached.hexOnly;
    const hexOnly = this.#column.chunk(index).every((id) => id === null || HEX_ONLY.test(id));
    this.#hex[index] = { version, hexOnly };
    return hexOnly;
  }

  /** Bytes held by the blocks built so far (text at one byte per character, plus offsets). */
  get bytes(): number {
    let total = 0;
    for (const block of this.#blocks) total += block?.bytes ?? 0;
    return total;
  }
}

function build(values: readonly (string | null)[], version: number, ids: boolean): TextBlock {
  // Ids are all distinct; other columns repeat a lot (`()`, `{}`, `None`, one error for many).
  const distinct = ids ? undefined : dedupe(values);
  const entries = distinct?.values ?? values;
  const count = entries.length;
  const starts = new Int32Array(count + 1);
  // `join` writes null as "", and one join plus one fold of the whole chunk is much cheaper than
  // a fold per value; folding keeps indexes only for ASCII, so other text is folded value by value.
  let text = "\0" + entries.join("\0") + "\0";
  let parts: readonly (string | null)[] = entries;
  const ascii = isAscii(text);
  if (ascii) {
    text = text.toLowerCase();
  } else {
    parts = entries.map((value) => fold(value ?? ""));
    text = "\0" + parts.join("\0") + "\0";
  }
  let at = 1;
  for (let i = 0; i < count; i++) {
    starts[i] = at;
    at += (parts[i]?.length ?? 0) + 1;
  }
  starts[count] = at;
  const entryOf = distinct?.entryOf;
  const bytes = text.length * (ascii ? 1 : 2) + starts.byteLength + (entryOf?.byteLength ?? 0);
  return { version, text, starts, entries: count, entryOf, hexOnly: ids && hexLike(text), bytes };
}

/** The distinct values of a chunk and where each slot's is, or undefined when too many. */
function dedupe(
  values: readonly (string | null)[],
): { values: (string | null)[]; entryOf: Uint16Array } | undefined {
  const seen = new Map<string | null, number>();
  const distinct: (string | null)[] = [];
  const entryOf = new Uint16Array(CHUNK);
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    let entry = seen.get(value);
    if (entry === undefined) {
      if (distinct.length === MOST_DISTINCT) return undefined;
      entry = distinct.push(value) - 1;
      seen.set(value, entry);
    }
    entryOf[i] = entry;
  }
  return { values: distinct, entryOf };
}

/** How a term must sit in a value: anywhere in it, at its start, or be all of it. */
export type HitMode = "substring" | "prefix" | "exact";

/** Entries a chunk's term hit, reused by every `markHits` (one search runs at a time). */
const entryHits = new Uint8Array(CHUNK);

/**
 * Marks in `out` (one byte per slot of the chunk) every slot whose folded value holds `term` as
 * `mode` says. `term` must be folded, non-empty and free of NUL characters.
 */
export function markHits(block: TextBlock, term: string, mode: HitMode, out: Uint8Array): void {
  const { entryOf, entries } = block;
  if (entryOf === undefined) return void markEntries(block, term, mode, out);
  const hits = entryHits.subarray(0, entries);
  hits.fill(0);
  if (!markEntries(block, term, mode, hits)) return;
  for (let i = 0; i < CHUNK; i++) out[i] |= hits[entryOf[i]];
}

/** Sets `out[e]` for each entry e holding `term`; true when there was one. */
function markEntries(block: TextBlock, term: string, mode: HitMode, out: Uint8Array): boolean {
  const { text, starts, entries } = block;
  const needle = mode === "substring" ? term : mode === "prefix" ? "\0" + term : `\0${term}\0`;
  const lead = mode === "substring" ? 0 : 1;
  let at = text.indexOf(needle);
  if (at < 0) return false;
  while (at >= 0) {
    const entry = entryAt(starts, entries, at + lead);
    out[entry] = 1;
    // One hit per entry is enough: go on from the next entry (from its NUL, when anchored).
    at = text.indexOf(needle, starts[entry + 1] - lead);
  }
  return true;
}

/** The entry whose value holds text index `at`: the last `e` with `starts[e] <= at`. */
function entryAt(starts: Int32Array, entries: number, at: number): number {
  let lo = 0;
  let hi = entries - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (starts[mid] <= at) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
