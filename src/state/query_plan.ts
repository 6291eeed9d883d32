/**
 * Planning a task listing: resolve the exact filters to interned ids, bind the search, and pick
 * the cheapest list to walk: the recency list of the filter or top-level search term with the
 * fewest tasks, or every task.
 */
import type { Interner } from "./intern.ts";
import { bindSearch } from "./search_plan.ts";
import type { RecencyLists } from "./task_index.ts";
import type { SlotLists } from "./slot_list.ts";
import { ALL } from "./task_index.ts";
import type { TaskStore } from "./task_store.ts";
import type { TaskQuery } from "./types.ts";

/** Which list to walk and what to check on each slot in it. */
export interface QueryPlan {
  /** The list family walked, under `key`. */
  lists: SlotLists;
  key: number;
  /** Slots in that list: an upper bound on the matches. */
  size: number;
  /** False when every slot in the list matches, so `matches` need not be called. */
  filtered: boolean;
  /** The remaining filters, the received range and the search. */
  matches: (slot: number) => boolean;
  /** Every filter, the range and the search, for walking some other list. */
  matchesAll: (slot: number) => boolean;
  /** False when the query has no filter, no range and no search at all. */
  filteredAll: boolean;
}

/** The value of `taskname`, `workername` or `state` that means "no filter", as in Flower. */
export const ANY = "All";

type SlotTest = (slot: number) => boolean;

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
  const search = query.search && !query.search.matchesAll
    ? bindSearch(store, query.search)
    : undefined;
  if (search?.never) return null;
  // Walk the shortest single-value list. Values that differ only in case (rare) fall back to
  // all tasks with a per-slot check, which is correct, only slower. A list chosen for a search
  // term is walked with the whole search still tested on each slot.
  let lists: SlotLists = index.all;
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
  let exact = false;
  for (const narrowing of search?.narrowings ?? []) {
    if (narrowing.size >= size) continue;
    ({ lists, key, size, exact } = narrowing);
    chosen = undefined;
  }
  const checks = filters.filter((f) => f !== chosen);
  const ranged = query.receivedStart !== undefined || query.receivedEnd !== undefined;
  const test = search?.test;
  // On a list that holds exactly the search's matches, only the other filters are checked.
  const listTest = exact ? undefined : test;
  const matches = matcher(checks, ranged, query, cols.received, listTest);
  const matchesAll = checks.length < filters.length || exact
    ? matcher(filters, ranged, query, cols.received, test)
    : matches;
  return {
    lists,
    key,
    size,
    filtered: checks.length > 0 || ranged || listTest !== undefined,
    matches,
    matchesAll,
    filteredAll: filters.length > 0 || ranged || test !== undefined,
  };
}

function matcher(
  checks: Filter[],
  ranged: boolean,
  query: TaskQuery,
  received: Float64Array,
  search: SlotTest | undefined,
): (slot: number) => boolean {
  // The search alone is the common case of a search listing; spare each slot a wrapper.
  if (checks.length === 0 && !ranged && search !== undefined) return search;
  const start = query.receivedStart ?? -Infinity;
  const end = query.receivedEnd ?? Infinity;
  return (slot) => {
    for (let c = 0; c < checks.length; c++) {
      const { column, ids } = checks[c];
      const id = column[slot];
      if (ids.length === 1 ? id !== ids[0] : !ids.includes(id)) return false;
    }
    // Flower keeps tasks that were never received in a received range.
    const at = received[slot];
    if (ranged && !Number.isNaN(at) && (at < start || at > end)) return false;
    return search === undefined || search(slot);
  };
}
