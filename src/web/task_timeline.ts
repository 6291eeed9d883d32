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

/** The known points in the order of a task's life, and the steps between consecutive ones. */
export interface Timeline {
  points: TimelinePoint[];
  steps: TimelineStep[];
  /** Where the steps start and end, for drawing them to scale. */
  span?: { from: number; to: number };
  /** Set when a point is dated before the one it follows (clocks apart, or a late task-sent). */
  skewed?: boolean;
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
  if (points.length === 0) return { points, steps: [] };
  // Steps follow the task's life, not the timestamps: a client publishes task-sent after the
  // message, so a fast worker can receive the task "before" it was sent. Such a step lasts 0.
  // The sender's clock is not the worker's: the worker's own times win over a late "Sent".
  const times = points.map((point) => point.at);
  let skewed = points[0].label === "Sent" && times.length > 1 && times[0] > times[1];
  if (skewed) times[0] = times[1];
  const steps: TimelineStep[] = [];
  let at = times[0];
  for (let i = 1; i < points.length; i++) {
    const from = points[i - 1];
    const to = Math.max(at, times[i]);
    if (times[i] < at) skewed = true;
    const kind = from.label === "Sent" ? "queue" : from.label === "Received" ? "wait" : "run";
    const label = kind === "queue"
      ? "In the queue"
      : kind === "wait"
      ? "Waiting at the worker"
      : "Running";
    steps.push({ label, from: at, to, kind });
    at = to;
  }
  return {
    points,
    steps,
    end,
    span: { from: times[0], to: at },
    ...(skewed ? { skewed } : {}),
  };
}
