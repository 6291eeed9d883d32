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
  /**
   * The longest wait between two ticks, whatever the renders cost: an event reaches the browser
   * within about this plus one tick's renders. Default 700, for issue #11's 1 s.
   */
  maxIntervalMs?: number;
  /** Bytes a client may leave unread before it is cut off. */
  maxBufferBytes?: number;
  /** Milliseconds between keep-alive comments. */
  keepAliveMs?: number;
  /**
   * The largest share of the process's CPU the streams may take: after a tick whose renders and
   * writes took `t` ms of CPU, the next waits at least `t × (1 / share − 1)`, up to
   * `maxIntervalMs`. Rendering many views of a large store thus slows the updates before the
   * ingestion. Default 0.05, so that ingestion at full speed keeps 95 % of its core.
   */
  renderShare?: number;
  /** Time and timers; the system's by default, a fake clock in unit tests. */
  clock?: LiveClock;
}

/**
 * How long the ticker waits after a tick that took `busyMs` of CPU: the interval, stretched so
 * that the streams keep to `share` of the CPU, but never past `maxMs` (latency comes first).
 */
export function tickDelay(
  busyMs: number,
  intervalMs: number,
  maxMs: number,
  share: number,
): number {
  const spaced = busyMs * (1 / share - 1);
  return Math.max(intervalMs, Math.min(maxMs, spaced));
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
  /** The event count of the last render sent; -1 before the first. */
  sentAt: number;
  /** An event of its task (task views), or a first render, is waiting to be shown. */
  dirty: boolean;
  /** When it was last rendered, for polled views. */
  renderedAt: number;
  lastWrite: number;
  closed: boolean;
}

const encoder = new TextEncoder();
const KEEP_ALIVE = encoder.encode(": keep-alive\n\n");
const RETRY = encoder.encode("retry: 1000\n\n");

/** One SSE message: `id`, `event: patch` and the HTML split over `data:` lines. */
export function sseMessage(id: number, html: string): string {
  // One pass over the HTML (a tasks page is tens of kilobytes, several times a second).
  const data = html.replace(LINE_BREAK, "\ndata: ");
  return `id: ${id}\nevent: patch\ndata: ${data}\n\n`;
}

const LINE_BREAK = /\r\n|\r|\n/g;

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
  /** Keys whose render is still awaited (the broker page asks the broker): not started again. */
  readonly #rendering = new Set<string>();
  /** CPU milliseconds of the last tick: its renders and writes, and those of late renders. */
  #busy = 0;
  #closed = false;

  constructor(subscribe: Subscribe, options: LiveOptions = {}) {
    this.#options = {
      intervalMs: 400,
      maxIntervalMs: 700,
      maxBufferBytes: 1024 * 1024,
      keepAliveMs: 15_000,
      renderShare: 0.05,
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
        // A task view cannot tell whether its task changed while away: it always renders.
        const fresh = view.task !== undefined || resumed < 0 || resumed > this.#events;
        stream = {
          view,
          controller,
          sentAt: fresh ? -1 : resumed,
          dirty: fresh,
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
        this.#write(stream, RETRY);
        this.#start();
        // Only this stream, at once: a reconnecting crowd must not drive the other views' ticks.
        if (this.#stale(stream, this.#options.clock.now())) {
          this.#render(view.key, [stream], this.#options.clock.now());
        }
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
      if (watchers) { for (const stream of watchers) stream.dirty = true; }
    }
    // Heartbeats change the dashboard (load, active) as much as task events change listings.
    this.#changedAt = this.#events;
  }

  /** Schedules the next tick, unless one is pending: one timer whatever the number of streams. */
  #start(): void {
    if (this.#timer !== undefined || this.#closed) return;
    const { intervalMs, maxIntervalMs, renderShare } = this.#options;
    this.#timer = this.#options.clock.setTimeout(() => {
      this.#timer = undefined;
      this.#tick();
      if (this.#streams.size > 0) this.#start();
    }, tickDelay(this.#busy, intervalMs, maxIntervalMs, renderShare));
  }

  #stop(): void {
    if (this.#timer !== undefined) this.#options.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #cpu(): number {
    const clock = this.#options.clock;
    return clock.cpu ? clock.cpu() : clock.now();
  }

  /**
   * Renders every stale view once per key and writes it to its streams. Synchronous: a render
   * that returns a promise is written when it settles, and holds up no other view.
   */
  #tick(): void {
    const started = this.#cpu();
    this.#busy = 0;
    const now = this.#options.clock.now();
    const stale = new Map<string, Stream[]>();
    for (const stream of this.#streams) {
      if (this.#stale(stream, now)) {
        const key = stream.view.key;
        if (this.#rendering.has(key)) continue;
        const group = stale.get(key);
        if (group) group.push(stream);
        else stale.set(key, [stream]);
      } else if (now - stream.lastWrite >= this.#options.keepAliveMs) {
        this.#write(stream, KEEP_ALIVE);
      }
    }
    for (const [key, group] of stale) this.#render(key, group, now);
    this.#busy += this.#cpu() - started;
    if (this.#streams.size === 0) this.#stop();
  }

  /** Renders `group`'s view (streams of one key) once and sends it to each of them. */
  #render(key: string, group: Stream[], now: number): void {
    const at = this.#events;
    for (const stream of group) {
      stream.dirty = false;
      stream.renderedAt = now;
    }
    let html: string | Promise<string>;
    try {
      html = group[0].view.render();
    } catch {
      // A failed render is retried at the next tick.
      this.#retry(group);
      return;
    }
    if (typeof html === "string") {
      this.#send(group, at, html);
      return;
    }
    this.#rendering.add(key);
    html.then(
      (text) => {
        const started = this.#cpu();
        this.#send(group, at, text);
        this.#busy += this.#cpu() - started;
      },
      // A failed render (broker down for the queue table) is retried at the next tick.
      () => this.#retry(group),
    ).finally(() => this.#rendering.delete(key));
  }

  #retry(group: Stream[]): void {
    // Polled views retry at their next poll; the others as soon as the next tick.
    for (const stream of group) if (stream.view.pollMs === undefined) stream.dirty = true;
  }

  /** Encodes one message and queues it on every stream of `group`. */
  #send(group: Stream[], at: number, html: string): void {
    const bytes = encoder.encode(sseMessage(at, html));
    for (const stream of group) {
      if (stream.closed) continue;
      stream.sentAt = at;
      this.#write(stream, bytes);
    }
  }

  #stale(stream: Stream, now: number): boolean {
    const { view } = stream;
    if (stream.dirty) return true;
    if (view.pollMs !== undefined) return now - stream.renderedAt >= view.pollMs;
    if (view.task !== undefined) return false;
    return this.#changedAt > stream.sentAt;
  }

  /**
   * Queues `bytes` (shared by every stream of a key: never changed once queued); cuts the
   * stream off when its client has left too much unread.
   */
  #write(stream: Stream, bytes: Uint8Array): void {
    if (stream.closed) return;
    const desired = stream.controller.desiredSize;
    if (desired !== null && desired <= 0) {
      this.#end(stream);
      return;
    }
    try {
      stream.controller.enqueue(bytes);
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
