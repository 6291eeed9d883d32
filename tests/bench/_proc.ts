/**
 * Processes for the benchmark: the publisher and the bare consumer as child programs (in their
 * own process groups, reaped by the e2e harness if the bench dies), and what `/proc` says about
 * a process's memory.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { denoPath, repoRoot } from "../e2e/_harness/paths.ts";
import { type ManagedProcess, spawnGroup } from "../e2e/_harness/process.ts";

/** The JavaScript runtime a bench program runs on. */
export type Runtime = "deno" | "bun";

/** The bun beside deno in `.tools/`, or on PATH. */
export function bunPath(): string {
  return process.env.BUN ?? join(repoRoot, ".tools", "node_modules", ".bin", "bun");
}

/** A bench program under `tests/bench/` running on `runtime`, with its JSON-lines output. */
export interface BenchChild {
  process: ManagedProcess;
  /** Resolves with the first output line that parses as JSON with key `key`. */
  line<T>(key: string, timeoutMs: number): Promise<T>;
  stop(): Promise<void>;
}

/** Starts `tests/bench/<script>` with `args` on `runtime`. */
export function startBenchChild(runtime: Runtime, script: string, args: string[]): BenchChild {
  const path = join("tests", "bench", script);
  const [command, commandArgs] = runtime === "bun"
    ? [bunPath(), [path, ...args]]
    : [denoPath(), ["run", "-A", path, ...args]];
  const child = spawnGroup(script, command, commandArgs, { cwd: repoRoot, env: { NO_COLOR: "1" } });
  const find = <T>(key: string): T | undefined => {
    for (const text of child.output().split("\n")) {
      if (!text.startsWith("{")) continue;
      try {
        const parsed = JSON.parse(text) as Record<string, unknown>;
        if (key in parsed) return parsed[key] as T;
      } catch {
        // A partial line: not yet.
      }
    }
    return undefined;
  };
  return {
    process: child,
    async line<T>(key: string, timeoutMs: number): Promise<T> {
      const pattern = new RegExp(`^\\{"${key}":.*\\}$`, "m");
      await child.waitForOutput(pattern, timeoutMs, `printed '${key}'`);
      return find<T>(key)!;
    },
    async stop() {
      await child.stop(2_000);
    },
  };
}

/** Memory figures of a live process, in bytes. */
export interface ProcMemory {
  /** Resident set now (VmRSS). */
  rss: number;
  /** Peak resident set since it started (VmHWM). */
  hwm: number;
}

/** VmRSS and VmHWM of `pid` from `/proc/<pid>/status`. */
export function procMemory(pid: number): ProcMemory {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (field: string) => {
    const match = status.match(new RegExp(`^${field}:\\s+(\\d+) kB`, "m"));
    if (!match) throw new Error(`No ${field} in /proc/${pid}/status`);
    return Number(match[1]) * 1024;
  };
  return { rss: kb("VmRSS"), hwm: kb("VmHWM") };
}

/** CPU time `pid` has used so far (user + system, every thread), in milliseconds. */
export function procCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the parenthesised command name; utime and stime are the 12th and 13th.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / CLOCK_TICKS;
}

/** What the threads of a process have used so far, summed over the threads alive now. */
export interface ThreadUse {
  /** CPU time on a core, nanoseconds (`/proc/<pid>/task/<tid>/schedstat`). */
  cpuNs: number;
  /** Context switches, voluntary and not: roughly how often the process was woken up. */
  switches: number;
  threads: number;
  /** CPU nanoseconds by thread id, to subtract thread by thread (threads come and go). */
  byThread: Map<string, number>;
}

/** CPU nanoseconds between two readings, thread by thread: an ended thread's time is lost,
 * never counted negative; a new thread counts from its start. */
export function threadCpuNs(before: ThreadUse, after: ThreadUse): number {
  let ns = 0;
  for (const [tid, cpu] of after.byThread) ns += cpu - (before.byThread.get(tid) ?? 0);
  return ns;
}

/** CPU time and context switches of every thread of `pid`, finer than `procCpuMs`' ticks. */
export function procThreads(pid: number): ThreadUse {
  const use: ThreadUse = { cpuNs: 0, switches: 0, threads: 0, byThread: new Map() };
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const ns = Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
      use.cpuNs += ns;
      use.byThread.set(tid, ns);
      const status = readFileSync(`/proc/${pid}/task/${tid}/status`, "utf8");
      for (const match of status.matchAll(/^(?:non)?voluntary_ctxt_switches:\s+(\d+)$/gm)) {
        use.switches += Number(match[1]);
      }
      use.threads++;
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return use;
}

/** `getconf CLK_TCK` on Linux. */
const CLOCK_TICKS = 100;

/** Samples `procMemory(pid).rss` every `intervalMs` until stopped; returns the largest seen. */
export function sampleRss(pid: number, intervalMs = 100): { stop(): number } {
  let peak = 0;
  const sample = () => {
    try {
      peak = Math.max(peak, procMemory(pid).rss);
    } catch {
      // The process is gone; keep what was seen.
    }
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return peak;
    },
  };
}
