/** Interned strings with reference counts and dense, reusable integer ids. */

/** The id stored for "no value" in the Int32Array columns that hold interned ids. */
export const NONE = -1;

/**
 * A table of distinct strings. Each task column stores the small id instead of the string, so a
 * task name or hostname is held once however many tasks carry it, and the entry disappears with
 * its last holder (which keeps `taskTypes()` and the filters honest after eviction).
 */
export class Interner {
  #ids = new Map<string, number>();
  #values: (string | undefined)[] = [];
  #folded: (string | undefined)[] = [];
  #refs: number[] = [];
  #free: number[] = [];
  // Case-folded value -> ids, for the case-insensitive filters. Usually one id per key.
  #byFolded = new Map<string, number[]>();

  /** Number of distinct live values. */
  get size(): number {
    return this.#ids.size;
  }

  /** One past the largest id ever handed out; ids are below this. */
  get idLimit(): number {
    return this.#values.length;
  }

  /** Returns the id of `value`, adding it if new, and counts one more holder. */
  acquire(value: string): number {
    let id = this.#ids.get(value);
    if (id !== undefined) {
      this.#refs[id]++;
      return id;
    }
    id = this.#free.pop() ?? this.#values.length;
    const folded = value.toLowerCase();
    this.#ids.set(value, id);
    this.#values[id] = value;
    this.#folded[id] = folded;
    this.#refs[id] = 1;
    const same = this.#byFolded.get(folded);
    if (same) same.push(id);
    else this.#byFolded.set(folded, [id]);
    return id;
  }

  /** Counts one more holder of a live `id` (a restore re-acquiring by id). */
  retain(id: number): void {
    this.#refs[id]++;
  }

  /** A copy of the table by id: `table[id]` is the live value, or undefined for a free id. */
  table(): (string | undefined)[] {
    return this.#values.slice();
  }

  /** Drops one holder of `id`; the value is forgotten when none is left. */
  release(id: number): void {
    if (--this.#refs[id] > 0) return;
    const value = this.#values[id]!;
    const folded = this.#folded[id]!;
    this.#ids.delete(value);
    this.#values[id] = undefined;
    this.#folded[id] = undefined;
    const same = this.#byFolded.get(folded)!;
    if (same.length === 1) this.#byFolded.delete(folded);
    else same.splice(same.indexOf(id), 1);
    this.#free.push(id);
  }

  /** The string behind a live id. */
  value(id: number): string {
    return this.#values[id]!;
  }

  /** The lower-cased string behind a live id, for case-insensitive sorting. */
  folded(id: number): string {
    return this.#folded[id]!;
  }

  /** Holders of a live id. */
  refs(id: number): number {
    return this.#values[id] === undefined ? 0 : this.#refs[id];
  }

  /** Ids whose value equals `query` ignoring case; empty when none does. */
  matching(query: string): readonly number[] {
    return this.#byFolded.get(query.toLowerCase()) ?? [];
  }

  /** The live values, in no particular order. */
  values(): string[] {
    return [...this.#ids.keys()];
  }

  /** The live ids, in no particular order. */
  ids(): number[] {
    return [...this.#ids.values()];
  }
}
