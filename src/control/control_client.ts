/**
 * Celery remote control over the Transport: broadcast a pidbox command and, when replies are
 * wanted, collect them by ticket as kombu's `Mailbox._collect` does — stop at `limit` replies or
 * when none has come for `timeout`, and never wait past an overall deadline. All requests share
 * the process's one reply queue; the ticket keeps concurrent broadcasts apart.
 */
import * as v from "valibot";
import type { Transport } from "../broker/transport.ts";
import { type ControlReply, controlRequest } from "../celery/pidbox.ts";
import { log } from "../log.ts";

/** Options of one broadcast. */
export interface BroadcastOptions {
  /** Node names; omitted means every worker. */
  destination?: string[];
  /** Milliseconds to wait for the next reply (kombu's `timeout`). Default 1000. */
  timeout?: number;
  /** Stop after this many replies. Default: the number of destinations, else unlimited. */
  limit?: number;
  /** Milliseconds after which collection stops whatever happens. Default 3 × timeout + 1 s. */
  deadline?: number;
}

/** The timer functions a ControlClient uses; a unit test passes a fake clock's. */
export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Options for {@linkcode ControlClient}. */
export interface ControlClientOptions {
  /** The global timers by default. */
  timers?: Timers;
}

const GLOBAL_TIMERS: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** Replies by node name (`flatten_reply`). */
export type Replies = Record<string, unknown>;

/** `{node: reply}`; valibot's record alone would also take an array. */
const ReplyBody = v.pipe(
  v.custom<Record<string, unknown>>((x) =>
    typeof x === "object" && x !== null && !Array.isArray(x)
  ),
  v.record(v.string(), v.unknown()),
);

interface Collector {
  replies: Replies;
  count: number;
  limit: number;
  idle: number;
  idleTimer?: unknown;
  deadlineTimer?: unknown;
  finish(): void;
}

const decoder = new TextDecoder();

/** Sends pidbox commands and gathers their replies. */
export class ControlClient {
  readonly #transport: Transport;
  readonly #clock: () => number;
  readonly #pending = new Map<string, Collector>();
  readonly #timers: Timers;

  constructor(transport: Transport, clock: () => number, options: ControlClientOptions = {}) {
    this.#transport = transport;
    this.#clock = clock;
    this.#timers = options.timers ?? GLOBAL_TIMERS;
  }

  /** Number of broadcasts still collecting replies. */
  get pending(): number {
    return this.#pending.size;
  }

  /** Sends a command without waiting for replies. */
  async cast(
    command: string,
    args: Record<string, unknown>,
    options: BroadcastOptions = {},
  ): Promise<void> {
    await this.#transport.publishControl(
      controlRequest(command, args, this.#clock(), {
        destination: options.destination,
        timeout: 1,
      }),
    );
  }

  /** Sends a command and resolves with the replies gathered. Rejects only if publishing fails. */
  async call(
    command: string,
    args: Record<string, unknown>,
    options: BroadcastOptions = {},
  ): Promise<Replies> {
    const timeout = options.timeout ?? 1000;
    const destination = options.destination;
    const limit = options.limit ?? (destination?.length ? destination.length : Infinity);
    const ticket = crypto.randomUUID();
    const replyTo = this.#transport.replyRoute();
    const done = new Promise<Replies>((resolve) => {
      const collector: Collector = {
        replies: {},
        count: 0,
        limit,
        idle: timeout,
        finish: () => {
          this.#timers.clearTimeout(collector.idleTimer);
          this.#timers.clearTimeout(collector.deadlineTimer);
          this.#pending.delete(ticket);
          resolve(collector.replies);
        },
      };
      this.#pending.set(ticket, collector);
      collector.idleTimer = this.#timers.setTimeout(collector.finish, timeout);
      collector.deadlineTimer = this.#timers.setTimeout(
        collector.finish,
        options.deadline ?? 3 * timeout + 1000,
      );
    });
    try {
      await this.#transport.publishControl(
        controlRequest(command, args, this.#clock(), {
          destination,
          replyTo,
          ticket,
          timeout: timeout / 1000,
        }),
      );
    } catch (error) {
      this.#pending.get(ticket)?.finish();
      throw error;
    }
    return await done;
  }

  /** Routes one reply to the broadcast that asked for it. Replies to other tickets are ignored. */
  handleReply(reply: ControlReply): void {
    if (!reply.ticket) return;
    const collector = this.#pending.get(reply.ticket);
    if (!collector) return;
    let body: unknown;
    try {
      body = JSON.parse(decoder.decode(reply.body));
    } catch {
      log.warn(`Ignored a pidbox reply that is not JSON (ticket ${reply.ticket})`);
      return;
    }
    const parsed = v.safeParse(ReplyBody, body);
    if (!parsed.success) {
      log.warn(`Ignored a pidbox reply that is not {node: reply} (ticket ${reply.ticket})`);
      return;
    }
    for (const [node, value] of Object.entries(parsed.output)) {
      collector.replies[node] = value;
      collector.count++;
    }
    if (collector.count >= collector.limit) {
      collector.finish();
      return;
    }
    this.#timers.clearTimeout(collector.idleTimer);
    collector.idleTimer = this.#timers.setTimeout(collector.finish, collector.idle);
  }
}
