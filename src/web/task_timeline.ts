/**
 * A task's life as steps: sent → received → started → finished, with the time spent in each.
 * Pure: derived from the task's timestamps only.
 */
import type { TaskJson } from "../state/types.ts";

/** One point of the timeline. */
export interface TimelinePoint {
  label: string;
  at: number;
}

/** One step between two points. */
export interface TimelineStep {
  label: string;
  from: number;
  to: number;
  kind: "queue" | "wait" | "run";
}

/** The known points in order, and the steps between consecutive ones. */
export interface Timeline {
  points: TimelinePoint[];
  steps: TimelineStep[];
  /** How it ended, if it did. */
  end?: { label: string; at: number; ok: boolean };
}

const ENDINGS: [keyof TaskJson, string, boolean][] = [
  ["succeeded", "Succeeded", true],
  ["failed", "Failed", false],
  ["revoked", "Revoked", false],
  ["rejected", "Rejected", false],
];

/** The timeline of `task`. */
export function taskTimeline(task: TaskJson): Timeline {
  const points: TimelinePoint[] = [];
  if (task.sent !== null) points.push({ label: "Sent", at: task.sent });
  if (task.received !== null) points.push({ label: "Received", at: task.received });
  if (task.started !== null) points.push({ label: "Started", at: task.started });
  let end: Timeline["end"];
  for (const [field, label, ok] of ENDINGS) {
    const at = task[field];
    if (typeof at === "number" && (end === undefined || at > end.at)) end = { label, at, ok };
  }
  if (end) points.push({ label: end.label, at: end.at });
  points.sort((a, b) => a.at - b.at);
  const steps: TimelineStep[] = [];
  for (let i = 1; i < points.length; i++) {
    const from = points[i - 1];
    const to = points[i];
    const kind = from.label === "Sent" ? "queue" : from.label === "Received" ? "wait" : "run";
    const label = kind === "queue"
      ? "In the queue"
      : kind === "wait"
      ? "Waiting at the worker"
      : "Running";
    steps.push({ label, from: from.at, to: to.at, kind });
  }
  return { points, steps, end };
}
