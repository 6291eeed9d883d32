/**
 * `GET /api/queues/length`: the queues workers consume (from their `active_queues` replies) plus
 * Celery's default `celery` queue, measured on the broker through the Transport.
 */
import type { QueueLength, Transport } from "../broker/transport.ts";
import type { Inspector } from "./inspector.ts";

/** Celery's `task_default_queue`. */
const DEFAULT_QUEUE = "celery";

/** Names of the task queues known from inspection, default queue first, without duplicates. */
export function consumedQueues(inspector: Inspector): string[] {
  const names = new Set<string>([DEFAULT_QUEUE]);
  for (const info of Object.values(inspector.all())) {
    const queues = info.active_queues;
    if (!Array.isArray(queues)) continue;
    for (const queue of queues) {
      const name = (queue as { name?: unknown })?.name;
      if (typeof name === "string" && name) names.add(name);
    }
  }
  return [...names];
}

/** Ready-message counts of every consumed queue, in Flower's `active_queues` envelope order. */
export async function queueLengths(
  transport: Transport,
  inspector: Inspector,
): Promise<QueueLength[]> {
  return await transport.queueLengths(consumedQueues(inspector));
}
