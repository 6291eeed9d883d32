/**
 * Child processes in their own process groups, so a server or a Celery worker and everything it
 * forks can be stopped as one. Every live group is also killed when the test process ends, by
 * the reaper, so a failing test cannot leak workers.
 */

import { type ChildProcess, spawn } from "node:child_process";
import { undoOnExit } from "./reaper.ts";

/** How a process ended. */
export interface Exit {
  code: number | null;
  signal: string | null;
}

/** Options for {@linkcode spawnGroup}. */
export interface SpawnOptions {
  cwd: string;
  /** Set on top of the test's environment less its FLOWER_* and CELERY_* (undefined unsets). */
  env?: Record<string, string | undefined>;
}

/** A running process group, its output, and ways to end it. */
export interface ManagedProcess {
  /** The leader's pid, which is also the group id. */
  readonly pid: number;
  /** True until the leader has exited. */
  readonly running: boolean;
  /** Resolves when the leader has exited. */
  readonly exited: Promise<Exit>;
  /** All stdout and stderr so far, interleaved as it arrived (the last 1 MB). */
  output(): string;
  /** Resolve once the output matches `pattern`; reject if the process exits or time runs out. */
  waitForOutput(pattern: RegExp, timeout: number, what: string): Promise<void>;
  /** SIGTERM to the group, then SIGKILL after `graceMs`; resolves when the leader has exited. */
  stop(graceMs: number): Promise<Exit>;
  /** SIGKILL to the group at once; resolves when the leader has exited. */
  kill(): Promise<Exit>;
}

const MAX_OUTPUT = 1 << 20;
const live = new Map<number, ManagedProcess>();

/** Start `command` as the leader of a new process group, capturing its output. */
export function spawnGroup(
  label: string,
  command: string,
  args: string[],
  { cwd, env = {} }: SpawnOptions,
): ManagedProcess {
  const child = spawn(command, args, {
    cwd,
    env: childEnv(env),
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const leaderExit = exitOf(child);
  if (child.pid === undefined) {
    throw new Error(`Cannot start ${label}: '${command}' is missing or not executable`);
  }
  const pid = child.pid;
  const release = undoOnExit(`group:${pid}`, `kill -KILL -- -${pid}`);

  let output = "";
  const listeners = new Set<() => void>();
  const append = (chunk: string) => {
    output = (output + chunk).slice(-MAX_OUTPUT);
    for (const listener of listeners) listener();
  };
  child.stdout?.setEncoding("utf8").on("data", append);
  child.stderr?.setEncoding("utf8").on("data", append);

  let running = true;
  const exited = leaderExit.then((exit) => {
    running = false;
    live.delete(pid);
    // The leader is gone; take down anything it left behind in its group.
    signalGroup(pid, "SIGKILL");
    release();
    for (const listener of listeners) listener();
    return exit;
  });

  const describe = () => `${label} (pid ${pid}) output:\n${output.slice(-4000)}`;

  const waitForOutput = (pattern: RegExp, timeout: number, what: string) =>
    new Promise<void>((resolve, reject) => {
      const finish = (error?: Error) => {
        clearTimeout(timer);
        listeners.delete(check);
        error ? reject(error) : resolve();
      };
      const check = () => {
        if (pattern.test(output)) finish();
        else if (!running) finish(new Error(`${label} exited before ${what}: ${describe()}`));
      };
      const timer = setTimeout(
        () => finish(new Error(`${label} not ${what} within ${timeout} ms: ${describe()}`)),
        timeout,
      );
      listeners.add(check);
      check();
    });

  const stop = async (graceMs: number) => {
    if (!running) return await exited;
    signalGroup(pid, "SIGTERM");
    const timer = setTimeout(() => signalGroup(pid, "SIGKILL"), graceMs);
    try {
      return await exited;
    } finally {
      clearTimeout(timer);
    }
  };

  const kill = async () => {
    signalGroup(pid, "SIGKILL");
    return await exited;
  };

  const managed: ManagedProcess = {
    pid,
    get running() {
      return running;
    },
    exited,
    output: () => output,
    waitForOutput,
    stop,
    kill,
  };
  live.set(pid, managed);
  return managed;
}

/** SIGKILL every process group the harness started that is still running. */
export async function killAll(): Promise<void> {
  await Promise.all([...live.values()].map((managed) => managed.kill()));
}

/** The test's environment less FLOWER_* and CELERY_* (so runs are hermetic), plus `overrides`. */
function childEnv(overrides: Record<string, string | undefined>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !/^(FLOWER|CELERY)_/.test(key)) env[key] = value;
  }
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

/**
 * The leader's exit, once its last output has been read (or 500 ms later, when a grandchild still
 * holds the pipes open).
 */
function exitOf(child: ChildProcess): Promise<Exit> {
  return new Promise((resolve) => {
    // A spawn error (ENOENT, EACCES) comes instead of an exit; listening for it also keeps it
    // from being thrown as an uncaught error.
    child.once("error", () => resolve({ code: null, signal: null }));
    child.once("exit", (code, signal) => {
      const timer = setTimeout(() => resolve({ code, signal }), 500);
      child.once("close", () => {
        clearTimeout(timer);
        resolve({ code, signal });
      });
    });
  });
}

function signalGroup(pid: number, signal: "SIGTERM" | "SIGKILL"): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}
