/**
 * Task id -> slot, as an open-addressing hash table in typed arrays (linear probing, backward-shift
 * deletion, load factor at most 1/2). The keys are not copied: an entry is a slot, and the key is
 * read back from the store's uuid column.
 *
 * It replaces a `Map<string, number>` of a million entries, which cost about 50 bytes a task and,
 * under JavaScriptCore, made every minor collection rescan the whole map after each insertion.
 * Typed arrays hold no references, so the collector never looks at this table at all.
 */
import type { TextColumn } from "./text_column.ts";

const EMPTY = -1;

/** Where each held task id lives. */
export class SlotIndex {
  readonly #keys: TextColumn<string>;
  /** Hash of the key at each slot (valid while the slot is in the table). */
  #hashes: Int32Array;
  /** Buckets: a slot, or EMPTY. */
  #table: Int32Array;
  #mask: number;
  #size = 0;
  /** Per-process seed, so colliding ids cannot be prepared in advance. */
  readonly #seed: number;

  /** An index over `slots` slots whose keys are `keys.get(slot)`; hashes have `room`. */
  constructor(keys: TextColumn<string>, slots: number, seed = randomSeed(), room = slots) {
    this.#keys = keys;
    this.#seed = seed;
    this.#hashes = new Int32Array(Math.max(slots, room));
    const buckets = bucketsFor(slots);
    this.#table = new Int32Array(buckets).fill(EMPTY);
    this.#mask = buckets - 1;
  }

  /** Ids held. */
  get size(): number {
    return this.#size;
  }

  /** The slot holding `key`, if any. */
  get(key: string): number | undefined {
    const hash = hashOf(key, this.#seed);
    const table = this.#table;
    const mask = this.#mask;
    for (let i = hash & mask;; i = (i + 1) & mask) {
      const slot = table[i];
      if (slot === EMPTY) return undefined;
      if (this.#hashes[slot] === hash && this.#keys.get(slot) === key) return slot;
    }
  }

  /** Files `slot` under its key (`keys.get(slot)`), which must not be held yet. */
  add(slot: number): void {
    if ((this.#size + 1) * 2 > this.#table.length) this.#rehash(this.#table.length * 2);
    const hash = hashOf(this.#keys.get(slot), this.#seed);
    this.#hashes[slot] = hash;
    this.#place(slot, hash);
    this.#size++;
  }

  /** Files `slot` under its key unless that key is held already (then false): one probe. */
  addIfAbsent(slot: number): boolean {
    if ((this.#size + 1) * 2 > this.#table.length) this.#rehash(this.#table.length * 2);
    const key = this.#keys.get(slot);
    const hash = hashOf(key, this.#seed);
    const table = this.#table;
    const mask = this.#mask;
    let i = hash & mask;
    for (; table[i] !== EMPTY; i = (i + 1) & mask) {
      const held = table[i];
      if (this.#hashes[held] === hash && this.#keys.get(held) === key) return false;
    }
    this.#hashes[slot] = hash;
    table[i] = slot;
    this.#size++;
    return true;
  }

  /** Forgets `slot`, which must be held. */
  remove(slot: number): void {
    const table = this.#table;
    const mask = this.#mask;
    let i = this.#hashes[slot] & mask;
    while (table[i] !== slot) {
      if (table[i] === EMPTY) return;
      i = (i + 1) & mask;
    }
    // Backward shift: pull later entries of the run into the hole unless that would put one
    // before its home bucket. No tombstones, so lookups never slow down with churn.
    for (let j = (i + 1) & mask;; j = (j + 1) & mask) {
      const next = table[j];
      if (next === EMPTY) break;
      const home = this.#hashes[next] & mask;
      if (((j - home) & mask) >= ((j - i) & mask)) {
        table[i] = next;
        i = j;
      }
    }
    table[i] = EMPTY;
    this.#size--;
  }

  /** Sizes the table for `keys` ids at once, sparing the rehashes of growing one by one. */
  reserve(keys: number): void {
    const buckets = bucketsFor(keys);
    if (buckets > this.#table.length) this.#rehash(buckets);
  }

  /** Makes room for slots up to `slots - 1`. */
  grow(slots: number): void {
    if (this.#hashes.length >= slots) return;
    const hashes = new Int32Array(slots);
    hashes.set(this.#hashes);
    this.#hashes = hashes;
  }

  #place(slot: number, hash: number): void {
    const table = this.#table;
    const mask = this.#mask;
    let i = hash & mask;
    while (table[i] !== EMPTY) i = (i + 1) & mask;
    table[i] = slot;
  }

  #rehash(buckets: number): void {
    const old = this.#table;
    this.#table = new Int32Array(buckets).fill(EMPTY);
    this.#mask = buckets - 1;
    for (let i = 0; i < old.length; i++) {
      const slot = old[i];
      if (slot !== EMPTY) this.#place(slot, this.#hashes[slot]);
    }
  }
}

/** A power of two with room for `slots` keys at load 1/2 (at least 16). */
function bucketsFor(slots: number): number {
  let buckets = 16;
  while (buckets < slots * 2) buckets *= 2;
  return buckets;
}

/** FNV-1a over UTF-16 units from a seeded basis, then Murmur3's finaliser for the low bits. */
export function hashOf(key: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) | 0;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

function randomSeed(): number {
  return crypto.getRandomValues(new Int32Array(1))[0];
}
