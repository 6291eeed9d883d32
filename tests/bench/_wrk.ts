/** Running `wrk` (Debian package `wrk`) against one URL and reading its summary. */
import { execFile } from "node:child_process";

/** What one wrk run measured. */
export interface WrkResult {
  requests: number;
  /** Requests per second. */
  rps: number;
  /** Latency percentiles in milliseconds. */
  p50: number;
  p99: number;
  /** Responses that were not 2xx/3xx, plus socket errors. */
  errors: number;
}

/** Runs `wrk -t1 -c<connections> -d<seconds>s --latency url`. */
export function wrk(url: string, connections: number, seconds: number): Promise<WrkResult> {
  const args = ["-t1", `-c${connections}`, `-d${seconds}s`, "--timeout", "10s", "--latency", url];
  return new Promise((resolve, reject) => {
    execFile("wrk", args, { timeout: (seconds + 30) * 1000 }, (error, stdout, stderr) => {
      if (error) {
        reject(new Error(`Cannot run 'wrk ${args.join(" ")}': ${stderr || error.message}`));
        return;
      }
      try {
        resolve(parseWrk(stdout));
      } catch (cause) {
        reject(new Error(`Cannot read wrk's output: ${(cause as Error).message}\n${stdout}`));
      }
    });
  });
}

/** Reads wrk's `--latency` summary. */
export function parseWrk(output: string): WrkResult {
  const percentile = (p: string) => {
    const match = output.match(new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s)\\s*$`, "m"));
    if (!match) throw new Error(`no ${p}% latency`);
    return toMs(Number(match[1]), match[2]);
  };
  const rps = output.match(/^Requests\/sec:\s+([\d.]+)/m);
  const requests = output.match(/^\s+(\d+) requests in /m);
  if (!rps || !requests) throw new Error("no request rate");
  const non2xx = Number(output.match(/Non-2xx or 3xx responses: (\d+)/)?.[1] ?? 0);
  const socket = output.match(
    /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/,
  );
  const socketErrors = socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0;
  return {
    requests: Number(requests[1]),
    rps: Number(rps[1]),
    p50: percentile("50"),
    p99: percentile("99"),
    errors: non2xx + socketErrors,
  };
}

function toMs(value: number, unit: string): number {
  return unit === "us" ? value / 1000 : unit === "s" ? value * 1000 : value;
}
