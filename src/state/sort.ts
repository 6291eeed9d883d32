/**
 * Sorted listings (Flower's `sort_by`): key (has value, value, uuid); tasks without the field
 * come first ascending, and descending reverses the whole order. Names and states compare
 * lower-cased, `received` and `started` as numbers.
 *
 * Each candidate is reduced to one float key (null -> -Infinity, negated when descending) and
 * offered to a bounded heap, which touches uuids only on ties. Time sorts read the store block
 * by block in the order of the column's zone map (`time_zones.ts`) and stop early; names and
 * states have few distinct values and huge ties, so they are read group by group from their
 * indexes instead.
 */
import { type Interner, NONE } from "./intern.ts";
import type { QueryPlan } from "./query_plan.ts";
import type { RecencyLists } from "./task_index.ts";
import type { TaskStore } from "./task_store.ts";
import { type TimeZones, ZONE_SHIFT, ZONE_SLOTS } from "./time_zones.ts";
import { TopK } from "./top_k.ts";
import type { TaskSortKey } from "./types.ts";

/** The first `k` matches of `plan` under `sortBy`, in order. */
export function selectSorted(
  store: TaskStore,
  plan: QueryPlan,
  sortBy: TaskSortKey,
  descending: boolean,
  k: number,
): number[] {
  const uuids = store.cols.uuid;
  const top = new TopK(
    Math.min(k, plan.size),
    descending
      ? (a, b) => compareText(uuids.get(b), uuids.get(a))
      : (a, b) => compareText(uuids.get(a), uuids.get(b)),
  );
  if (sortBy === "received" || sortBy === "started") {
    const times = store.cols[sortBy];
    // Reading blocks in zone order finds k matches after about k * size / plan.size slots;
    // walking the plan's list costs plan.size. Pick the cheaper.
    if (plan.lists === store.index.all || plan.size * plan.size > k * store.size) {
      offerZones(store, plan, top, times, store.zones[sortBy], descending);
    } else {
      offerList(store, plan, top, times, null, descending);
    }
    return top.drain();
  }
  const [table, ids, lists] = sortBy === "name"
    ? [store.names, store.cols.name, store.index.byName]
    : [store.states, store.cols.state, store.index.byState];
  const groups = groupsByFolded(table);
  // Walking the groups beats walking the plan's list unless a filter already narrowed it.
  if (plan.lists === store.index.all) {
    if (offerGroups(store, plan, top, lists, groups, descending)) return top.drain();
  }
  const rank = new Float64Array(table.idLimit);
  groups.forEach((group, r) => group.forEach((id) => rank[id] = r));
  offerList(store, plan, top, ids, rank, descending);
  return top.drain();
}

/**
 * Every task matching the plan, keyed by a time column, read block by block in the order of the
 * column's zone map, until no block left can hold a better key than the worst one kept.
 */
function offerZones(
  store: TaskStore,
  plan: QueryPlan,
  top: TopK,
  times: Float64Array,
  zones: TimeZones,
  descending: boolean,
): void {
  const n = store.size;
  const { matchesAll, filteredAll } = plan;
  let bound = top.bound;
  for (const block of zones.order(n, descending)) {
    // Keys are -time when descending: a block whose highest time is below -bound cannot win,
    // nor can any later one. Equal keys may still win on the uuid, so they are read.
    if (descending ? zones.hi(block) < -bound : zones.lo(block) > bound) break;
    const start = block << ZONE_SHIFT;
    const end = Math.min(start + ZONE_SLOTS, n);
    let hi = -Infinity;
    let lo = Infinity;
    for (let slot = start; slot < end; slot++) {
      let key = times[slot];
      if (key !== key) key = -Infinity; // NaN is null
      if (key > hi) hi = key;
      if (key < lo) lo = key;
      if (descending) key = -key;
      // Most candidates lose to the worst slot kept; reject them before the filter.
      if (key <= bound && (!filteredAll || matchesAll(slot))) {
        top.offer(slot, key);
        bound = top.bound;
      }
    }
    zones.reset(block, hi, lo);
  }
}

/**
 * The plan's candidates, keyed by a time column or, with `rank`, by the rank of an id column.
 * Least recently updated first when ascending, most when descending: likely winners first.
 */
function offerList(
  store: TaskStore,
  plan: QueryPlan,
  top: TopK,
  column: Float64Array | Int32Array,
  rank: Float64Array | null,
  descending: boolean,
): void {
  const { lists, matches, filtered } = plan;
  const ring = lists === store.index.all;
  const n = store.size;
  let age = 0;
  let slot = ring
    ? (n === 0 ? NONE : store.slotByAge(descending ? n - 1 : 0))
    : (descending ? lists.head(plan.key) : lists.tail(plan.key));
  let bound = top.bound;
  while (slot !== NONE) {
    if (!filtered || matches(slot)) {
      let key = column[slot];
      if (rank !== null) key = key === NONE ? -1 : rank[key];
      else if (key !== key) key = -Infinity;
      if (descending) key = -key;
      if (key <= bound) {
        top.offer(slot, key);
        bound = top.bound;
      }
    }
    if (ring) {
      age++;
      slot = age >= n ? NONE : store.slotByAge(descending ? n - 1 - age : age);
    } else {
      slot = descending ? lists.next(slot) : lists.prev(slot);
    }
  }
}

/**
 * Offers whole groups in sort order until `top` is full; a later group cannot beat an earlier
 * one. Returns false, having offered nothing, when tasks without a value exist and would have to
 * be placed (they are in no index list).
 */
function offerGroups(
  store: TaskStore,
  plan: QueryPlan,
  top: TopK,
  lists: RecencyLists,
  groups: number[][],
  descending: boolean,
): boolean {
  let indexed = 0;
  for (const group of groups) for (const id of group) indexed += lists.size(id);
  if (indexed < store.size) return false;
  const { matchesAll, filteredAll } = plan;
  let wanted = top.capacity;
  for (let g = 0; g < groups.length && wanted > 0; g++) {
    const r = descending ? groups.length - 1 - g : g;
    const key = descending ? -r : r;
    let taken = 0;
    for (const id of groups[r]) {
      for (let slot = lists.head(id); slot !== NONE; slot = lists.next(slot)) {
        if (filteredAll && !matchesAll(slot)) continue;
        top.offer(slot, key);
        taken++;
      }
    }
    wanted -= taken;
  }
  return true;
}

/** Live ids grouped by lower-cased value, groups in ascending order of that value. */
export function groupsByFolded(table: Interner): number[][] {
  const ids = table.ids().sort((a, b) => compareText(table.folded(a), table.folded(b)));
  const groups: number[][] = [];
  for (let i = 0; i < ids.length; i++) {
    if (i > 0 && table.folded(ids[i]) === table.folded(ids[i - 1])) groups.at(-1)!.push(ids[i]);
    else groups.push([ids[i]]);
  }
  return groups;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
