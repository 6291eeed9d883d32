/**
 * A column of strings indexed by slot, stored in fixed chunks rather than one big array.
 *
 * Why chunks: a generational collector must rescan every old object that had a young value
 * stored into it. JavaScriptCore (Bun's engine; the shipped binary is Bun-built) remembers whole
 * objects, so one store into a million-slot array made every minor collection rescan all of it:
 * with ten such columns that was 20-30 ms pauses, several a second, under a modest event flood. A store now dirties one
 * 4,096-slot chunk, and new tasks are written to the few newest chunks. Growing adds chunks and
 * copies nothing.
 */

/** log2 of `CHUNK`. */
export const SHIFT = 12;
/** Slots per chunk. */
export const CHUNK = 1 << SHIFT;
/** Slot & MASK is the index inside its chunk. */
export const MASK = CHUNK - 1;

/** Strings (or `fill`) by slot. */
export class TextColumn<T extends string | null> {
  readonly #fill: T;
  #chunks: T[][] = [];
  // Bumped by every store into a chunk, so derived data (the search text) knows when to rebuild.
  #versions: number[] = [];
  #length = 0;

  /** A column of `length` slots holding `fill`. */
  constructor(length: number, fill: T) {
    this.#fill = fill;
    this.grow(length);
  }

  /** Slots allocated (a multiple of `CHUNK`, at least what was asked for). */
  get length(): number {
    return this.#length;
  }

  /** The value at `slot`. */
  get(slot: number): T {
    return this.#chunks[slot >>> SHIFT][slot & MASK];
  }

  /** Stores `value` at `slot`. */
  set(slot: number, value: T): void {
    this.#chunks[slot >>> SHIFT][slot & MASK] = value;
    this.#versions[slot >>> SHIFT]++;
  }

  /** Chunks allocated. */
  get chunkCount(): number {
    return this.#chunks.length;
  }

  /** The values of chunk `index` (slots `index * CHUNK` on), read-only. */
  chunk(index: number): readonly T[] {
    return this.#chunks[index];
  }

  /** A number that changes whenever a slot of chunk `index` is stored into. */
  version(index: number): number {
    return this.#versions[index];
  }

  /**
   * Copies the whole chunks that hold slots `start .. end-1` from `from` (which holds them), a
   * slice per chunk: one allocation and one native copy each, which is what keeps a snapshot's
   * steps short.
   */
  copyChunks(from: TextColumn<T>, start: number, end: number): void {
    const last = Math.ceil(end / CHUNK);
    for (let index = start >>> SHIFT; index < last; index++) {
      this.#chunks[index] = from.#chunks[index].slice();
      this.#versions[index] = (this.#versions[index] ?? 0) + 1;
    }
    this.#length = Math.max(this.#length, this.#chunks.length * CHUNK);
  }

  /** Makes room for slots up to `length - 1`, keeping every value. */
  grow(length: number): void {
    while (this.#length < length) {
      this.#chunks.push(new Array<T>(CHUNK).fill(this.#fill));
      this.#versions.push(0);
      this.#length += CHUNK;
    }
  }
}
