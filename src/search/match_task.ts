/**
 * The meaning of a search, applied to one task as the API serialises it. This is the reference:
 * the store evaluates the same tree over its columns and indexes (`src/state/search_plan.ts`),
 * and tests hold the two to the same answers. Also usable wherever tasks are plain objects.
 */
import { literalDictItems } from "../celery/python_literal.ts";
import type { NumberField, SearchNode, Term, TextField, TimeField } from "./ast.ts";
import { fold } from "./fold.ts";

/**
 * What a search reads of a task: the fields of the API's task JSON (`TaskJson` in
 * `src/state/types.ts`) it can name. Declared here, so the language does not depend on the store.
 */
export type SearchableTask =
  & Record<"uuid" | "state", string>
  & Record<TextField | "root_id" | "parent_id", string | null>
  & Record<TimeField | NumberField, number | null>;

/** True when `task` satisfies `node`. */
export function matchTask(node: SearchNode, task: SearchableTask): boolean {
  switch (node.kind) {
    case "all":
      return true;
    case "and":
      return node.children.every((child) => matchTask(child, task));
    case "or":
      return node.children.some((child) => matchTask(child, task));
    case "not":
      return !matchTask(node.child, task);
    default:
      return matchTerm(node, task);
  }
}

/** The fields a plain term looks in, as Flower's `SearchDocument.all_text`. */
export const PLAIN_FIELDS = [
  "uuid",
  "name",
  "state",
  "worker",
  "args",
  "kwargs",
  "result",
] as const;

function matchTerm(term: Term, task: SearchableTask): boolean {
  switch (term.kind) {
    case "text":
      if (term.field !== null) return fold(task[term.field] ?? "").includes(term.value);
      return PLAIN_FIELDS.some((field) => fold(task[field] ?? "").includes(term.value));
    case "state":
      return fold(task.state) === term.value;
    case "pair":
      return kwargsPairs(task.kwargs).has(term.pair);
    case "uuid":
      return fold(task.uuid).startsWith(term.value);
    case "root":
      return task.uuid === term.id || task.root_id === term.id;
    case "parent":
      return task.parent_id === term.id;
    case "compare": {
      const value = task[term.field];
      if (value === null) return false;
      return (term.lowInclusive ? value >= term.low : value > term.low) &&
        (term.highInclusive ? value <= term.high : value < term.high);
    }
  }
}

/** The folded `key=value` pairs of a kwargs repr, as Flower's `_kwargs_pairs`. */
export function kwargsPairs(kwargs: string | null): Set<string> {
  const items = kwargs === null ? null : literalDictItems(kwargs);
  const pairs = new Set<string>();
  if (items) { for (const [key, value] of items) pairs.add(`${fold(key)}=${fold(value)}`); }
  return pairs;
}
