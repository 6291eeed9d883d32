/**
 * `AMQPClient` with a guard on frame parsing. amqp-client parses frames inside the socket's data
 * handler, so anything thrown there (a field type it does not know, a table whose lengths run past
 * the frame, a throw from a consumer callback) would escape as an uncaught exception and end the
 * process. Here such a failure is reported once and the socket is destroyed: the client then
 * reports a disconnect like any other, and the transport reconnects with backoff.
 */
import { type AMQPBaseClient, AMQPClient, AMQPError } from "@cloudamqp/amqp-client";
import type { AMQPView } from "@cloudamqp/amqp-client/amqp-view";
import { describeError } from "../log.ts";
import "./amqp_field_types.ts";

/** What is known of a frame that could not be handled. */
export interface FrameFailure {
  /** Why it failed, e.g. "Field type '90' not supported". */
  reason: string;
  /** The exchange and routing key of the delivery the frame belonged to, when there was one. */
  exchange?: string;
  routingKey?: string;
}

/** Fields of the library's in-progress delivery that its typings do not declare. */
interface ChannelInProgress {
  delivery?: { exchange?: string; routingKey?: string };
}

/** An `AMQPClient` that never throws out of its socket's data handler. */
export class GuardedAmqpClient extends AMQPClient {
  /** Called once per connection, for the first frame that fails; then the socket is dropped. */
  onFrameFailure?: (failure: FrameFailure) => void;
  #failed = false;

  override connect(): Promise<AMQPBaseClient> {
    this.#failed = false;
    return super.connect();
  }

  protected override parseFrames(view: AMQPView): void {
    // After a failure the rest of the socket's bytes are not trusted: the connection is ending.
    if (this.#failed) return;
    try {
      super.parseFrames(view);
    } catch (error) {
      this.#failed = true;
      const channel = view.byteLength >= 3 ? this.channels[view.getUint16(1)] : undefined;
      const delivery = (channel as ChannelInProgress | undefined)?.delivery;
      try {
        this.onFrameFailure?.({
          reason: describeError(error),
          exchange: delivery?.exchange,
          routingKey: delivery?.routingKey,
        });
      } finally {
        this.#dropSocket(error);
      }
    }
  }

  /** Destroys the socket with an error, so the library runs its own disconnect path. */
  #dropSocket(cause: unknown): void {
    const socket = (this as unknown as { socket?: { destroy(error?: Error): void } }).socket;
    const message = `Undecodable frame: ${cause instanceof Error ? cause.message : cause}`;
    socket?.destroy(new AMQPError(message, this));
  }
}
