/**
 * The receiving side of Celery's event clocks and timestamps, as
 * `EventReceiver.event_from_message` (`celery/events/receiver.py`, protocol doc 2.7).
 */
import type { RawEvent } from "../celery/events.ts";
import { isClockValue, type LamportClock } from "../state/clock.ts";
import type { CeleryEvent } from "../state/types.ts";

/** Celery's `CLIENT_CLOCK_SKEW`: a `task-sent` is dated one tick before the receiver's clock. */
const CLIENT_CLOCK_SKEW = -1;

/**
 * Stamps a validated event with the receiver's clock, a localised timestamp and
 * `local_received`. Like Celery it updates the event object in place (one event per message part,
 * so no copy is needed at ingest rates) and returns it.
 */
export function prepareEvent(
  raw: RawEvent,
  clock: LamportClock,
  now: () => number,
  localUtcOffset: number,
): CeleryEvent {
  const event = raw as RawEvent & { clock: number; local_received: number };
  if (event.type === "task-sent") {
    // Clients never synchronise their clocks, so their value means nothing here.
    event.clock = (clock.value || 1) + CLIENT_CLOCK_SKEW;
    clock.adjust(event.clock);
  } else if (isClockValue(raw.clock)) {
    clock.adjust(raw.clock);
  } else {
    // Missing, or too large to trust (e.g. 1e30): stamped with the receiver's clock instead.
    event.clock = clock.forward();
  }
  if (typeof raw.utcoffset === "number" && typeof raw.timestamp === "number") {
    event.timestamp = raw.timestamp - (raw.utcoffset - localUtcOffset) * 3600;
  }
  event.local_received = now();
  return event;
}

/**
 * This machine's offset to UTC in whole hours with Python's POSIX sign (positive west of UTC),
 * as `celery.utils.time.utcoffset`: UTC+2 gives -2, UTC-5 gives 5, half-hour zones floor.
 * Without a date it is the offset now, worked out at most once a second: the event path asks
 * for it on every event, and a `Date` per event costs more than the rest of the receiver step.
 */
export function posixUtcOffset(date?: Date): number {
  if (date) return offsetOf(date);
  const now = Date.now();
  if (now >= cachedUntil || now < cachedUntil - OFFSET_CACHE_MS) {
    cachedOffset = offsetOf(new Date(now));
    // Zone changes (DST) happen on whole seconds, so a one-second cache is never stale for long.
    cachedUntil = now + OFFSET_CACHE_MS;
  }
  return cachedOffset;
}

const OFFSET_CACHE_MS = 1000;
let cachedOffset = 0;
let cachedUntil = -Infinity;

function offsetOf(date: Date): number {
  // getTimezoneOffset() is already minutes west of UTC, DST included.
  return Math.floor(date.getTimezoneOffset() / 60);
}
