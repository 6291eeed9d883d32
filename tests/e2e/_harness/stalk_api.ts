/** Typed reads of Stalk's live API for the e2e suites: tasks, worker status, polling for states. */

import { api } from "./api.ts";
import { waitFor } from "./wait.ts";

/** A task as `/api/tasks` and `/api/task/info/<id>` serialise it (the fields the suites read). */
export interface TaskView {
  uuid: string;
  name: string | null;
  state: string;
  args: string | null;
  kwargs: string | null;
  result: string | null;
  exception: string | null;
  traceback: string | null;
  runtime: number | null;
  worker?: string | null;
  client: string | null;
  sent: number | null;
  received: number | null;
  started: number | null;
  succeeded: number | null;
  failed: number | null;
  retried: number | null;
  revoked: number | null;
  retries: number | null;
  eta: string | null;
  timestamp: number | null;
  [field: string]: unknown;
}

/** `GET /api/tasks?<query>` as an ordered list of `[id, task]` pairs; throws unless 200. */
export async function listTasks(
  url: string,
  query: Record<string, string | number> = {},
): Promise<[string, TaskView][]> {
  const search = new URLSearchParams(
    Object.entries(query).map(([key, value]) => [key, String(value)]),
  );
  const response = await api<Record<string, TaskView>>(url, `/api/tasks?${search}`);
  if (response.status !== 200 || !response.json) {
    throw new Error(`GET /api/tasks?${search} answered ${response.status}: ${response.text}`);
  }
  return Object.entries(response.json);
}

/** `GET /api/task/info/<id>`, or undefined while Stalk does not know the task. */
export async function taskInfo(url: string, id: string): Promise<TaskView | undefined> {
  const response = await api<TaskView>(url, `/api/task/info/${encodeURIComponent(id)}`);
  if (response.status === 404) return undefined;
  if (response.status !== 200 || !response.json) {
    throw new Error(`GET /api/task/info/${id} answered ${response.status}: ${response.text}`);
  }
  return response.json;
}

/** Poll `/api/task/info/<id>` until the task is in one of `states`; returns it. */
export async function waitForTaskState(
  url: string,
  id: string,
  states: string | string[],
  timeout = 15_000,
): Promise<TaskView> {
  const wanted = Array.isArray(states) ? states : [states];
  let last: TaskView | undefined;
  try {
    return await waitFor(async () => {
      last = await taskInfo(url, id);
      return last && wanted.includes(last.state) ? last : undefined;
    }, { timeout, interval: 100, message: `task ${id} to be ${wanted.join(" or ")}` });
  } catch (error) {
    throw new Error(`${(error as Error).message}; task is ${JSON.stringify(last ?? "unknown")}`);
  }
}

/** Poll until every task in `ids` is in one of `states`. */
export async function waitForTaskStates(
  url: string,
  ids: string[],
  states: string | string[],
  timeout = 20_000,
): Promise<TaskView[]> {
  return await Promise.all(ids.map((id) => waitForTaskState(url, id, states, timeout)));
}

/** `GET /api/workers?status=true`: nodename → alive. */
export async function workerStatus(url: string): Promise<Record<string, boolean>> {
  const response = await api<Record<string, boolean>>(url, "/api/workers?status=true");
  if (response.status !== 200 || !response.json) {
    throw new Error(`GET /api/workers?status=true answered ${response.status}: ${response.text}`);
  }
  return response.json;
}
