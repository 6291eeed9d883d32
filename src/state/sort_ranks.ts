/**
 * A sorted page read by rank (`rank_select.ts`) instead of through a bounded heap: for deep pages,
 * where the heap would hold `offset + limit` slots, and for name and state sorts, where a whole
 * group shares one key and its uuids decide. Keys are the heap's (`sort.ts`): times with null
 * as -Infinity, names and states as the rank of their lower-cased value with none first.
 */
import { NONE } from "./intern.ts";
import type { QueryPlan } from "./query_plan.ts";
import { selectByUuid, selectRanks } from "./rank_select.ts";
import { groupsByFolded } from "./sort.ts";
import type { TaskStore } from "./task_store.ts";
import type { TaskSortKey } from "./types.ts";

/** Pages ending past this many matches are read by rank; before it, the heap is cheaper. */
const DEEP = 2048;
/** Largest page read by rank (a page, not a whole listing). */
const PAGE = 1000;

/** True when the page `offset .. offset+limit` of `plan` under `sortBy` is cheaper by rank. */
export function readsByRank(
  plan: QueryPlan,
  sortBy: TaskSortKey,
  offset: number,
  limit: number,
): boolean {
  if (!(limit <= PAGE)) return false;
  if (offset + limit > DEEP) return true;
  return (sortBy === "name" || sortBy === "state") && plan.size > DEEP;
}

/** The slots of the page `offset .. offset+limit` of `plan` under `sortBy`, in order. */
export function selectPage(
  store: TaskStore,
  plan: QueryPlan,
  sortBy: TaskSortKey,
  descending: boolean,
  offset: number,
  limit: number,
): number[] {
  const { lists, filtered, matches } = plan;
  if ((sortBy === "name" || sortBy === "state") && lists === store.index.all && !filtered) {
    const page = byGroups(store, sortBy, descending, offset, limit);
    if (page !== undefined) return page;
  }
  const slots = new Int32Array(plan.size);
  const keys = new Float64Array(plan.size);
  const keyOf = keyReader(store, sortBy);
  let n = 0;
  if (lists === store.index.all) {
    // Every held slot, in slot order: sequential reads instead of a walk through the links.
    for (let slot = 0; slot < store.size; slot++) {
      if (filtered && !matches(slot)) continue;
      slots[n] = slot;
      keys[n++] = keyOf(slot);
    }
  } else {
    for (let slot = lists.head(plan.key); slot !== NONE; slot = lists.next(slot)) {
      if (filtered && !matches(slot)) continue;
      slots[n] = slot;
      keys[n++] = keyOf(slot);
    }
  }
  return selectRanks(slots, keys, n, store.cols.uuid, descending, offset, offset + limit);
}

/**
 * Every task listed by name or state: whole groups of one lower-cased value are counted from
 * their index sizes and skipped, and only the groups holding the page are read and ranked by
 * uuid. Undefined when some task has no value (it is in no index list, and ranks first).
 */
function byGroups(
  store: TaskStore,
  sortBy: "name" | "state",
  descending: boolean,
  offset: number,
  limit: number,
): number[] | undefined {
  const [table, lists] = sortBy === "name"
    ? [store.names, store.index.byName]
    : [store.states, store.index.byState];
  const groups = groupsByFolded(table);
  const sizes = groups.map((group) => group.reduce((sum, id) => sum + lists.size(id), 0));
  const count = sizes.reduce((sum, size) => sum + size, 0);
  if (count < store.size) return undefined;
  const end = Math.min(count, offset + limit);
  if (end <= offset) return [];
  // Ranks in ascending order; a descending page is the mirror range read backwards.
  const [a, b] = descending ? [count - end, count - offset] : [offset, end];
  const page: number[] = [];
  let before = 0;
  for (let g = 0; g < groups.length && before < b; g++) {
    const after = before + sizes[g];
    if (after > a) {
      const slots = new Int32Array(sizes[g]);
      let n = 0;
      for (const id of groups[g]) {
        for (let slot = lists.head(id); slot !== NONE; slot = lists.next(slot)) slots[n++] = slot;
      }
      const lo = Math.max(a, before) - before;
      const hi = Math.min(b, after) - before;
      page.push(...selectByUuid(slots, store.cols.uuid, false, lo, hi));
    }
    before = after;
  }
  return descending ? page.reverse() : page;
}

function keyReader(store: TaskStore, sortBy: TaskSortKey): (slot: number) => number {
  if (sortBy === "received" || sortBy === "started") {
    const times = store.cols[sortBy];
    return (slot) => {
      const time = times[slot];
      return time === time ? time : -Infinity;
    };
  }
  const [table, ids] = sortBy === "name"
    ? [store.names, store.cols.name]
    : [store.states, store.cols.state];
  const rank = new Float64Array(table.idLimit);
  groupsByFolded(table).forEach((group, r) => group.forEach((id) => rank[id] = r));
  return (slot) => {
    const id = ids[slot];
    return id === NONE ? -1 : rank[id];
  };
}
