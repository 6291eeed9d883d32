/**
 * Live pages over Server-Sent Events. One listener on the ingest hub only counts and flags (a
 * few integer operations per event); a ticker then renders, at most a few times a second, the
 * fragments of the pages that changed and writes them to their streams. Ingestion never waits
 * for a browser: a stream whose client stops reading is cut off once its buffer is full (the
 * browser reconnects, with `Last-Event-ID`), and `close()` ends every stream at shutdown.
 */
import process from "node:process";
import type { CeleryEvent } from "../state/types.ts";

/** Subscribes to every applied event; returns the unsubscribe function (`EventHub.subscribe`). */
export type Subscribe = (listener: (event: CeleryEvent) => void) => () => void;

/** What a stream shows, and when it needs a new render. */
export interface LiveView {
  /** Streams with the same key share one render per tick. */
  key: string;
  /** A task id whose events make this view stale; otherwise any task or worker event does. */
  task?: string;
  /** Re-render every `pollMs` even without events (the broker page's queue counts). */
  pollMs?: number;
  /** The fragments (elements with ids) to patch into the page. */
  render(): string | Promise<string>;
}

/** Options for {@linkcode LiveStreams}. */
export interface LiveOptions {
  /** Milliseconds between renders of a changed view: updates are coalesced to this rate. */
  intervalMs?: number;
  /** Bytes a client may leave unread before it is cut off. */
  maxBufferBytes?: number;
  /** Milliseconds between keep-alive comments. */
  keepAliveMs?: number;
  /**
   * The largest share of the process's CPU renders may take: after a tick whose renders took
   * `t` ms of CPU, the next waits at least `t × (1 / share − 1)`. Rendering many views of a
   * large store thus slows the updates, never the ingestion. Default 0.1.
   */
  renderShare?: number;
  /** Time and timers; the system's by default, a fake clock in unit tests. */
  clock?: LiveClock;
}

