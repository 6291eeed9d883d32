/**
 * The one door to every applied event: metrics, the worker-info cache, and later live pages,
 * snapshots and SSE streams subscribe here. A listener that throws is counted and logged once;
 * it never stops ingestion or the listeners after it.
 */
import { describeError, log } from "../log.ts";
import type { CeleryEvent } from "../state/types.ts";

/** Hears one applied event. Called synchronously on the ingest path: keep it cheap. */
export type EventListener = (event: CeleryEvent) => void;

/** Options for {@linkcode EventHub.subscribe}. */
export interface SubscribeOptions {
  /** How logs and {@linkcode EventHub.stats} name the listener; `listener-<n>` by default. */
  name?: string;
}

/** What the hub has seen, for health and metrics. */
export interface EventHubStats {
  /** Events published. */
  published: number;
  /** Listeners subscribed now. */
  listeners: number;
  /** Throws by listener name, since start. */
  failures: Record<string, number>;
}

interface Subscription {
  name: string;
  listener: EventListener;
}

/** Fans each applied event out to its subscribers. */
export class EventHub {
  /** Replaced, never mutated, so that a listener may unsubscribe while an event is published. */
  #subscriptions: readonly Subscription[] = [];
  #published = 0;
  #next = 1;
  readonly #failures = new Map<string, number>();

  /** Adds `listener` after the existing ones; returns the function that removes it. */
  subscribe(listener: EventListener, options: SubscribeOptions = {}): () => void {
    const subscription = { name: options.name ?? `listener-${this.#next++}`, listener };
    this.#subscriptions = [...this.#subscriptions, subscription];
    return () => {
      this.#subscriptions = this.#subscriptions.filter((entry) => entry !== subscription);
    };
  }

  /** Hands `event` to every listener in subscription order. Never throws. */
  publish(event: CeleryEvent): void {
    this.#published++;
    const subscriptions = this.#subscriptions;
    for (let i = 0; i < subscriptions.length; i++) {
      try {
        subscriptions[i].listener(event);
      } catch (error) {
        this.#fail(subscriptions[i].name, event, error);
      }
    }
  }

  /** Counters since start. */
  stats(): EventHubStats {
    return {
      published: this.#published,
      listeners: this.#subscriptions.length,
      failures: Object.fromEntries(this.#failures),
    };
  }

  #fail(name: string, event: CeleryEvent, error: unknown): void {
    const count = (this.#failures.get(name) ?? 0) + 1;
    this.#failures.set(name, count);
    if (count > 1) return;
    log.warn(
      `Event listener '${name}' failed on a '${event.type}' event: ${
        describeError(error)
      }; further failures of '${name}' are counted, not logged`,
    );
  }
}
