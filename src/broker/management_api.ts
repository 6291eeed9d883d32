/**
 * RabbitMQ's management HTTP API (`--broker_api`), read as Flower's `RabbitMQ.queues` reads it:
 * `GET <api>queues/<vhost>` with basic auth, and the whole queue object of each queue asked for.
 * Plain `fetch`; the credentials go in the `Authorization` header, never in a printed URL.
 */
import * as v from "valibot";
import { redactUrl } from "../celery/redact_url.ts";
import { StalkError } from "../errors.ts";
import { describeError, log } from "../log.ts";
import type { BrokerUrl } from "../celery/broker_url.ts";

/** One queue as the management API describes it (about 45 fields; `name` is the one we read). */
export type ManagementQueue = { name: string } & Record<string, unknown>;

const QueueList = v.array(v.looseObject({ name: v.string() }));

/** Where and how to ask. */
export interface ManagementApiOptions {
  /** `--broker_api`, e.g. `http://guest:guest@localhost:15672/api/`. */
  apiUrl: string;
  /** The broker's virtual host, decoded (`/` by default). */
  vhost: string;
  /** Used when the API URL names no user (Flower falls back to the broker's credentials). */
  username: string;
  password: string;
  /** Flower waits 1 s to connect and 2 s for the answer. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/** The request Flower makes: URL without credentials, and the basic-auth header. */
export function managementRequest(
  options: ManagementApiOptions,
): { url: string; authorization: string } {
  const api = new URL(options.apiUrl);
  const username = decodeURIComponent(api.username) || options.username;
  const password = decodeURIComponent(api.password) || options.password;
  api.username = "";
  api.password = "";
  // Relative to the API URL, as Python's urljoin; the vhost is one path segment (`/` is %2F).
  const url = new URL(`queues/${encodeURIComponent(options.vhost)}`, api).href;
  const token = btoa(String.fromCodePoint(...new TextEncoder().encode(`${username}:${password}`)));
  return { url, authorization: `Basic ${token}` };
}

/**
 * The management API's objects for the queues in `names`, in the API's order; a queue that does
 * not exist is left out, as in Flower. Throws a 503 StalkError naming the API (without its
 * password) when it is unreachable, refuses the credentials or answers something else.
 */
export async function managementQueues(
  names: string[],
  options: ManagementApiOptions,
): Promise<ManagementQueue[]> {
  const { url, authorization } = managementRequest(options);
  const where = redactUrl(options.apiUrl);
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(url, {
      headers: { Authorization: authorization, Accept: "application/json" },
      signal: AbortSignal.timeout(options.timeoutMs ?? 3000),
    });
  } catch (error) {
    throw new StalkError(
      "unavailable",
      `Cannot reach the RabbitMQ management API at '${where}': ${describeError(error)}`,
      { cause: error },
    );
  }
  if (response.status === 401 || response.status === 403) {
    await response.body?.cancel();
    throw new StalkError(
      "unavailable",
      `The RabbitMQ management API at '${where}' refused the credentials (${response.status})`,
    );
  }
  if (response.status !== 200) {
    const detail = (await response.text()).slice(0, 200);
    throw new StalkError(
      "unavailable",
      `The RabbitMQ management API at '${where}' answered ${response.status}: ${detail}`,
    );
  }
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    body = undefined; // refused just below
  }
  const parsed = v.safeParse(QueueList, body);
  if (!parsed.success) {
    throw new StalkError(
      "unavailable",
      `The RabbitMQ management API at '${where}' did not answer a list of queues`,
    );
  }
  const wanted = new Set(names);
  return parsed.output.filter((queue) => wanted.has(queue.name)) as ManagementQueue[];
}

/**
 * The management API options for a broker, or undefined: Flower honours `--broker_api` only for
 * AMQP brokers, and so does Stalk (with a warning for any other).
 */
export function managementFor(
  broker: BrokerUrl,
  apiUrl: string | undefined,
): ManagementApiOptions | undefined {
  if (!apiUrl) return undefined;
  if (broker.kind !== "amqp") {
    log.warn(`Ignoring --broker_api: the broker is ${broker.scheme}://, not RabbitMQ`);
    return undefined;
  }
  return { apiUrl, vhost: broker.vhost, username: broker.username, password: broker.password };
}
