/**
 * Keeps workers talking: on every broker (re)connect it broadcasts `heartbeat` so each worker
 * announces itself at once (Celery's `wakeup_workers`), and every 5 s it broadcasts
 * `enable_events` so workers started without `-E` send task events (Flower's behaviour).
 */
import type { Transport } from "../broker/transport.ts";
import { describeError, log } from "../log.ts";
import type { ControlClient } from "./control_client.ts";

/** Options for {@linkcode EventWaker}. */
export interface EventWakerOptions {
  enableEvents: boolean;
  /** Milliseconds between `enable_events` broadcasts. */
  intervalMs?: number;
}

/** Sends the wake-up and enable-events broadcasts. */
export class EventWaker {
  readonly #transport: Transport;
  readonly #control: ControlClient;
  readonly #options: EventWakerOptions;
  #timer?: ReturnType<typeof setInterval>;

  constructor(transport: Transport, control: ControlClient, options: EventWakerOptions) {
    this.#transport = transport;
    this.#control = control;
    this.#options = options;
  }

  /** Called after each (re)connect. */
  onConnected(): void {
    void this.#send("heartbeat");
    if (this.#options.enableEvents) void this.#send("enable_events");
  }

  /** Starts the periodic `enable_events` broadcast when enabled. */
  start(): void {
    if (!this.#options.enableEvents || this.#timer) return;
    this.#timer = setInterval(() => {
      if (this.#transport.status().connected) void this.#send("enable_events");
    }, this.#options.intervalMs ?? 5000);
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  async #send(method: string): Promise<void> {
    try {
      await this.#control.cast(method, {});
    } catch (error) {
      log.debug(`Broadcast '${method}' failed: ${describeError(error)}`);
    }
  }
}
