/** Polling for conditions on live processes and servers (e2e only; unit tests use fake clocks). */

/** Options for {@linkcode waitFor}. */
export interface WaitOptions {
  /** Give up after this many milliseconds. Default 10000. */
  timeout?: number;
  /** Milliseconds between attempts. Default 100. */
  interval?: number;
  /** What was awaited, for the error: `Worker 'w1' to be listed`. */
  message?: string;
  /** Stop waiting at once when this aborts (e.g. the process being waited on exited). */
  signal?: AbortSignal;
}

/**
 * Call `fn` until it returns a truthy value (which is returned) or the timeout passes. A throw
 * counts as "not yet"; the last throw or value is quoted in the timeout error.
 */
export async function waitFor<T>(
  fn: () => T | Promise<T>,
  { timeout = 10_000, interval = 100, message = "condition", signal }: WaitOptions = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeout;
  let last: unknown = undefined;
  while (true) {
    signal?.throwIfAborted();
    try {
      const value = await fn();
      if (value) return value as NonNullable<T>;
      last = value;
    } catch (error) {
      last = error;
    }
    if (Date.now() >= deadline) {
      const detail = last instanceof Error ? last.message : JSON.stringify(last);
      throw new Error(`Timed out after ${timeout} ms waiting for ${message}: last saw ${detail}`);
    }
    await sleep(interval);
  }
}

/** Resolve after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
