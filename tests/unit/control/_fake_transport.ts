/** An in-memory Transport for control tests: records publishes, lets a test play worker replies. */
import type { QueueLength, Transport, TransportStatus } from "../../../src/broker/transport.ts";
import type { ControlMessage, ReplyRoute } from "../../../src/celery/pidbox.ts";

/** What a fake worker answers to a request, by method; undefined means silence. */
export type Responder = (message: ControlMessage) => Record<string, unknown>[] | undefined;

export class FakeTransport implements Transport {
  readonly kind = "amqp" as const;
  readonly published: ControlMessage[] = [];
  connected = true;
  onReply: (ticket: string, body: unknown) => void = () => {};
  responder: Responder = () => undefined;

  start(): void {}
  status(): TransportStatus {
    return { connected: this.connected, since: 0, reason: this.connected ? undefined : "down" };
  }
  publishControl(message: ControlMessage): Promise<void> {
    if (!this.connected) return Promise.reject(new Error("down"));
    this.published.push(message);
    const ticket = message.body.ticket as string | undefined;
    const replies = this.responder(message) ?? [];
    if (ticket) {
      for (const reply of replies) queueMicrotask(() => this.onReply(ticket, reply));
    }
    return Promise.resolve();
  }
  replyRoute(): ReplyRoute {
    return { exchange: "reply.celery.pidbox", routingKey: "oid" };
  }
  publishTask(): Promise<void> {
    return Promise.reject(new Error("the control tests publish no tasks"));
  }
  publishEvent(): Promise<void> {
    return Promise.reject(new Error("the control tests publish no events"));
  }
  queueLengths(names: string[]): Promise<QueueLength[]> {
    return Promise.resolve(names.map((name) => ({ name, messages: 0, consumers: 0 })));
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}
