/** The parsed search query: a tree of boolean nodes over terms. Plain data, no store access. */
import type { TaskTimeField } from "../celery/events.ts";

/** Fields a substring qualifier can name; `null` in a `TextTerm` means Flower's plain term. */
export type TextField = "name" | "worker" | "args" | "kwargs" | "result" | "exception";

/** Epoch-second time fields that comparisons accept: every time a task has. */
export type TimeField = TaskTimeField;

/** Numeric fields that comparisons accept. */
export type NumberField = "runtime" | "retries" | "clock";

/**
 * Case-insensitive substring (`value` is folded): in `field`, or with `field` null in any of
 * uuid, name, state, worker, args, kwargs and result, as Flower's plain terms.
 */
export interface TextTerm {
  kind: "text";
  field: TextField | null;
  value: string;
}

/** `state:X`: the folded state equals `value`. */
export interface StateTerm {
  kind: "state";
  value: string;
}

/** `kwargs:key=value`: an exact pair `key=value` (folded) among the task's keyword arguments. */
export interface PairTerm {
  kind: "pair";
  pair: string;
}

/** `uuid:prefix`: the folded task id starts with `value`. */
export interface UuidTerm {
  kind: "uuid";
  value: string;
}

/** `root:id` (every task of the workflow: the root and all with that root id) or `parent:id`. */
export interface LinkTerm {
  kind: "root" | "parent";
  id: string;
}

/**
 * `field op value` on a number or time, as the range it selects: a task without the field (null)
 * never matches.
 */
export interface CompareTerm {
  kind: "compare";
  field: TimeField | NumberField;
  low: number;
  lowInclusive: boolean;
  high: number;
  highInclusive: boolean;
}

/** Any term. */
export type Term = TextTerm | StateTerm | PairTerm | UuidTerm | LinkTerm | CompareTerm;

/** A query node; `all` is the empty query. */
export type SearchNode =
  | { kind: "all" }
  | { kind: "and"; children: SearchNode[] }
  | { kind: "or"; children: SearchNode[] }
  | { kind: "not"; child: SearchNode }
  | Term;
