/**
 * Persistence as the rest of Stalk sees it: restore at start-up, save every interval and at
 * shutdown. A save copies the tasks a slice per turn of the event loop (`TaskCopier`), then
 * encodes and writes the copy a piece at a time, so events and requests keep flowing; only one
 * save runs at a time. Nothing here can stop Stalk from starting: an unreadable file is moved
 * aside with a warning and Stalk starts empty.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { describeError, log } from "../log.ts";
import type { SnapshotHealth } from "../metrics/stalk_metrics.ts";
import type { TaskCopier } from "../state/task_image.ts";
import { decodeSnapshot, UnreadableFile } from "./decode.ts";
import { encodeSnapshot } from "./encode.ts";
import type { SnapshotExtras, StateSnapshot } from "./snapshot.ts";
import { moveAside, readStateFile, writeAtomically } from "./state_file.ts";

/** Where the snapshot's parts come from. */
export interface PersistSources {
  /** Starts a consistent copy of the tasks. */
  copyTasks(): TaskCopier;
  /** The other parts, read when the task copy completes. */
  extras(): SnapshotExtras;
}

/** Options for {@linkcode Persister}. */
export interface PersisterOptions {
  /** The state file (`--db`). */
  path: string;
  /** Milliseconds between saves (`--state_save_interval`); 0 saves only at shutdown. */
  interval: number;
  /** Slots copied per turn of the event loop. */
  sliceSlots?: number;
  /** Milliseconds of work after which a save hands the event loop a turn. */
  sliceMs?: number;
  now?: () => number;
  /** Milliseconds of CPU the process has used; by default from `process.cpuUsage()`. */
  cpu?: () => number;
}

/** The outcome of the last save: what the health metrics read, and more detail. */
export interface SaveStats extends SnapshotHealth {
  bytes?: number;
  tasks?: number;
  /** The longest stretch of the last save without a turn for the event loop, in ms. */
  longestStepMs?: number;
  /**
   * The most CPU time (ms, whole process) one such stretch used: unlike the wall time, it does
   * not grow when a loaded machine lets the process wait for a core.
   */
  longestStepCpuMs?: number;
  /** CPU time (ms, whole process) from the start of the last save to its rename. */
  cpuMs?: number;
  saves: number;
}

/** Restores and saves Stalk's state; see the module comment. */
export class Persister {
  readonly stats: SaveStats = { saves: 0, failures: 0 };
  readonly #path: string;
  readonly #options: Required<Omit<PersisterOptions, "path">>;
  #sources?: PersistSources;
  #timer?: ReturnType<typeof setInterval>;
  #running?: Promise<void>;
  #closed = false;

