/**
 * Selection by rank: the slots at ranks `from .. to-1` of a candidate set ordered by (key, uuid),
 * without sorting the set or keeping a heap of `to` slots. A deep page (`offset=500000`) or a sort
 * with huge ties (`sort_by=state`: a quarter of a million tasks share a key, so uuids decide)
 * costs a few linear passes instead of a heap of half the store.
 *
 * Keys are bucketed into a histogram over their range; only the buckets that hold the wanted
 * ranks are kept, and each is refined the same way until it is small enough to sort. Candidates
 * that share one key are then refined the same way by their uuid's characters, one position at a
 * time (string order is UTF-16 code unit order, a shorter prefix first, as `<` compares).
 */
import type { TextColumn } from "./text_column.ts";

/** Candidates sorted outright once they are this few. */
const SMALL = 256;
/** Histogram buckets per pass over the keys. */
const BUCKETS = 4096;

/**
 * The slots at ranks `from .. to-1` (clamped) of `slots[0..count-1]`, whose sort keys are
 * `keys[0..count-1]` (finite or -Infinity), ordered by key then uuid, ascending or, with
 * `descending`, the whole order reversed. `keys` may be overwritten.
 */
export function selectRanks(
  slots: Int32Array,
  keys: Float64Array,
  count: number,
  uuids: TextColumn<string>,
  descending: boolean,
  from: number,
  to: number,
): number[] {
  const start = Math.max(0, from);
  const end = Math.min(count, to);
  if (end <= start) return [];
  const out: number[] = [];
  // The descending ranks are the ascending ones counted from the other end, read backwards.
  if (descending) {
    byKey(
      slots.subarray(0, count),
      keys.subarray(0, count),
      uuids,
      count - end,
      count - start,
      out,
    );
    return out.reverse();
  }
  byKey(slots.subarray(0, count), keys.subarray(0, count), uuids, start, end, out);
  return out;
}

/**
 * The slots at ranks `from .. to-1` of `slots` ordered by uuid alone (one group of equal keys),
 * ascending or descending. `slots` is not changed.
 */
export function selectByUuid(
  slots: Int32Array,
  uuids: TextColumn<string>,
  descending: boolean,
  from: number,
  to: number,
): number[] {
  const count = slots.length;
  const start = Math.max(0, from);
  const end = Math.min(count, to);
  if (end <= start) return [];
  const out: number[] = [];
  if (!descending) {
    byText(slots, uuids, 0, start, end, out);
    return out;
  }
  byText(slots, uuids, 0, count - end, count - start, out);
  return out.reverse();
}

/** Appends to `out` the slots at ranks `a .. b-1` of `slots` by (key, uuid), in order. */
function byKey(
  slots: Int32Array,
  keys: Float64Array,
  uuids: TextColumn<string>,
  a: number,
  b: number,
  out: number[],
): void {
  const n = slots.length;
  if (n <= SMALL) return sortAll(slots, keys, uuids, a, b, out);
  let low = Infinity;
  let high = -Infinity;
  for (let i = 0; i < n; i++) {
    const key = keys[i];
    if (key < low) low = key;
    if (key > high) high = key;
  }
  if (low === high) return byText(slots, uuids, 0, a, b, out);
  // -Infinity (no value) ranks below every value: give it a finite place just under the rest.
  if (low === -Infinity) {
    let finite = Infinity;
    for (let i = 0; i < n; i++) if (keys[i] !== -Infinity && keys[i] < finite) finite = keys[i];
    low = finite - 1;
    for (let i = 0; i < n; i++) if (keys[i] === -Infinity) keys[i] = low;
  }
  const scale = BUCKETS / (high - low);
  if (!Number.isFinite(scale)) return sortAll(slots, keys, uuids, a, b, out);
  const bucketOf = (key: number) => Math.min(BUCKETS - 1, Math.floor((key - low) * scale));
  const counts = new Int32Array(BUCKETS);
  for (let i = 0; i < n; i++) counts[bucketOf(keys[i])]++;
  refine(counts, a, b, (bucket, lo, hi, before) => {
    // Gather the bucket's candidates, then select inside it.
    const size = counts[bucket];
    const s = new Int32Array(size);
    const k = new Float64Array(size);
    let j = 0;
    for (let i = 0; i < n; i++) {
      if (bucketOf(keys[i]) === bucket) {
        s[j] = slots[i];
        k[j++] = keys[i];
      }
    }
    byKey(s, k, uuids, lo - before, hi - before, out);
  });
}

