import { test } from "node:test";
import assert from "node:assert/strict";
import { LamportClock } from "../../../src/state/clock.ts";
import { posixUtcOffset, prepareEvent } from "../../../src/ingest/receiver.ts";

const now = () => 1_715_000_100;

test("a task-sent gets the receiver's clock minus one, then the clock adjusts to it", () => {
  const clock = new LamportClock(10);
  const event = prepareEvent(
    { type: "task-sent", hostname: "gen1@h", timestamp: 1, clock: 999, uuid: "a" },
    clock,
    now,
    0,
  );
  assert.equal(event.clock, 9);
  assert.equal(clock.value, 11);
});

test("a task-sent on a fresh clock is stamped zero", () => {
  const clock = new LamportClock();
  const event = prepareEvent({ type: "task-sent", hostname: "h", timestamp: 1 }, clock, now, 0);
  assert.equal(event.clock, 0);
  assert.equal(clock.value, 1);
});

test("an event with a clock keeps it and adjusts the receiver's clock", () => {
  const clock = new LamportClock(3);
  const event = prepareEvent(
    { type: "task-started", hostname: "w", timestamp: 1, clock: 40 },
    clock,
    now,
    0,
  );
  assert.equal(event.clock, 40);
  assert.equal(clock.value, 41);
});

test("an event without a clock gets the receiver's next tick", () => {
  const clock = new LamportClock(7);
  const event = prepareEvent(
    { type: "worker-heartbeat", hostname: "w", timestamp: 1 },
    clock,
    now,
    0,
  );
  assert.equal(event.clock, 8);
  assert.equal(clock.value, 8);
});

test("a timestamp from another zone is moved into the receiver's", () => {
  // Sender at UTC+2 (POSIX -2), receiver at UTC (0): the sender's clock reads 2 h ahead.
  const event = prepareEvent(
    { type: "task-started", hostname: "w", timestamp: 10_000, utcoffset: -2, clock: 1 },
    new LamportClock(),
    now,
    0,
  );
  assert.equal(event.timestamp, 10_000 + 2 * 3600);
});

test("a timestamp from the receiver's own zone is unchanged", () => {
  const event = prepareEvent(
    { type: "task-started", hostname: "w", timestamp: 10_000, utcoffset: 5, clock: 1 },
    new LamportClock(),
    now,
    5,
  );
  assert.equal(event.timestamp, 10_000);
});

test("a timestamp without utcoffset is left alone", () => {
  const event = prepareEvent(
    { type: "task-started", hostname: "w", timestamp: 10_000, clock: 1 },
    new LamportClock(),
    now,
    -3,
  );
  assert.equal(event.timestamp, 10_000);
});

test("local_received is the receiver's time", () => {
  const event = prepareEvent(
    { type: "task-started", hostname: "w", timestamp: 1 },
    new LamportClock(),
    now,
    0,
  );
  assert.equal(event.local_received, 1_715_000_100);
});

test("the local offset uses the POSIX sign and floors half-hour zones", () => {
  const at = (minutesWest: number) => ({ getTimezoneOffset: () => minutesWest }) as Date;
  assert.equal(posixUtcOffset(at(0)), 0);
  assert.equal(posixUtcOffset(at(-120)), -2); // UTC+2
  assert.equal(posixUtcOffset(at(300)), 5); // UTC-5
  assert.equal(posixUtcOffset(at(-330)), -6); // UTC+5:30, Python's floor division
});

test("without a date the offset is this machine's now, and asking again is cheap and equal", () => {
  const expected = Math.floor(new Date().getTimezoneOffset() / 60);
  assert.equal(posixUtcOffset(), expected);
  for (let i = 0; i < 1000; i++) assert.equal(posixUtcOffset(), expected);
});

test("an event with a clock too large to trust is stamped with the receiver's clock", () => {
  const clock = new LamportClock(10);
  const event = prepareEvent(
    { type: "worker-heartbeat", hostname: "w@h", timestamp: 1, clock: 1e30 },
    clock,
    now,
    0,
  );
  assert.equal(event.clock, 11);
  assert.equal(clock.value, 11);
});
