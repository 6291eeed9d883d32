/**
 * The process families Prometheus' client libraries export (and so Flower's `/metrics` has):
 * same names, types, units and help as prometheus_client's `ProcessCollector`, read from
 * `/proc/self` at scrape time. Elsewhere than Linux they are left out, as there.
 */
import { readdirSync, readFileSync } from "node:fs";

/** What `/proc` says about this process; undefined fields are not exported. */
export interface ProcessSample {
  cpuSeconds?: number;
  residentBytes?: number;
  virtualBytes?: number;
  openFds?: number;
  maxFds?: number;
  startTime?: number;
}

/** Linux's USER_HZ and page size, which `/proc/self/stat` counts in (fixed on every arch used). */
const TICKS = 100;
const PAGE = 4096;

/**
 * Parses `/proc/self/stat`, `/proc/stat` (for the boot time) and `/proc/self/limits`. Pure;
 * fields that do not parse are left out.
 */
export function parseProc(stat: string, systemStat: string, limits: string): ProcessSample {
  // The command name may hold spaces and parentheses: fields start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const field = (n: number) => Number(fields[n - 3]);
  const boot = Number(/^btime (\d+)$/m.exec(systemStat)?.[1]);
  const max = /^Max open files\s+(\d+|unlimited)/m.exec(limits)?.[1];
  const sample: ProcessSample = {
    cpuSeconds: (field(14) + field(15)) / TICKS,
    virtualBytes: field(23),
    residentBytes: field(24) * PAGE,
    startTime: boot + field(22) / TICKS,
    maxFds: max === undefined ? undefined : max === "unlimited" ? Infinity : Number(max),
  };
  for (const key of Object.keys(sample) as (keyof ProcessSample)[]) {
    if (!Number.isFinite(sample[key]) && sample[key] !== Infinity) delete sample[key];
  }
  return sample;
}

/** Reads this process's figures; empty where there is no `/proc`. */
export function readProcess(): ProcessSample {
  try {
    const sample = parseProc(
      readFileSync("/proc/self/stat", "utf8"),
      readFileSync("/proc/stat", "utf8"),
      readFileSync("/proc/self/limits", "utf8"),
    );
    sample.openFds = readdirSync("/proc/self/fd").length;
    return sample;
  } catch {
    return {};
  }
}

const FAMILIES: [keyof ProcessSample, string, "counter" | "gauge", string][] = [
  [
    "cpuSeconds",
    "process_cpu_seconds_total",
    "counter",
    "Total user and system CPU time spent in seconds.",
  ],
  ["virtualBytes", "process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes."],
  ["residentBytes", "process_resident_memory_bytes", "gauge", "Resident memory size in bytes."],
  [
    "startTime",
    "process_start_time_seconds",
    "gauge",
    "Start time of the process since unix epoch in seconds.",
  ],
  ["openFds", "process_open_fds", "gauge", "Number of open file descriptors."],
  ["maxFds", "process_max_fds", "gauge", "Maximum number of open file descriptors."],
];

/** The exposition text of the process families. */
export function renderProcess(sample: ProcessSample = readProcess()): string {
  let out = "";
  for (const [key, name, type, help] of FAMILIES) {
    const value = sample[key];
    if (value === undefined) continue;
    const text = value === Infinity ? "+Inf" : String(value);
    out += `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n${name} ${text}\n`;
  }
  return out;
}
