/**
 * A 32-bit key per task id, one typed array per 4,096-slot chunk, so that `uuid:` prefixes and
 * `root:` ids are decided by a loop over integers instead of a text scan. Built lazily, on the
 * first search that reads a chunk, and rebuilt when the column's chunk version has moved since
 * (as `search_text.ts`). Memory: 4 bytes per slot of each keyed column, only once searched,
 * against about 40 for a folded copy of the ids.
 *
 * - `prefix` keys: the first 8 characters read as hex digits, so a prefix of up to 8 is one
 *   shift and compare. A chunk holding an id that does not start with 8 hex digits is
 *   `irregular`, and the caller searches its text instead.
 * - `hash` keys: a hash of the whole id; equal ids have equal keys and the caller confirms with
 *   one string comparison per key that matches.
 */
import { hashOf } from "./slot_index.ts";
import { CHUNK, type TextColumn } from "./text_column.ts";

/** The keys of one chunk. */
export interface KeyBlock {
  /** The column's chunk version they were built from. */
  version: number;
  keys: Int32Array;
  /** For prefix keys: some non-empty id does not start with 8 hex digits. */
  irregular: boolean;
}

/** How ids are keyed. */
export type KeyKind = "prefix" | "hash";

/** Fixed: a collision costs a string comparison, not a wrong answer. */
const SEED = 0x5eed;

/** Hex digit value by character code, -1 for the rest (both cases: `uuid:` folds). */
const NIBBLE = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) {
  NIBBLE["0123456789abcdef".charCodeAt(i)] = i;
  NIBBLE["0123456789ABCDEF".charCodeAt(i)] = i;
}

/** The keys of one id column. */
export class IdKeys {
  readonly #column: TextColumn<string | null> | TextColumn<string>;
  readonly #kind: KeyKind;
  #blocks: (KeyBlock | undefined)[] = [];

  /** Keys of `kind` over `column`. */
  constructor(column: TextColumn<string | null> | TextColumn<string>, kind: KeyKind) {
    this.#column = column;
    this.#kind = kind;
  }

  /** The up-to-date keys of chunk `index`. */
  block(index: number): KeyBlock {
    const version = this.#column.version(index);
    const cached = this.#blocks[index];
    if (cached !== undefined && cached.version === version) return cached;
    const values = this.#column.chunk(index);
    const block = this.#kind === "prefix"
      ? prefixBlock(values, version)
      : hashBlock(values, version);
    this.#blocks[index] = block;
    return block;
  }

  /** Bytes held by the blocks built so far. */
  get bytes(): number {
    let total = 0;
    for (const block of this.#blocks) total += block?.keys.byteLength ?? 0;
    return total;
  }
}

/** The hash key of `id`, as `hash` blocks hold it. */
export function idHash(id: string): number {
  return hashOf(id, SEED);
}

/**
 * The prefix key of a folded `prefix` and how many low bits of a key to ignore, or undefined
 * when its first 8 characters (or all, if fewer) are not hex digits, so no regular id starts so.
 */
export function prefixKey(prefix: string): { key: number; shift: number } | undefined {
  const length = Math.min(8, prefix.length);
  let key = 0;
  for (let i = 0; i < length; i++) {
    const code = prefix.charCodeAt(i);
    const nibble = code < 128 ? NIBBLE[code] : -1;
    if (nibble < 0) return undefined;
    key = key * 16 + nibble;
  }
  return { key, shift: 32 - 4 * length };
}

function prefixBlock(values: readonly (string | null)[], version: number): KeyBlock {
  const keys = new Int32Array(CHUNK);
  let irregular = false;
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    // Unused slots hold "" (never listed, so never tested); null is not an id.
    if (!value) continue;
    let key = 0;
    let j = 0;
    for (; j < 8 && j < value.length; j++) {
      const code = value.charCodeAt(j);
      const nibble = code < 128 ? NIBBLE[code] : -1;
      if (nibble < 0) break;
      key = (key << 4) | nibble;
    }
    if (j < 8) irregular = true;
    keys[i] = key;
  }
  return { version, keys, irregular };
}

function hashBlock(values: readonly (string | null)[], version: number): KeyBlock {
  const keys = new Int32Array(CHUNK);
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (value) keys[i] = hashOf(value, SEED);
  }
  return { version, keys, irregular: false };
}
