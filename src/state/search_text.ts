/**
 * Folded copies of a text column for substring search, one string per 4,096-slot chunk:
 * `"\0" + fold(v0) + "\0" + fold(v1) … + "\0"`, with where each value starts. Searching a chunk is then
 * one `indexOf` pass over contiguous text instead of 4,096 folds and `includes`, which is what
 * keeps a substring search over a million tasks within tens of milliseconds.
 *
 * Built lazily, on the first search that reads a chunk, and rebuilt when the column's chunk
 * version has moved since (ingest mostly writes the newest chunks, so few are rebuilt). Memory:
 * about one byte per character of the column's text plus 4 bytes per slot, only for the columns
 * searched.
 */
import { fold, isAscii } from "../search/fold.ts";
import { CHUNK, type TextColumn } from "./text_column.ts";

/** One chunk's folded text. */
export interface TextBlock {
  /** The column's chunk version it was built from. */
  version: number;
  text: string;
  /** `starts[i]`: index in `text` of slot i's first character; `starts[CHUNK]` is the length. */
  starts: Int32Array;
  /** For task ids: true when every one is lower-case hex digits and dashes (canonical uuids). */
  hexOnly: boolean;
  /** Bytes the block holds: text (1 byte a character, 2 beyond Latin-1) and offsets. */
  bytes: number;
}

const HEX_ONLY = /^[\0-9a-f-]*$/;

/** The folded blocks of one text column. */
export class SearchText {
  readonly #column: TextColumn<string | null>;
  readonly #ids: boolean;
  #blocks: (TextBlock | undefined)[] = [];

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

  /** Bytes held by the blocks built so far (text at one byte per character, plus offsets). */
  get bytes(): number {
    let total = 0;
    for (const block of this.#blocks) total += block?.bytes ?? 0;
    return total;
  }
}

function build(values: readonly (string | null)[], version: number, ids: boolean): TextBlock {
  const starts = new Int32Array(CHUNK + 1);
  // `join` writes null as "", and one join plus one fold of the whole chunk is much cheaper than
  // a fold per value; folding keeps indexes only for ASCII, so other text is folded value by value.
  let text = "\0" + values.join("\0") + "\0";
  let parts: readonly (string | null)[] = values;
  const ascii = isAscii(text);
  if (ascii) {
    text = text.toLowerCase();
  } else {
    parts = values.map((value) => fold(value ?? ""));
    text = "\0" + parts.join("\0") + "\0";
  }
  let at = 1;
  for (let i = 0; i < CHUNK; i++) {
    starts[i] = at;
    at += (parts[i]?.length ?? 0) + 1;
  }
  starts[CHUNK] = at;
  const bytes = text.length * (ascii ? 1 : 2) + starts.byteLength;
  return { version, text, starts, hexOnly: ids && HEX_ONLY.test(text), bytes };
}

/** How a term must sit in a value: anywhere in it, at its start, or be all of it. */
export type HitMode = "substring" | "prefix" | "exact";

/**
 * Marks in `out` (one byte per slot of the chunk) every slot whose folded value holds `term` as
 * `mode` says. `term` must be folded, non-empty and free of NUL characters.
 */
export function markHits(block: TextBlock, term: string, mode: HitMode, out: Uint8Array): void {
  const { text, starts } = block;
  const needle = mode === "substring" ? term : mode === "prefix" ? "\0" + term : `\0${term}\0`;
  const lead = mode === "substring" ? 0 : 1;
  let at = text.indexOf(needle);
  while (at >= 0) {
    const slot = slotAt(starts, at + lead);
    out[slot] = 1;
    // One hit per slot is enough: go on from the next slot's value (from its NUL, when anchored).
    at = text.indexOf(needle, starts[slot + 1] - lead);
  }
}

/** The slot whose value holds text index `at`: the last `i` with `starts[i] <= at`. */
function slotAt(starts: Int32Array, at: number): number {
  let lo = 0;
  let hi = CHUNK - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (starts[mid] <= at) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
