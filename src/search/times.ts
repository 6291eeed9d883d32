/**
 * Values of comparisons: numbers, and times written as ISO 8601 dates (UTC unless an offset is
 * given, as the other `/api/tasks` time filters) or epoch seconds.
 */

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/** `text` as a finite number, or undefined. */
export function parseNumber(text: string): number | undefined {
  if (!NUMBER.test(text)) return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

/** A time: its start in epoch seconds and how long the written precision spans, in seconds. */
export interface TimeValue {
  at: number;
  span: number;
}

/** `text` as a time (`2026-01-01`, `2026-01-01T10:00`, `…:30.5Z`, `…+02:00`) or epoch seconds. */
export function parseTime(text: string): TimeValue | undefined {
  const seconds = parseNumber(text);
  if (seconds !== undefined) return { at: seconds, span: 0 };
  const m = TIME.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const [year, month, day] = [Number(y), Number(mo), Number(d)];
  const [hour, minute, second] = [Number(h ?? 0), Number(mi ?? 0), Number(s ?? 0)];
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(ms);
  if (
    check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 ||
    check.getUTCDate() !== day || check.getUTCHours() !== hour ||
    check.getUTCMinutes() !== minute || check.getUTCSeconds() !== second
  ) {
    return undefined;
  }
  const span = h === undefined ? 86400 : s === undefined ? 60 : frac === undefined ? 1 : 0;
  return { at: ms / 1000 + Number(frac ?? 0) - offsetSeconds(zone), span };
}

function offsetSeconds(zone: string | undefined): number {
  if (zone === undefined || zone.toUpperCase() === "Z") return 0;
  const digits = zone.slice(1).replace(":", "");
  const seconds = Number(digits.slice(0, 2)) * 3600 + Number(digits.slice(2)) * 60;
  return zone[0] === "-" ? -seconds : seconds;
}
