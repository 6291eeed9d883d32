/**
 * What the web UI reads and calls, as narrow interfaces: the pages take the real services in
 * production and small fakes or a real `State` in tests.
 */
import { randomBytes } from "node:crypto";
import type { TransportStatus } from "../broker/transport.ts";
import type { TaskColumn } from "../config.ts";
import type { RefreshOptions, WorkerInfo } from "../control/inspector.ts";
import type { WorkerActions } from "../control/worker_control.ts";
import type { TaskRunner } from "../tasks/task_runner.ts";
import type { LiveStreams } from "./live.ts";
import type { WorkerCounts } from "../state/worker_counts.ts";
import type { CompiledSearch, TaskJson, TaskQuery, WorkerJson } from "../state/types.ts";

/** A queue as the broker page reads it: a name and whichever counts the source gives. */
export interface BrokerQueue {
  name: string;
}

/** What the pages read from the event state. */
export interface WebStateReader {
  task(uuid: string): TaskJson | undefined;
  tasks(query: TaskQuery): TaskJson[];
  countTasks(query: TaskQuery): number;
  /** Builds what a search reads without holding the event loop (optional: see `State`). */
  prepareSearch?(search: CompiledSearch): Promise<void>;
  taskTypes(): string[];
  workers(): WorkerJson[];
  worker(hostname: string): WorkerJson | undefined;
  readonly taskCount: number;
}

/** Task counts per worker from events (Flower's processed, failed, succeeded, retried). */
export interface WorkerCountsReader {
  get(hostname: string): WorkerCounts;
}

/** What the pages read from the worker-info cache. */
export interface WebInspector {
  all(): Record<string, WorkerInfo>;
  get(name: string): WorkerInfo | undefined;
  refresh(name?: string, options?: RefreshOptions): Promise<void>;
}

/** The control actions the pages offer: the same as the API's. */
export type WebControl = WorkerActions;

/** Sending and aborting tasks from the task page. */
export type WebTaskService = Pick<TaskRunner, "abort" | "send" | "requireBackend">;

/** The options the pages follow. */
export interface WebOptions {
  /** Without slashes around; empty for the root. */
  urlPrefix: string;
  autoRefresh: boolean;
  naturalTime: boolean;
  tasksColumns: TaskColumn[];
  readOnly: boolean;
  /**
   * Whether actions may be offered at all: the same rule as the API gate (credentials are
   * required, or the operator opened the API without them).
   */
  actionsOpen: boolean;
  /** The broker URL with its password masked. */
  broker: string;
  /** Signs the forms' anti-forgery tokens. */
  secret: Uint8Array;
}

/** Everything the web UI needs. */
export interface WebDeps {
  options: WebOptions;
  state: WebStateReader;
  counts: WorkerCountsReader;
  inspector: WebInspector;
  control: WebControl;
  tasks?: WebTaskService;
  /** Stalk's own counts, or the management API's queue objects with `--broker_api`. */
  queueLengths(): Promise<readonly BrokerQueue[]>;
  health(): TransportStatus;
  /** Current time in epoch seconds. */
  now(): number;
  /** The live streams; without them pages do not update themselves. */
  live?: LiveStreams;
}

/** What the composition root hands {@linkcode createWebDeps}. */
export type WebDepsInput =
  & Omit<WebDeps, "options" | "now" | "counts">
  & Partial<Pick<WebDeps, "now" | "counts">>
  & { options: Omit<WebOptions, "secret"> & { secret?: Uint8Array } };

const NO_COUNTS = { processed: 0, succeeded: 0, failed: 0, retried: 0 };

/** Fills in the defaults: a fresh form-signing secret, the system clock, zero counts. */
export function createWebDeps(input: WebDepsInput): WebDeps {
  return {
    ...input,
    options: { ...input.options, secret: input.options.secret ?? randomBytes(32) },
    counts: input.counts ?? { get: () => NO_COUNTS },
    now: input.now ?? (() => Date.now() / 1000),
  };
}
