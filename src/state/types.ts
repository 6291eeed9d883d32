import type { SearchNode } from "../search/ast.ts";

/**
 * Public shapes of the event state: what the ingest pipeline feeds in and what the HTTP layer
 * reads out. The store behind them lives in this folder.
 */

/**
 * One Celery event after decoding and validation (`src/celery/events.ts`) and after the
 * receiver's clock handling (`src/ingest/receiver.ts`): `clock` is set, `timestamp` is localised
 * and `local_received` is the receiver's own time in epoch seconds.
 */
export interface CeleryEvent {
  type: string;
  hostname: string;
  timestamp: number;
  clock: number;
  local_received: number;
  [field: string]: unknown;
}

/** A task as Flower serialises it (`celery.events.state.Task.as_dict`). */
export interface TaskJson {
  uuid: string;
  name: string | null;
  state: string;
  received: number | null;
  sent: number | null;
  started: number | null;
  rejected: number | null;
  succeeded: number | null;
  failed: number | null;
  retried: number | null;
  revoked: number | null;
  args: string | null;
  kwargs: string | null;
  eta: string | null;
  expires: string | null;
  retries: number | null;
  worker: string | null;
  result: string | null;
  exception: string | null;
  timestamp: number | null;
  runtime: number | null;
  traceback: string | null;
  exchange: string | null;
  routing_key: string | null;
  clock: number | null;
  client: string | null;
  /** Celery serialises the `root` and `parent` links as their ids, held or not. */
  root: string | null;
  root_id: string | null;
  parent: string | null;
  parent_id: string | null;
  children: string[];
}

/** Keys `GET /api/tasks` can sort by. */
export type TaskSortKey = "name" | "state" | "received" | "started";

/** A task listing request, already validated. Name, worker and state match case-insensitively. */
export interface TaskQuery {
  /** Page size; undefined means every match. */
  limit?: number;
  /** Matches to skip before the page starts. */
  offset: number;
  /** Without a sort key the newest-updated task comes first. */
  sortBy?: TaskSortKey;
  descending: boolean;
  workername?: string;
  taskname?: string;
  state?: string;
  /** Inclusive bounds on `received`, epoch seconds. */
  receivedStart?: number;
  receivedEnd?: number;
  /** A compiled search query (`compileSearch`), combined with the filters above. */
  search?: CompiledSearch;
}

/** A worker as seen through events (`celery.events.state.Worker`). */
export interface WorkerJson {
  hostname: string;
  pid: number | null;
  freq: number;
  heartbeats: number[];
  clock: number | null;
  active: number | null;
  processed: number | null;
  loadavg: number[] | null;
  sw_ident: string | null;
  sw_ver: string | null;
  sw_sys: string | null;
  timestamp: number | null;
  status: boolean;
}

/**
 * What the store needs of a compiled search (`Search` in `src/search/mod.ts`); declared here so
 * that the state does not import the module that imports its task shape.
 */
export interface CompiledSearch {
  readonly query: string;
  readonly node: SearchNode;
  readonly matchesAll: boolean;
}
