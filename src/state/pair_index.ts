/**
 * An index of the `key=value` pairs of the kwargs column, for `kwargs:key=value` terms: per
 * 4,096-slot chunk, a 32-bit hash of each folded pair (as `kwargsPairs` writes it) with the slot
 * it came from, sorted by hash. A term is then one binary search per chunk, and the few slots it
 * names are confirmed by parsing their kwargs, so a collision costs a parse, not a wrong answer.
 * Before it, a rare pair meant three `indexOf` passes over every task's kwargs text.
 *
 * Built lazily, on the first search that reads a chunk, and rebuilt when the column's chunk
 * version has moved since (as `search_text.ts`). Memory: 6 bytes per pair (hash and slot) plus
 * a few dozen per chunk, only once such a search ran.
 */
import { kwargsPairs } from "../search/match_task.ts";
import { hashOf } from "./slot_index.ts";
import { CHUNK, type TextColumn } from "./text_column.ts";

/** The pairs of one chunk, sorted by hash. */
export interface PairBlock {
  /** The column's chunk version it was built from. */
  version: number;
  /** Pair hashes, ascending (as unsigned integers). */
  hashes: Uint32Array;
  /** `slots[i]`: the slot in the chunk whose kwargs hold the pair hashed `hashes[i]`. */
  slots: Uint16Array;
}

/** Fixed: a collision costs a parse, not a wrong answer. */
const SEED = 0x9a15;

/** The hash a block holds for the folded pair `pair` (`key=value`). */
export function pairHash(pair: string): number {
  return hashOf(pair, SEED) >>> 0;
}

/** The pair blocks of the kwargs column. */
export class PairIndex {
  readonly #column: TextColumn<string | null>;
  #blocks: (PairBlock | undefined)[] = [];

  /** An index over `column` (kwargs reprs). */
  constructor(column: TextColumn<string | null>) {
    this.#column = column;
  }

  /** The up-to-date block of chunk `index`. */
  block(index: number): PairBlock {
    const version = this.#column.version(index);
    const cached = this.#blocks[index];
    if (cached !== undefined && cached.version === version) return cached;
    const block = build(this.#column.chunk(index), version);
    this.#blocks[index] = block;
    return block;
  }

  /** Bytes held by the blocks built so far. */
  get bytes(): number {
    let total = 0;
    for (const block of this.#blocks) {
      if (block) total += block.hashes.byteLength + block.slots.byteLength;
    }
    return total;
  }
}

/**
 * Calls `hit(slot)` for each slot of `block` that holds a pair hashed `hash` (a slot holding it
 * twice, by a collision, is called twice).
 */
export function forEachPairHit(block: PairBlock, hash: number, hit: (slot: number) => void) {
  const { hashes, slots } = block;
  for (let i = firstAtLeast(hashes, hash); i < hashes.length && hashes[i] === hash; i++) {
    hit(slots[i]);
  }
}

/** How many pairs of `block` are hashed `hash`: at least the slots a term on it can match. */
export function countPairHits(block: PairBlock, hash: number): number {
  return firstAtLeast(block.hashes, hash + 1) - firstAtLeast(block.hashes, hash);
}

/** The first index of `sorted` whose value is at least `value` (its length if none). */
function firstAtLeast(sorted: Uint32Array, value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function build(values: readonly (string | null)[], version: number): PairBlock {
  // Tasks of one kind often share a kwargs text: parse each distinct text of the chunk once.
  const seen = new Map<string, number[]>();
  const entries: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const kwargs = values[i];
    if (kwargs === null || kwargs.length < 2) continue;
    let hashes = seen.get(kwargs);
    if (hashes === undefined) {
      hashes = [...kwargsPairs(kwargs)].map(pairHash);
      seen.set(kwargs, hashes);
    }
    // Hash and slot in one number (hash * CHUNK + slot < 2^44), so one numeric sort orders both.
    for (const hash of hashes) entries.push(hash * CHUNK + i);
  }
  const sorted = Float64Array.from(entries).sort();
  const hashes = new Uint32Array(sorted.length);
  const slots = new Uint16Array(sorted.length);
  for (let i = 0; i < sorted.length; i++) {
    const entry = sorted[i];
    slots[i] = entry % CHUNK;
    hashes[i] = (entry - slots[i]) / CHUNK;
  }
  return { version, hashes, slots };
}
