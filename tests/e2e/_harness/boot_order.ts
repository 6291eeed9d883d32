/**
 * Celery 5.2 orders a worker consumer's boot steps with a topological sort whose ties follow
 * Python's string hashing, so the order changes with PYTHONHASHSEED from one worker process to
 * the next. It decides whether `worker-online` (the Heart step) is sent before or after the
 * pidbox mailbox exists (the Control step, which Mingle's one-second search can precede):
 * an inspection sent on `worker-online` is either answered or lost. Pin the seed in a worker's
 * `env` to choose the case.
 */

/** Control, then Heart: the mailbox exists when `worker-online` goes out. */
export const CONTROL_BEFORE_HEART: Record<string, string> = { PYTHONHASHSEED: "0" };

/** Heart, Mingle, then Control: `worker-online` goes out about a second before the mailbox. */
export const HEART_BEFORE_CONTROL: Record<string, string> = { PYTHONHASHSEED: "1" };
