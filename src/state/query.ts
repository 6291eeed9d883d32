/**
 * Task listing (`GET /api/tasks`, Flower's `TaskSearchEngine.search` without free-text search):
 * exact case-insensitive filters, an inclusive `received` range, an optional sort and a page.
 * Without a sort key the list walked is already in the answer's order (newest-updated first), so
 * a page costs O(offset + limit) matches; with one, a bounded heap keeps offset + limit slots.
 */
import { NONE } from "./intern.ts";
import { planQuery, type QueryPlan } from "./query_plan.ts";
import { selectSorted } from "./sort.ts";
import { readsByRank, selectPage } from "./sort_ranks.ts";
import type { TaskStore } from "./task_store.ts";
import type { TaskJson, TaskQuery } from "./types.ts";

/** The page of tasks `query` asks for, in order. */
export function queryTasks(store: TaskStore, query: TaskQuery): TaskJson[] {
  return querySlots(store, query).map((slot) => store.toJson(slot));
}

/**
 * The tasks `query` selects, serialised one by one as the caller pulls them. Which tasks, and in
 * what order, is settled when the sequence starts; each task is read when it is reached, so it
 * shows its state at that moment, and one evicted in between is left out. Walking the indexes
 * lazily instead would be unsafe: ingest moves tasks between lists while a client reads.
 */
export function* iterateTasks(store: TaskStore, query: TaskQuery): Generator<TaskJson> {
  const slots = querySlots(store, query);
  const uuids = store.cols.uuid;
  const ids = slots.map((slot) => uuids.get(slot));
  for (let i = 0; i < slots.length; i++) {
    const slot = slots[i];
    if (uuids.get(slot) === ids[i]) yield store.toJson(slot);
  }
}

/** Slots of the page `query` asks for, in order. */
export function querySlots(store: TaskStore, query: TaskQuery): number[] {
  const plan = planQuery(store, query);
  const offset = Math.max(0, Math.floor(query.offset || 0));
  const limit = query.limit === undefined || Number.isNaN(query.limit)
    ? Infinity
    : Math.max(0, Math.floor(query.limit));
  if (!plan || limit === 0) return [];
  if (query.sortBy === undefined) return walkPage(plan, offset, limit);
  if (readsByRank(plan, query.sortBy, offset, limit)) {
    return selectPage(store, plan, query.sortBy, query.descending, offset, limit);
  }
  return selectSorted(store, plan, query.sortBy, query.descending, offset + limit).slice(offset);
}

/** How many tasks `query`'s filters select, ignoring paging. O(1) with at most one filter. */
export function countTasks(store: TaskStore, query: TaskQuery): number {
  const plan = planQuery(store, query);
  if (!plan) return 0;
  if (!plan.filtered) return plan.size;
  let count = 0;
  for (let slot = plan.lists.head(plan.key); slot !== NONE; slot = plan.lists.next(slot)) {
    if (plan.matches(slot)) count++;
  }
  return count;
}

/** The page in list order: newest-updated first. */
function walkPage(plan: QueryPlan, offset: number, limit: number): number[] {
  const page: number[] = [];
  let skip = offset;
  const { lists, matches, filtered } = plan;
  for (let slot = lists.head(plan.key); slot !== NONE; slot = lists.next(slot)) {
    if (filtered && !matches(slot)) continue;
    if (skip > 0) {
      skip--;
      continue;
    }
    page.push(slot);
    if (page.length >= limit) break;
  }
  return page;
}
