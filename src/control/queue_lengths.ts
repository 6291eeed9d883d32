/**
 * `GET /api/queues/length`: the queues workers consume (from their `active_queues` replies) plus
 * Celery's default `celery` queue, measured on the broker through the Transport, or, with
 * `--broker_api` on RabbitMQ, described whole by the management API as Flower does.
 */
import {
  type ManagementApiOptions,
  type ManagementQueue,
  managementQueues,
} from "../broker/management_api.ts";
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

/**
 * Ready-message counts of every consumed queue, in Flower's `active_queues` envelope order; the
 * management API's queue objects instead when `management` is given.
 */
export async function queueLengths(
  transport: Transport,
  inspector: Inspector,
  management?: ManagementApiOptions,
): Promise<QueueLength[] | ManagementQueue[]> {
  const names = consumedQueues(inspector);
  if (management) return await managementQueues(names, management);
  return await transport.queueLengths(names);
}