/** What {@linkcode LiveStreams} reads the time from and schedules its ticks with. */
export interface LiveClock {
  /** Milliseconds since the epoch. */
  now(): number;
  /**
   * CPU milliseconds the process has used, to charge renders what they cost rather than the
   * wall time a busy machine stretches them to; `now` stands in when absent.
   */
  cpu?(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const SYSTEM_CLOCK: LiveClock = {
  now: () => Date.now(),
  cpu: () => {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1000;
  },
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

interface Stream {
  view: LiveView;
  controller: ReadableStreamDefaultController<Uint8Array>;
  /** The event count of the last render sent. */
  sentAt: number;
  /** When it was last rendered, for polled views. */
  renderedAt: number;
  lastWrite: number;
  closed: boolean;
}

const encoder = new TextEncoder();

/** One SSE message: `id`, `event: patch` and the HTML split over `data:` lines. */
export function sseMessage(id: number, html: string): string {
  const data = html.split(/\r\n|\r|\n/).map((line) => `data: ${line}`).join("\n");
  return `id: ${id}\nevent: patch\n${data}\n\n`;
}

/** Every open stream and the ticker that feeds them. */
export class LiveStreams {
  readonly #options: Required<LiveOptions>;
  readonly #streams = new Set<Stream>();
  /** Streams watching one task, by task id. */
  readonly #watchers = new Map<string, Set<Stream>>();
  readonly #unsubscribe: () => void;
  /** Events seen, the clock of `Last-Event-ID`. */
  #events = 0;
  /** The event count at the last task or worker change that is not one task's. */
  #changedAt = 0;
  /** `task-received` events seen: "N new tasks" counts from it. */
  #received = 0;
  /** The pending tick's timer, while any stream is open. */
  #timer?: unknown;
  #ticking = false;
  /** CPU milliseconds the last tick spent rendering (the synchronous part of each render). */
  #busy = 0;
  #closed = false;

  constructor(subscribe: Subscribe, options: LiveOptions = {}) {
    this.#options = {
      intervalMs: 400,
      maxBufferBytes: 1024 * 1024,
      keepAliveMs: 15_000,
      renderShare: 0.1,
      clock: SYSTEM_CLOCK,
      ...options,
    };
    this.#unsubscribe = subscribe((event) => this.#observe(event));
  }

  /** `task-received` events seen so far. */
  get received(): number {
    return this.#received;
  }

  /** Open streams. */
  get size(): number {
    return this.#streams.size;
  }

  /**
   * Opens a stream for `view`. `lastEventId` is the browser's `Last-Event-ID`: when nothing
   * changed since, the first render is skipped.
   */
  open(view: LiveView, lastEventId?: string): ReadableStream<Uint8Array> {
    let stream: Stream;
    const resumed = lastEventId !== undefined && /^\d+$/.test(lastEventId)
      ? Number(lastEventId)
      : -1;
    return new ReadableStream<Uint8Array>({
      start: (controller) => {
        stream = {
          view,
          controller,
          // A task view cannot tell whether its task changed while away: it always renders.
          sentAt: view.task !== undefined || resumed > this.#events ? -1 : resumed,
          renderedAt: 0,
          lastWrite: this.#options.clock.now(),
          closed: false,
        };
        if (this.#closed) {
          controller.close();
          return;
        }
        this.#streams.add(stream);
        if (view.task !== undefined) {
          let set = this.#watchers.get(view.task);
          if (!set) this.#watchers.set(view.task, set = new Set());
          set.add(stream);
        }
        // Tell the browser how soon to come back after a cut-off.
        this.#write(stream, "retry: 1000\n\n");
        this.#start();
        void this.#tick();
      },
      cancel: () => this.#drop(stream),
    }, new ByteLengthQueuingStrategy({ highWaterMark: this.#options.maxBufferBytes }));
  }

  /** Ends every stream and stops listening (shutdown). */
  close(): void {
    this.#closed = true;
    this.#unsubscribe();
    this.#stop();
    for (const stream of [...this.#streams]) this.#end(stream);
  }

  #observe(event: CeleryEvent): void {
    this.#events++;
    const type = event.type;
    if (type === "task-received") this.#received++;
    const uuid = event.uuid;
    if (typeof uuid === "string" && this.#watchers.size > 0) {
      const watchers = this.#watchers.get(uuid);
      if (watchers) { for (const stream of watchers) stream.sentAt = Math.min(stream.sentAt, -1); }
    }
    // Heartbeats change the dashboard (load, active) as much as task events change listings.
    this.#changedAt = this.#events;
  }

  /** Schedules the next tick, unless one is pending: one timer whatever the number of streams. */
  #start(): void {
    if (this.#timer !== undefined || this.#closed) return;
    this.#timer = this.#options.clock.setTimeout(() => {
      this.#timer = undefined;
      void this.#tick().then(() => {
        if (this.#streams.size > 0) this.#start();
      });
    }, Math.max(this.#options.intervalMs, this.#busy * (1 / this.#options.renderShare - 1)));
  }

  #stop(): void {
    if (this.#timer !== undefined) this.#options.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  async #tick(): Promise<void> {
    if (this.#ticking) return;
    this.#ticking = true;
    const clock = this.#options.clock;
    const cpu = clock.cpu ? () => clock.cpu!() : () => clock.now();
    let busy = 0;
    try {
      const now = clock.now();
      const renders = new Map<string, Promise<string>>();
      for (const stream of [...this.#streams]) {
        if (stream.closed) continue;
        if (!this.#stale(stream, now)) {
          if (now - stream.lastWrite >= this.#options.keepAliveMs) {
            this.#write(stream, ": keep-alive\n\n");
          }
          continue;
        }
        const at = this.#events;
        let render = renders.get(stream.view.key);
        if (!render) {
          const started = cpu();
          try {
            render = Promise.resolve(stream.view.render());
          } catch (error) {
            render = Promise.reject(error);
          }
          busy += cpu() - started;
          renders.set(stream.view.key, render);
        }
        let html: string;
        try {
          html = await render;
        } catch {
          // A failed render (broker down for the queue table) is retried at the next tick.
          stream.renderedAt = now;
          continue;
        }
        stream.sentAt = at;
        stream.renderedAt = now;
        this.#write(stream, sseMessage(at, html));
      }
    } finally {
      this.#ticking = false;
      this.#busy = busy;
    }
    if (this.#streams.size === 0) this.#stop();
  }

  #stale(stream: Stream, now: number): boolean {
    const { view } = stream;
    if (stream.sentAt < 0) return true;
    if (view.pollMs !== undefined) return now - stream.renderedAt >= view.pollMs;
    if (view.task !== undefined) return false;
    return this.#changedAt > stream.sentAt;
  }

  /** Queues `text`; cuts the stream off when its client has left too much unread. */
  #write(stream: Stream, text: string): void {
    if (stream.closed) return;
    const desired = stream.controller.desiredSize;
    if (desired !== null && desired <= 0) {
      this.#end(stream);
      return;
    }
    try {
      stream.controller.enqueue(encoder.encode(text));
      stream.lastWrite = this.#options.clock.now();
    } catch {
      this.#drop(stream);
    }
  }

  #end(stream: Stream): void {
    if (stream.closed) return;
    this.#drop(stream);
    try {
      stream.controller.close();
    } catch {
      // already closed by the client
    }
  }

  #drop(stream: Stream | undefined): void {
    if (!stream) return;
    stream.closed = true;
    this.#streams.delete(stream);
    if (stream.view.task !== undefined) {
      const set = this.#watchers.get(stream.view.task);
      set?.delete(stream);
      if (set?.size === 0) this.#watchers.delete(stream.view.task);
    }
  }
}
