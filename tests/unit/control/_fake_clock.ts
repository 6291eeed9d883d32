/** A clock whose time passes only when a test says so: timers for ControlClient, `now` for Inspector. */
import { setImmediate } from "node:timers";
import type { Timers } from "../../../src/control/control_client.ts";

interface Pending {
  at: number;
  seq: number;
  callback: () => void;
}

/** Lets pending promise chains run; no time passes on the fake clock or, meaningfully, the real one. */
export function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Fake timers and time in milliseconds. */
export class FakeClock implements Timers {
  time: number;
  #seq = 0;
  readonly #pending = new Map<number, Pending>();

  constructor(start = 0) {
    this.time = start;
  }

  readonly now = (): number => this.time;

  setTimeout(callback: () => void, ms: number): number {
    const seq = ++this.#seq;
    this.#pending.set(seq, { at: this.time + Math.max(0, ms), seq, callback });
    return seq;
  }

  clearTimeout(handle: unknown): void {
    this.#pending.delete(handle as number);
  }

  /** Moves time on by `ms`, firing due timers in order and letting their work run in between. */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    await turn();
    for (;;) {
      const next = [...this.#pending.values()]
        .filter((entry) => entry.at <= end)
        .sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!next) break;
      this.#pending.delete(next.seq);
      this.time = next.at;
      next.callback();
      await turn();
    }
    this.time = end;
  }
}
