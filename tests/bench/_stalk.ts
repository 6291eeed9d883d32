/**
 * Stalk under benchmark, and what the benchmark asks its HTTP API: when it has caught up with a
 * flood, and whether it holds every event that was published. Only Flower's own routes are used,
 * so the check works on any build; each count is an `offset` probe, O(tasks) at worst.
 */
import { type Stalk, startStalk } from "../e2e/_harness/stalk.ts";
import { sleep } from "../e2e/_harness/wait.ts";
import type { FloodTotals } from "./_flood.ts";

/** Where Stalk comes from: the shipped binary (`dist/stalk`) or `deno run main.ts`. */
export type StalkBuild = { kind: "binary"; path: string } | { kind: "source" };

/** Starts Stalk on `brokerUrl` holding at most `maxTasks` tasks. */
export async function launchStalk(
  build: StalkBuild,
  brokerUrl: string,
  maxTasks: number,
): Promise<Stalk> {
  if (build.kind === "binary") process.env.STALK_BIN = build.path;
  else delete process.env.STALK_BIN;
  return await startStalk({
    brokerUrl,
    args: [`--max_tasks=${maxTasks}`, "--logging=warn"],
  });
}

/** GET `path` as JSON; throws unless 200. */
export async function getJson<T>(url: string, path: string): Promise<T> {
  const response = await fetch(url + path);
  const text = await response.text();
  if (response.status !== 200) {
    throw new Error(`GET ${path} answered ${response.status}: ${text.slice(0, 200)}`);
  }
  return JSON.parse(text) as T;
}

interface TaskFields {
  state: string;
  received: number | null;
  started: number | null;
  name: string | null;
}

/**
 * Waits until the task `uuid` is in a final state: the flood's last final event has been
 * applied, so (one queue, delivered in order) every message before it has been handled.
 * Returns the epoch ms at which it was seen, or undefined after `timeoutMs`.
 */
export async function waitForFinal(
  url: string,
  uuid: string,
  timeoutMs: number,
): Promise<number | undefined> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const response = await fetch(`${url}/api/task/info/${uuid}`);
    if (response.status === 200) {
      const task = await response.json() as TaskFields;
      if (task.state === "SUCCESS" || task.state === "FAILURE") return Date.now();
    } else {
      await response.body?.cancel();
    }
    await sleep(10);
  }
  return undefined;
}

/** Whether at least `n` tasks match `query` (a query string without offset/limit). */
async function atLeast(url: string, query: string, n: number): Promise<boolean> {
  if (n <= 0) return true;
  const page = await getJson<Record<string, unknown>>(
    url,
    `/api/tasks?${query}${query ? "&" : ""}offset=${n - 1}&limit=1`,
  );
  return Object.keys(page).length === 1;
}

/** How many tasks match `query`, if it is exactly `expected`; otherwise a bracket of the truth. */
export async function countIs(url: string, query: string, expected: number): Promise<boolean> {
  return await atLeast(url, query, expected) && !(await atLeast(url, query, expected + 1));
}

/** What the state holds against what was published. */
export interface HeldCheck {
  /** True when every published task event is reflected in the state. */
  complete: boolean;
  /** What is missing, for the report. */
  problems: string[];
}

/**
 * Checks that Stalk holds every task of `totals` with all three events applied: the task count,
 * SUCCESS and FAILURE counts (the final events), and no task without a `received` or a `started`
 * time (sorting ascending puts tasks without the field first).
 */
export async function checkHeld(url: string, totals: FloodTotals): Promise<HeldCheck> {
  const problems: string[] = [];
  if (!(await countIs(url, "", totals.tasks))) problems.push(`task count is not ${totals.tasks}`);
  if (!(await countIs(url, "state=SUCCESS", totals.succeeded))) {
    problems.push(`SUCCESS count is not ${totals.succeeded}`);
  }
  if (!(await countIs(url, "state=FAILURE", totals.failed))) {
    problems.push(`FAILURE count is not ${totals.failed}`);
  }
  for (const field of ["received", "started"] as const) {
    const first = Object.values(
      await getJson<Record<string, TaskFields>>(url, `/api/tasks?sort_by=${field}&limit=1`),
    )[0];
    if (!first || first[field] === null) problems.push(`a task has no '${field}' time`);
    if (field === "received" && first && first.name === null) problems.push("a task has no name");
  }
  return { complete: problems.length === 0, problems };
}

/** The value of the unlabelled series `name` in Stalk's `/metrics`, or NaN if absent. */
export async function getMetric(url: string, name: string): Promise<number> {
  const response = await fetch(`${url}/metrics`);
  const text = await response.text();
  const match = text.match(new RegExp(`^${name}(?:\\{\\})? (\\S+)$`, "m"));
  return match ? Number(match[1]) : NaN;
}
