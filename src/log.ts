/**
 * A small leveled logger writing one line per record to standard error. Kept dependency-free so
 * the binary stays small and the output stays greppable in container logs.
 */
import process from "node:process";
import { redactUrl } from "./celery/redact_url.ts";

/** Severity, lowest first. */
export type LogLevel = "debug" | "info" | "warn" | "error";

const ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

let threshold: LogLevel = "info";

/** Sets the lowest level that is written. */
export function setLogLevel(level: LogLevel): void {
  threshold = level;
}

function write(level: LogLevel, message: string): void {
  if (ORDER[level] < ORDER[threshold]) return;
  // Every line passes the redaction, so no caller can leak a broker or backend password.
  const line = redactUrl(message);
  process.stderr.write(`${new Date().toISOString()} ${level.toUpperCase()} ${line}\n`);
}

/** The process-wide logger. */
export const log = {
  debug: (message: string) => write("debug", message),
  info: (message: string) => write("info", message),
  warn: (message: string) => write("warn", message),
  error: (message: string) => write("error", message),
};

/** Renders an unknown thrown value as a short message. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}
