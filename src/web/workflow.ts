/**
 * The workflow a task belongs to: the tree of its root, each task with its state, read from the
 * parent-child links that events carry (chains are paths, groups are siblings). Bounded, so a
 * workflow of a million tasks costs at most `MAX_NODES` lookups.
 */
import type { TaskJson } from "../state/types.ts";

/** One task in the tree. */
export interface WorkflowNode {
  uuid: string;
  name: string | null;
  state: string;
  retries: number | null;
  /** Not held: evicted, or never seen. */
  missing: boolean;
  children: WorkflowNode[];
  /** Children left out past the bound. */
  truncated: number;
}

/** Most tasks shown in one tree. */
export const MAX_NODES = 200;
const MAX_DEPTH = 32;

/**
 * The tree of `task`'s root, or undefined when the task stands alone (no parent, no child).
 * `lookup` reads a task by id.
 */
export function workflowOf(
  task: TaskJson,
  lookup: (uuid: string) => TaskJson | undefined,
): WorkflowNode | undefined {
  if (task.parent_id === null && task.children.length === 0 && task.root_id === task.uuid) {
    return undefined;
  }
  if (task.parent_id === null && task.children.length === 0 && task.root_id === null) {
    return undefined;
  }
  // Walk up through parents when the root is not known.
  let rootId = task.root_id ?? task.uuid;
  if (task.root_id === null) {
    let up: TaskJson | undefined = task;
    for (let i = 0; up?.parent_id && i < MAX_DEPTH; i++) {
      rootId = up.parent_id;
      up = lookup(up.parent_id);
    }
  }
  let budget = MAX_NODES;
  const seen = new Set<string>();
  const build = (uuid: string, depth: number): WorkflowNode => {
    budget--;
    seen.add(uuid);
    const found = uuid === task.uuid ? task : lookup(uuid);
    const node: WorkflowNode = {
      uuid,
      name: found?.name ?? null,
      state: found?.state ?? "PENDING",
      retries: found?.retries ?? null,
      missing: found === undefined,
      children: [],
      truncated: 0,
    };
    for (const child of found?.children ?? []) {
      if (seen.has(child)) continue;
      if (budget <= 0 || depth >= MAX_DEPTH) {
        node.truncated++;
        continue;
      }
      node.children.push(build(child, depth + 1));
    }
    return node;
  };
  return build(rootId, 0);
}
