/**
 * Times in task messages. Celery writes `eta` and `expires` headers as Python's aware
 * `isoformat()` (`2024-05-06T10:00:00.123456+00:00`); Flower reads them from API callers as
 * `%Y-%m-%d %H:%M:%S.%f`. Times travel here as integer epoch microseconds, so the six digits of
 * `%f` survive.
 */

const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,6}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * Parses ISO 8601 (`2024-05-06T10:00:00Z`, `…+02:00`) or Flower's `2024-05-06 10:00:00.123456`
 * into epoch microseconds. A time without an offset is UTC, as Celery's worker reads it.
 * Returns undefined for text that is not a valid date and time.
 */
export function parseDateTime(text: string): number | undefined {
  const match = DATE_TIME.exec(text.trim());
  if (!match) return undefined;
  const [, y, mo, d, h = "0", mi = "0", s = "0", fraction = "", zone] = match;
  const [year, month, day, hour, minute, second] = [y, mo, d, h, mi, s].map(Number);
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) {
    return undefined;
  }
  if (year < 1) return undefined; // Python has no year 0
  const date = new Date(Date.UTC(2000, month - 1, day, hour, minute, second));
  date.setUTCFullYear(year); // Date.UTC reads years 0–99 as 1900–1999
  if (date.getUTCDate() !== day) return undefined; // 31 April, 29 February 2023, …
  const micros = date.getTime() * 1000 + Number(fraction.padEnd(6, "0"));
  const utc = micros - zoneOffsetMinutes(zone) * 60_000_000;
  return isPythonDateTime(utc) ? utc : undefined;
}

/** Epoch microseconds of 0001-01-01T00:00:00Z, Python's `datetime.min`. */
const PYTHON_MIN = -62_135_596_800_000_000;
/**
 * Epoch microseconds of 9999-12-31T23:59:59Z. Python allows six more digits, but a double this
 * large is exact only to 32 µs, and rounding up would print year 10000.
 */
const PYTHON_MAX = 253_402_300_799_000_000;

/**
 * Whether a time fits Python's `datetime` (years 1 to 9999): a worker cannot read an `eta` or
 * `expires` outside it, and JavaScript cannot even format most of those.
 */
export function isPythonDateTime(epochMicros: number): boolean {
  return Number.isFinite(epochMicros) && epochMicros >= PYTHON_MIN && epochMicros <= PYTHON_MAX;
}

/** Python's `datetime.isoformat()` of an aware UTC time: microseconds only when not zero. */
export function pythonIsoformat(epochMicros: number): string {
  const micros = Math.round(epochMicros);
  const ms = Math.floor(micros / 1000);
  const fraction = ((micros % 1_000_000) + 1_000_000) % 1_000_000;
  const base = new Date(ms - (ms % 1000 + 1000) % 1000).toISOString().slice(0, 19);
  return fraction === 0 ? `${base}+00:00` : `${base}.${String(fraction).padStart(6, "0")}+00:00`;
}

function zoneOffsetMinutes(zone: string | undefined): number {
  if (!zone || zone.toUpperCase() === "Z") return 0;
  const sign = zone.startsWith("-") ? -1 : 1;
  const digits = zone.slice(1).replace(":", "");
  const hours = Number(digits.slice(0, 2));
  const minutes = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
  return sign * (hours * 60 + minutes);
}
