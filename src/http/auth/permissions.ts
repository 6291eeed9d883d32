/**
 * Which role each route needs, in one table. Reads need a viewer; Flower's task actions (and
 * the task page's revoke and abort form) need an operator; everything else that changes the cluster (worker shutdown, pool and queue actions,
 * and any write route not named here) needs an admin, so a new route is closed by default.
 */
import type { Role } from "./identity.ts";

const READS = new Set(["GET", "HEAD", "OPTIONS"]);

/** Signing in and out change nobody's tasks: anyone may post to them. */
const SESSION_PATHS = new Set(["/login", "/logout"]);

/** The task actions an operator may call: `POST /api/task/<action>/...`. */
export const OPERATOR_TASK_ACTIONS: readonly string[] = [
  "apply",
  "async-apply",
  "send-task",
  "revoke",
  "abort",
  "rate-limit",
  "timeout",
];

/** The API's task actions, and the task page's form (revoke, terminate, abort). */
const OPERATOR_PATH = new RegExp(`^/api/task/(${OPERATOR_TASK_ACTIONS.join("|")})/|^/task/.`);

/** The role a request with `method` on `path` needs. */
export function requiredRole(method: string, path: string): Role {
  if (READS.has(method.toUpperCase()) || SESSION_PATHS.has(path)) return "viewer";
  if (OPERATOR_PATH.test(path)) return "operator";
  return "admin";
}
