/**
 * How the pages write times, durations and numbers. Pure: the current time is passed in, so the
 * same task renders the same text in a test and in the browser.
 */

/** `YYYY-MM-DD HH:MM:SS.mmm` in UTC for epoch seconds; empty for null. */
export function formatTime(epochSeconds: number | null): string {
  if (epochSeconds === null || !Number.isFinite(epochSeconds)) return "";
  const iso = new Date(Math.round(epochSeconds * 1000)).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
}

/** The ISO 8601 form for a `<time datetime>` attribute; empty for null. */
export function isoTime(epochSeconds: number | null): string {
  if (epochSeconds === null || !Number.isFinite(epochSeconds)) return "";
  return new Date(Math.round(epochSeconds * 1000)).toISOString();
}

const UNITS: [number, string][] = [
  [365 * 86400, "year"],
  [30 * 86400, "month"],
  [7 * 86400, "week"],
  [86400, "day"],
  [3600, "hour"],
  [60, "minute"],
  [1, "second"],
];

/** "3 minutes ago", "in 2 hours", "just now": the distance from `now` to `at`, both epoch s. */
export function relativeTime(at: number, now: number): string {
  const delta = now - at;
  const distance = Math.abs(delta);
  if (distance < 5) return "just now";
  for (const [size, unit] of UNITS) {
    if (distance >= size) {
      const n = Math.floor(distance / size);
      const text = `${n} ${unit}${n === 1 ? "" : "s"}`;
      return delta >= 0 ? `${text} ago` : `in ${text}`;
    }
  }
  return "just now";
}

/** A duration in seconds, to two decimals below a minute and as `1m 05s` / `2h 03m` above. */
export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return "";
  if (seconds < 0) return `-${formatDuration(-seconds)}`;
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 3 : 2)} s`;
  const total = Math.round(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h}h ${String(m).padStart(2, "0")}m`;
  return `${m}m ${String(s).padStart(2, "0")}s`;
}

/** An integer with thin grouping, `1 234 567`, for dense tables. */
export function formatCount(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return "";
  return Math.round(n).toLocaleString("en-US");
}

/** Load averages to two decimals, joined by spaces. */
export function formatLoad(loadavg: number[] | null): string {
  if (!loadavg || loadavg.length === 0) return "";
  return loadavg.map((x) => x.toFixed(2)).join("  ");
}
