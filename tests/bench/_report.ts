/** Medians, number formatting and the Markdown tables the benchmark prints and records. */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus, release, totalmem } from "node:os";
import { repoRoot } from "../e2e/_harness/paths.ts";

/** The median of the defined values; undefined when there are none. */
export function median(values: (number | undefined)[]): number | undefined {
  const sorted = values.filter((v): v is number => v !== undefined && Number.isFinite(v))
    .sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** 123456 -> "123,456"; undefined -> "n/a". */
export function int(value: number | undefined): string {
  return value === undefined ? "n/a" : Math.round(value).toLocaleString("en-US");
}

/** Milliseconds with a precision that suits them. */
export function ms(value: number | undefined): string {
  if (value === undefined) return "n/a";
  return value < 10 ? `${value.toFixed(2)} ms` : `${value.toFixed(0)} ms`;
}

/** Bytes as MiB. */
export function mib(bytes: number | undefined): string {
  return bytes === undefined ? "n/a" : `${(bytes / 2 ** 20).toFixed(0)} MiB`;
}

/** 0.634 -> "63 %". */
export function pct(ratio: number | undefined): string {
  return ratio === undefined ? "n/a" : `${Math.round(ratio * 100)} %`;
}

/** "yes" / "**no**" / "n/a" for a target check. */
export function met(ok: boolean | undefined): string {
  return ok === undefined ? "n/a" : ok ? "yes" : "**no**";
}

/** A Markdown table. */
export function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

/** The git revision of the tree measured, `-dirty` when it has uncommitted changes. */
export function gitRevision(): string {
  try {
    const rev = git("rev-parse", "--short", "HEAD");
    const dirty = git("status", "--porcelain", "--untracked-files=no") !== "";
    return dirty ? `${rev}-dirty` : rev;
  } catch {
    return "unknown";
  }
}

function git(...args: string[]): string {
  return execFileSync("git", args, { cwd: repoRoot, encoding: "utf8" }).trim();
}

/** One line about the machine: cores, CPU model, memory, kernel, runtimes, broker. */
export function machineNote(runtimeVersion: string): string {
  const cpu = cpus()[0]?.model.replace(/\s+/g, " ").trim() ?? "unknown CPU";
  let rabbit = "RabbitMQ ?";
  try {
    const status = execFileSync("rabbitmqctl", ["-q", "version"], { encoding: "utf8" }).trim();
    rabbit = `RabbitMQ ${status}`;
  } catch {
    // Older rabbitmqctl has no `version`; the figure is still valid without it.
  }
  const load = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
  return `${cpus().length} cores (${cpu}), ${
    (totalmem() / 2 ** 30).toFixed(0)
  } GiB, Linux ${release()}, ${runtimeVersion}, ${rabbit}, load average before the run ${load}; a shared machine`;
}