  constructor(options: PersisterOptions) {
    this.#path = options.path;
    this.#options = {
      sliceSlots: 16_384,
      sliceMs: 4,
      now: Date.now,
      cpu: processCpuMs,
      ...options,
    };
  }

  /**
   * Reads the state file and hands it to `apply`, which restores it into fresh objects.
   * A missing file is normal; a file that cannot be read or restored (by `apply` throwing) is
   * moved aside with a warning. Never throws; false when nothing was restored.
   */
  restore(apply: (snapshot: StateSnapshot) => void): boolean {
    const path = this.#path;
    const started = this.#options.now();
    let bytes: Uint8Array | undefined;
    try {
      bytes = readStateFile(path);
    } catch (error) {
      log.error(`Cannot read the state file '${path}': ${describeError(error)}; starting empty`);
      return false;
    }
    if (bytes === undefined) {
      log.info(`No state file '${path}' yet: starting empty`);
      return false;
    }
    let snapshot: StateSnapshot;
    try {
      snapshot = decodeSnapshot(bytes);
      apply(snapshot);
    } catch (error) {
      const reason = error instanceof UnreadableFile ? error.reason : "corrupt";
      this.#setAside(reason, describeError(error));
      return false;
    }
    const ms = this.#options.now() - started;
    const age = Math.max(0, this.#options.now() / 1000 - snapshot.savedAt);
    log.info(
      `Restored ${snapshot.tasks.size} tasks and ${snapshot.workers.length} workers from ` +
        `'${path}' (saved ${age.toFixed(0)} s ago) in ${ms.toFixed(0)} ms`,
    );
    return true;
  }

  /** Starts saving `sources` every interval (if the interval is not 0). */
  start(sources: PersistSources): void {
    this.#sources = sources;
    if (this.#options.interval > 0) {
      this.#timer = setInterval(() => void this.save(), this.#options.interval);
    }
  }

  /**
   * Saves now, unless a save is running (then its promise is returned). Never rejects: a
   * failure is logged and counted, and the previous file stays as it was.
   */
  save(): Promise<void> {
    if (this.#running) return this.#running;
    const sources = this.#sources;
    if (!sources) return Promise.resolve();
    const run = this.#save(sources, false).finally(() => this.#running = undefined);
    this.#running = run;
    return run;
  }

  /**
   * Stops the timer and makes a last save, waiting at most `timeout` ms in all (a save already
   * running is finished first). Logs the outcome.
   */
  async close(timeout: number): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    const sources = this.#sources;
    if (!sources) return;
    const last = (async () => {
      await this.#running;
      await this.#save(sources, true);
    })();
    const gaveUp = Symbol();
    const outcome = await Promise.race([last, sleep(timeout).then(() => gaveUp)]);
    if (outcome === gaveUp) {
      log.error(
        `Gave up saving state to '${this.#path}' after ${timeout} ms; ` +
          "the file keeps the previous save",
      );
    }
  }

  async #save(sources: PersistSources, final: boolean): Promise<void> {
    const { now, cpu } = this.#options;
    const started = now();
    const startedCpu = cpu();
    let longest = 0;
    let longestCpu = 0;
    let turn = now();
    let turnCpu = cpu();
    /** Ends a stretch of work: records how long it ran. */
    const endStep = () => {
      longest = Math.max(longest, now() - turn);
      longestCpu = Math.max(longestCpu, cpu() - turnCpu);
    };
    /** Starts a stretch of work, after the event loop had a turn. */
    const resumed = () => {
      turn = now();
      turnCpu = cpu();
    };
    /** Gives the event loop a turn once `sliceMs` of work has gone by. */
    const pause = async () => {
      if (now() - turn < this.#options.sliceMs) return;
      endStep();
      await sleep(0);
      resumed();
    };
    const copier = sources.copyTasks();
    let snapshot: StateSnapshot<ReturnType<TaskCopier["finish"]>["cols"]>;
    try {
      while (copier.step(this.#options.sliceSlots)) await pause();
      snapshot = { tasks: copier.finish(), ...sources.extras(), savedAt: now() / 1000 };
    } catch (error) {
      copier.cancel();
      this.#failed(error);
      return;
    }
    try {
      const bytes = await writeAtomically(
        this.#path,
        (sink) => encodeSnapshot(snapshot, sink),
        { pause, awaiting: endStep, resumed },
      );
      const duration = (now() - started) / 1000;
      Object.assign(this.stats, {
        savedAt: snapshot.savedAt,
        duration,
        bytes,
        tasks: snapshot.tasks.size,
        saves: this.stats.saves + 1,
        longestStepMs: longest,
        longestStepCpuMs: longestCpu,
        cpuMs: cpu() - startedCpu,
      });
      const message = `Saved ${snapshot.tasks.size} tasks and ${snapshot.workers.length} ` +
        `workers to '${this.#path}' (${(bytes / 2 ** 20).toFixed(1)} MiB) in ` +
        `${(duration * 1000).toFixed(0)} ms`;
      if (final) log.info(message);
      else log.debug(message);
    } catch (error) {
      this.#failed(error);
    }
  }

  #failed(error: unknown): void {
    this.stats.failures++;
    log.warn(`Cannot save state to '${this.#path}': ${describeError(error)}`);
  }

  #setAside(reason: string, detail: string): void {
    const path = this.#path;
    try {
      const moved = moveAside(path, reason);
      log.warn(
        `State file '${path}' not restored (${reason}: ${detail}); moved it to '${moved}' ` +
          "and starting empty",
      );
    } catch (error) {
      log.error(
        `State file '${path}' not restored (${reason}: ${detail}) and could not be moved ` +
          `aside: ${describeError(error)}; starting empty`,
      );
    }
  }
}

function processCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}