/** Appends the slots at ranks `a .. b-1` of `slots` by (key, uuid), sorting them all. */
function sortAll(
  slots: Int32Array,
  keys: Float64Array,
  uuids: TextColumn<string>,
  a: number,
  b: number,
  out: number[],
): void {
  const order = Array.from(slots.keys()).sort((i, j) =>
    keys[i] - keys[j] || compareText(uuids.get(slots[i]), uuids.get(slots[j]))
  );
  for (let r = a; r < b; r++) out.push(slots[order[r]]);
}

/**
 * Appends the slots at ranks `a .. b-1` of `slots` by uuid, every uuid sharing its first `depth`
 * characters with the others.
 */
function byText(
  slots: Int32Array,
  uuids: TextColumn<string>,
  depth: number,
  a: number,
  b: number,
  out: number[],
): void {
  const n = slots.length;
  if (n <= SMALL) {
    const ids = Array.from(slots, (slot) => uuids.get(slot));
    const order = Array.from(slots.keys()).sort((i, j) => compareText(ids[i], ids[j]));
    for (let r = a; r < b; r++) out.push(slots[order[r]]);
    return;
  }
  // Skip the characters every id shares in one pass (ids like `task-1234` share a long prefix).
  const first = uuids.get(slots[0]);
  let common = first.length;
  for (let i = 1; i < n && common > depth; i++) {
    const id = uuids.get(slots[i]);
    let j = depth;
    while (j < common && id.charCodeAt(j) === first.charCodeAt(j)) j++;
    common = j;
  }
  depth = common;
  // Bucket 0: the uuid ends here (it sorts first); otherwise its code unit at `depth`, plus one.
  const codes = new Int32Array(n);
  let top = 0;
  for (let i = 0; i < n; i++) {
    const id = uuids.get(slots[i]);
    const code = depth < id.length ? id.charCodeAt(depth) + 1 : 0;
    codes[i] = code;
    if (code > top) top = code;
  }
  const counts = new Int32Array(top + 1);
  for (let i = 0; i < n; i++) counts[codes[i]]++;
  // A character every id shares (a common prefix) narrows nothing: go on to the next one.
  if (counts[codes[0]] === n) return byText(slots, uuids, depth + 1, a, b, out);
  refine(counts, a, b, (bucket, lo, hi, before) => {
    const s = new Int32Array(counts[bucket]);
    let j = 0;
    for (let i = 0; i < n; i++) if (codes[i] === bucket) s[j++] = slots[i];
    // Ids are unique, so at most one ends here and the rest differ further on.
    byText(s, uuids, depth + 1, lo - before, hi - before, out);
  });
}

/**
 * Calls `visit(bucket, lo, hi, before)` in order for each bucket holding some of the ranks
 * `a .. b-1`: `lo .. hi-1` are the ranks it holds and `before` how many rank below the bucket.
 */
function refine(
  counts: Int32Array,
  a: number,
  b: number,
  visit: (bucket: number, lo: number, hi: number, before: number) => void,
): void {
  let before = 0;
  for (let bucket = 0; bucket < counts.length && before < b; bucket++) {
    const size = counts[bucket];
    const after = before + size;
    if (size > 0 && after > a) visit(bucket, Math.max(a, before), Math.min(b, after), before);
    before = after;
  }
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
