/**
 * The event path: broker message → decode and validate → receiver clock handling → state.
 * Nothing here throws back into the transport: a bad message is counted, logged once per kind
 * and dropped, and the good events of the same batch are still applied.
 */
import type { EventMessage, UndecodableMessage } from "../broker/transport.ts";
import {
  decodeEvents,
  type EventVisitor,
  type RawEvent,
  type RejectReason,
} from "../celery/events.ts";
import { describeError, log } from "../log.ts";
import type { CeleryEvent } from "../state/types.ts";
import type { EventHub } from "./event_hub.ts";

/** What the event path has handled since start, read through {@linkcode EventIngest.stats}. */
export interface IngestCounters {
  messages: number;
  events: number;
  rejected: Partial<Record<DropReason, number>>;
}

/** Why a message or event was dropped: the decoder's reasons, plus the ingest path's own. */
export type DropReason = RejectReason | "apply_failed" | "undecodable_frame";

/** Where decoded events go. */
export interface IngestSink {
  /** Receiver step: clocks and local time (`src/ingest/receiver.ts`). */
  prepare(raw: RawEvent): CeleryEvent;
  /** State step: merge into the task and worker tables. */
  apply(event: CeleryEvent): void;
  /** Hears every event the state applied (metrics, worker-info cache, live pages). */
  hub: EventHub;
}

/** Feeds broker messages into the state. */
export class EventIngest {
  readonly #counters: IngestCounters = { messages: 0, events: 0, rejected: {} };
  readonly #sink: IngestSink;
  readonly #logged = new Set<string>();

  constructor(sink: IngestSink) {
    this.#sink = sink;
  }

  /** A copy of the counters: messages, applied events, and drops by reason. */
  stats(): IngestCounters {
    const counters = this.#counters;
    return {
      messages: counters.messages,
      events: counters.events,
      rejected: { ...counters.rejected },
    };
  }

  /** Handles one broker message. Never throws. */
  handle(message: EventMessage): void {
    this.#counters.messages++;
    if (message.malformed !== undefined) {
      this.#count("bad_envelope", `${message.malformed} (channel '${message.routingKey}')`);
      return;
    }
    this.#routingKey = message.routingKey;
    // Each event is applied as soon as it is decoded: no array of events per message.
    decodeEvents(message.body, message.contentType, this.#visitor);
  }

  /**
   * Counts a message the broker client could not decode (the transport reconnects by itself).
   * Never throws.
   */
  undecodable(failure: UndecodableMessage): void {
    const where = failure.routingKey === undefined
      ? ""
      : ` (exchange '${failure.exchange ?? ""}', routing key '${failure.routingKey}')`;
    this.#count("undecodable_frame", `${failure.reason}${where}; reconnecting`);
  }

  /** Routing key of the message being handled, for rejection details. */
  #routingKey = "";

  readonly #visitor: EventVisitor = {
    event: (raw) => this.#apply(raw),
    reject: (reason, detail) =>
      this.#count(reason, `${detail} (routing key '${this.#routingKey}')`),
  };

  #apply(raw: RawEvent): void {
    try {
      const event = this.#sink.prepare(raw);
      this.#sink.apply(event);
      this.#counters.events++;
      // Never throws: a listener's failure is the hub's to count, not an apply failure.
      this.#sink.hub.publish(event);
    } catch (error) {
      this.#count("apply_failed", `${raw.type}: ${describeError(error)}`);
    }
  }

  #count(reason: DropReason, detail: string): void {
    this.#counters.rejected[reason] = (this.#counters.rejected[reason] ?? 0) + 1;
    if (this.#logged.has(reason)) return;
    this.#logged.add(reason);
    log.warn(
      `Dropped a malformed event (${reason}): ${detail}; further '${reason}' drops are counted, not logged`,
    );
  }
}
