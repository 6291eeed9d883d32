/** Builders for prepared events in state tests. */
import { State } from "../../../src/state/state.ts";
import type { CeleryEvent, TaskQuery } from "../../../src/state/types.ts";

/** A time well inside the epoch, so "0 means unset" quirks never trigger by accident. */
export const T0 = 1_715_000_000;

/** A prepared `task-<subject>` event for `uuid`; `fields` override the defaults. */
export function taskEvent(
  subject: string,
  uuid: string,
  fields: Partial<CeleryEvent> = {},
): CeleryEvent {
  return {
    type: `task-${subject}`,
    uuid,
    hostname: "celery@w1",
    timestamp: T0,
    clock: 1,
    local_received: T0,
    ...fields,
  };
}

/** A prepared `worker-<subject>` event from `hostname`. */
export function workerEvent(
  subject: string,
  hostname: string,
  fields: Partial<CeleryEvent> = {},
): CeleryEvent {
  return {
    type: `worker-${subject}`,
    hostname,
    timestamp: T0,
    clock: 1,
    local_received: T0,
    freq: 2,
    active: 0,
    processed: 0,
    loadavg: [0.1, 0.2, 0.3],
    sw_ident: "py-celery",
    sw_ver: "5.2.6",
    sw_sys: "Linux",
    pid: 1234,
    ...fields,
  };
}

/** A state with a settable clock: `clock.now` is what `now()` returns, in epoch seconds. */
export function fakeState(
  maxTasks = 100,
  maxWorkers = 100,
): { state: State; clock: { now: number } } {
  const clock = { now: T0 };
  return { state: new State({ maxTasks, maxWorkers, now: () => clock.now }), clock };
}

/** A listing query: first page of everything, unsorted, plus `fields`. */
export function query(fields: Partial<TaskQuery> = {}): TaskQuery {
  return { offset: 0, descending: false, ...fields };
}

/** The uuids of a listing, in order. */
export function uuids(tasks: { uuid: string }[]): string[] {
  return tasks.map((task) => task.uuid);
}
