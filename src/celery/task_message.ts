/**
 * Task messages, protocol v2, built as Celery 5.2's `AMQP.as_task_v2` and `send_task_message`
 * build them: the headers, the properties and the `[args, kwargs, embed]` body.
 */
import { argsRepr, kwargsRepr } from "./python_repr.ts";
import { type HeaderValue, InvalidTaskRequest, type TaskOptions } from "./task_options.ts";
import { isPythonDateTime, pythonIsoformat } from "./task_time.ts";

/** The embed part of the body: no callbacks, errbacks, chain or chord. */
export interface TaskEmbed {
  callbacks: null;
  errbacks: null;
  chain: null;
  chord: null;
}

/** Message properties with Celery's names (`kombu` writes them as AMQP basic properties). */
export interface TaskProperties {
  correlation_id: string;
  reply_to: string;
  content_type: "application/json";
  content_encoding: "utf-8";
  priority: number;
  delivery_mode: 1 | 2;
  /** Milliseconds as text, only when the task expires (RabbitMQ drops it unconsumed after). */
  expiration?: string;
}

/** One task message, ready to encode and publish. */
export interface TaskMessage {
  headers: Record<string, HeaderValue>;
  properties: TaskProperties;
  body: [unknown[], Record<string, unknown>, TaskEmbed];
}

/** What the sender knows about itself and the moment of sending. */
export interface SenderContext {
  /** Task id used when the options carry no `task_id`. */
  id: string;
  /** The sender's node name, `gen<pid>@<hostname>`. */
  origin: string;
  /** The sender's oid: where the `rpc://` backend sends results. */
  replyTo: string;
  /** Epoch milliseconds now. */
  now: number;
}

/** Builds the message for task `name`; `options` come from {@linkcode parseTaskRequest}. */
export function buildTaskMessage(
  name: string,
  args: unknown[],
  kwargs: Record<string, unknown>,
  options: TaskOptions,
  sender: SenderContext,
): TaskMessage {
  const id = options.taskId ?? sender.id;
  const nowMicros = Math.round(sender.now * 1000);
  // Celery: `if countdown:` — a zero countdown means no eta, and a countdown beats an eta.
  const eta = options.countdown ? nowMicros + Math.round(options.countdown * 1e6) : options.eta;
  const expiresAt = options.expires === undefined
    ? undefined
    : "at" in options.expires
    ? options.expires.at
    : nowMicros + Math.round(options.expires.seconds * 1e6);
  if (options.countdown) requireDateTime(eta!, "countdown", options.countdown);
  if (options.expires && "seconds" in options.expires) {
    requireDateTime(expiresAt!, "expires", options.expires.seconds);
  }
  const headers: Record<string, HeaderValue> = {
    lang: "py",
    task: name,
    id,
    shadow: options.shadow ?? null,
    eta: eta === undefined ? null : pythonIsoformat(eta),
    expires: expiresAt === undefined ? null : pythonIsoformat(expiresAt),
    group: options.groupId ?? null,
    group_index: options.groupIndex ?? null,
    retries: options.retries ?? 0,
    timelimit: [options.timeLimit ?? null, options.softTimeLimit ?? null],
    root_id: options.rootId ?? id,
    parent_id: options.parentId ?? null,
    argsrepr: argsRepr(args),
    kwargsrepr: kwargsRepr(kwargs),
    origin: sender.origin,
    ignore_result: options.ignoreResult ?? false,
    ...options.headers,
  };
  const properties: TaskProperties = {
    correlation_id: id,
    reply_to: sender.replyTo,
    content_type: "application/json",
    content_encoding: "utf-8",
    priority: options.priority ?? 0,
    delivery_mode: options.deliveryMode ?? 2,
  };
  if (expiresAt !== undefined) {
    // kombu: `str(int(max(expiration, 0) * 1000))`, from the seconds left until `expires`.
    properties.expiration = String(Math.max(0, Math.trunc((expiresAt - nowMicros) / 1000)));
  }
  const embed: TaskEmbed = { callbacks: null, errbacks: null, chain: null, chord: null };
  return { headers, properties, body: [args, kwargs, embed] };
}

/** A relative option must land in a year a worker can read (the option's value is quoted). */
function requireDateTime(epochMicros: number, option: string, value: number): void {
  if (isPythonDateTime(epochMicros)) return;
  throw new InvalidTaskRequest(
    `Invalid option '${option}': it gives a time outside the years 1 to 9999, got ${value}`,
  );
}

/** The body as the JSON text published (`application/json`, `utf-8`). */
export function encodeTaskBody(message: TaskMessage): string {
  return JSON.stringify(message.body);
}
