/**
 * Task search: Flower's query language (`flower/utils/search.py`, `docs/tasks_filter.rst`) and
 * Stalk's additions, documented in `docs/search.md`. Pure: `compileSearch` turns a query into a
 * `Search` the store can run (`TaskQuery.search`) or a `SearchError` saying what is wrong and where.
 */
import type { SearchNode } from "./ast.ts";
import { matchTask, type SearchableTask } from "./match_task.ts";
import { parseSearch } from "./parse.ts";
import { SearchError } from "./search_error.ts";

export type { SearchNode, Term } from "./ast.ts";
export type { SearchableTask } from "./match_task.ts";
export { SearchError } from "./search_error.ts";
export { MAX_QUERY_DEPTH, MAX_QUERY_LENGTH } from "./parse.ts";
export { MAX_QUERY_TOKENS } from "./tokenize.ts";
export { MIN_SUBSTRING_LENGTH } from "./parse_term.ts";

/** A valid query, compiled once and run against any number of tasks. */
export class Search {
  /** The query as given. */
  readonly query: string;
  /** Its tree; `{kind: "all"}` for an empty query. */
  readonly node: SearchNode;

  /** Use `compileSearch`. */
  constructor(query: string, node: SearchNode) {
    this.query = query;
    this.node = node;
  }

  /** True when the query is empty and so matches every task. */
  get matchesAll(): boolean {
    return this.node.kind === "all";
  }

  /** True when `task` matches (for tasks held as objects; the store has a faster path). */
  matches(task: SearchableTask): boolean {
    return matchTask(this.node, task);
  }
}

const cache = new Map<string, Search | SearchError>();
/** Queries remembered, as Flower's `lru_cache(512)`: a UI refreshing a page repeats its query. */
const CACHE_SIZE = 512;

/** Compiles `query`: a `Search`, or a `SearchError` to show (HTTP 400 in the API). */
export function compileSearch(query: string): Search | SearchError {
  const cached = cache.get(query);
  if (cached !== undefined) {
    cache.delete(query);
    cache.set(query, cached);
    return cached;
  }
  const node = parseSearch(query);
  const compiled = node instanceof SearchError ? node : new Search(query, node);
  cache.set(query, compiled);
  if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!);
  return compiled;
}
