/**
 * Planning a task listing: resolve the exact filters to interned ids and pick the cheapest list
 * to walk, the recency list of the filter with the fewest tasks, or every task.
 */
import type { Interner } from "./intern.ts";
import type { RecencyLists } from "./task_index.ts";
import { ALL } from "./task_index.ts";
import type { TaskStore } from "./task_store.ts";
import type { TaskQuery } from "./types.ts";

/** Which list to walk and what to check on each slot in it. */
export interface QueryPlan {
  /** The list family walked, under `key`. */
  lists: RecencyLists;
  key: number;
  /** Slots in that list: an upper bound on the matches. */
  size: number;
  /** False when every slot in the list matches, so `matches` need not be called. */
  filtered: boolean;
  /** The remaining filters and the received range. */
  matches: (slot: number) => boolean;
  /** Every filter and the range, for walking some other list. */
  matchesAll: (slot: number) => boolean;
  /** False when the query has no filter and no range at all. */
  filteredAll: boolean;
}

/** The value of `taskname`, `workername` or `state` that means "no filter", as in Flower. */
export const ANY = "All";

interface Filter {
  column: Int32Array;
  ids: readonly number[];
  lists: RecencyLists;
}

/** Plans `query`; null when a filter names a value no held task has, so nothing matches. */
export function planQuery(store: TaskStore, query: TaskQuery): QueryPlan | null {
  const { cols, index } = store;
  const filters: Filter[] = [];
  const given: [string | undefined, Interner, Int32Array, RecencyLists][] = [
    [query.taskname, store.names, cols.name, index.byName],
    [query.state, store.states, cols.state, index.byState],
    [query.workername, store.hosts, cols.worker, index.byWorker],
  ];
  for (const [value, table, column, lists] of given) {
    if (value === undefined || value === ANY) continue;
    const ids = table.matching(value);
    if (ids.length === 0) return null;
    filters.push({ column, ids, lists });
  }
  // Walk the shortest single-value list. Values that differ only in case (rare) fall back to
  // all tasks with a per-slot check, which is correct, only slower.
  let lists = index.all;
  let key = ALL;
  let size = store.size;
  let chosen: Filter | undefined;
  for (const filter of filters) {
    if (filter.ids.length !== 1) continue;
    const length = filter.lists.size(filter.ids[0]);
    if (chosen && length >= size) continue;
    lists = filter.lists;
    key = filter.ids[0];
    size = length;
    chosen = filter;
  }
  const checks = filters.filter((f) => f !== chosen);
  const ranged = query.receivedStart !== undefined || query.receivedEnd !== undefined;
  const matches = matcher(checks, ranged, query, cols.received);
  const matchesAll = chosen ? matcher(filters, ranged, query, cols.received) : matches;
  return {
    lists,
    key,
    size,
    filtered: checks.length > 0 || ranged,
    matches,
    matchesAll,
    filteredAll: filters.length > 0 || ranged,
  };
}

function matcher(
  checks: Filter[],
  ranged: boolean,
  query: TaskQuery,
  received: Float64Array,
): (slot: number) => boolean {
  const start = query.receivedStart ?? -Infinity;
  const end = query.receivedEnd ?? Infinity;
  return (slot) => {
    for (const { column, ids } of checks) {
      const id = column[slot];
      if (ids.length === 1 ? id !== ids[0] : !ids.includes(id)) return false;
    }
    // Flower keeps tasks that were never received in a received range.
    const at = received[slot];
    return !ranged || Number.isNaN(at) || (at >= start && at <= end);
  };
}
