/**
 * Kombu's Redis transport conventions (`kombu/transport/redis.py`, `virtual/base.py`): the
 * message envelope, key and channel names, priority sub-queues and binding-set members. Pure, so
 * it can be checked byte for byte against what real workers write.
 */
import * as v from "valibot";

/** Transport options that change names (`broker_transport_options`). */
export interface RedisNaming {
  /** Prepended verbatim to every key and channel. */
  globalKeyprefix: string;
  /** Separator between a queue name and its priority step, and inside binding members. */
  sep: string;
  /** Priority steps; step 0 uses the bare queue name. */
  prioritySteps: number[];
  /** Prefix of fanout channels: `/{db}.` by default, `""` when `fanout_prefix` is false. */
  fanoutPrefix: string;
  /** Whether fanout channels carry `/<routing_key>` (`fanout_patterns`, default true). */
  fanoutPatterns: boolean;
}

/** Kombu's defaults for database `db`. */
export function defaultNaming(db: string): RedisNaming {
  return {
    globalKeyprefix: "",
    sep: "\x06\x16",
    prioritySteps: [0, 3, 6, 9],
    fanoutPrefix: `/${db}.`,
    fanoutPatterns: true,
  };
}

const Options = v.object({
  global_keyprefix: v.optional(v.string()),
  sep: v.optional(v.string()),
  priority_steps: v.optional(
    v.pipe(v.array(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(9))), v.minLength(1)),
  ),
  fanout_prefix: v.optional(v.union([v.boolean(), v.string()])),
  fanout_patterns: v.optional(v.boolean()),
  master_name: v.optional(v.string()),
});

/** Reads `broker_transport_options` into names; throws an Error naming the bad option. */
export function namingFromOptions(db: string, options: Record<string, unknown>): RedisNaming {
  const result = v.safeParse(Options, options);
  if (!result.success) {
    const issue = result.issues[0];
    throw new Error(`Invalid transport option '${v.getDotPath(issue) ?? "?"}': ${issue.message}`);
  }
  const o = result.output;
  const naming = defaultNaming(db);
  if (o.global_keyprefix !== undefined) naming.globalKeyprefix = o.global_keyprefix;
  if (o.sep !== undefined) naming.sep = o.sep;
  if (o.priority_steps) naming.prioritySteps = [...o.priority_steps].sort((a, b) => a - b);
  if (o.fanout_prefix === false) naming.fanoutPrefix = "";
  else if (typeof o.fanout_prefix === "string") naming.fanoutPrefix = o.fanout_prefix;
  if (o.fanout_patterns !== undefined) naming.fanoutPatterns = o.fanout_patterns;
  return naming;
}

/** The list keys of a queue, one per priority step, step 0 first (`_q_for_pri`). */
export function queueKeys(naming: RedisNaming, queue: string): string[] {
  return naming.prioritySteps.map((step) =>
    naming.globalKeyprefix + (step === 0 ? queue : `${queue}${naming.sep}${step}`)
  );
}

/** The list key a message of `priority` goes to: rounded down to a step, clamped to 0..9. */
export function queueKeyFor(naming: RedisNaming, queue: string, priority: number): string {
  const clamped = Number.isInteger(priority) ? Math.min(9, Math.max(0, priority)) : 0;
  let step = naming.prioritySteps[0];
  for (const s of naming.prioritySteps) if (s <= clamped) step = s;
  return naming.globalKeyprefix + (step === 0 ? queue : `${queue}${naming.sep}${step}`);
}

/** The channel a fanout publish goes to (`_get_publish_topic`). */
export function fanoutChannel(naming: RedisNaming, exchange: string, routingKey = ""): string {
  const suffix = naming.fanoutPatterns && routingKey ? `/${routingKey}` : "";
  return `${naming.globalKeyprefix}${naming.fanoutPrefix}${exchange}${suffix}`;
}

/**
 * The channels a pidbox broadcast goes to. Behind Sentinel, kombu 5.2.4's channel never formats
 * `{db}` in its fanout prefix (its `_get_pool` override skips it), so such workers listen on
 * `/{db}.celery.pidbox`; a kombu that formats it listens on `/0.celery.pidbox`. Each worker
 * subscribes to one of the two, so publishing on both reaches each worker once.
 */
export function controlChannels(
  naming: RedisNaming,
  exchange: string,
  sentinel: boolean,
): string[] {
  const channel = fanoutChannel(naming, exchange);
  if (!sentinel || !naming.fanoutPrefix.startsWith("/")) return [channel];
  const unformatted = fanoutChannel({ ...naming, fanoutPrefix: "/{db}." }, exchange);
  return unformatted === channel ? [channel] : [channel, unformatted];
}

/** Patterns an event monitor subscribes to: with and without the routing-key suffix. */
export function eventPatterns(naming: RedisNaming): string[] {
  const base = `${naming.globalKeyprefix}${naming.fanoutPrefix}celeryev`;
  // kombu 5.2.4's Sentinel channel never formats `{db}`: listen there too.
  const unformatted = `${naming.globalKeyprefix}/{db}.celeryev`;
  const patterns = [`${base}/*`, base];
  if (naming.fanoutPrefix.startsWith("/") && base !== unformatted) {
    patterns.push(`${unformatted}/*`);
  }
  return patterns;
}

/** The binding-set key of an exchange. */
export function bindingKey(naming: RedisNaming, exchange: string): string {
  return `${naming.globalKeyprefix}_kombu.binding.${exchange}`;
}

/** A binding-set member: `routing_key + sep + pattern + sep + queue`. */
export function bindingMember(
  naming: RedisNaming,
  routingKey: string,
  queue: string,
  pattern = "",
): string {
  return `${routingKey}${naming.sep}${pattern}${naming.sep}${queue}`;
}

/** A message in kombu's Redis envelope. */
export interface Envelope {
  body: string;
  "content-encoding": string;
  "content-type": string;
  headers: Record<string, unknown>;
  properties: {
    body_encoding: string;
    delivery_tag: string;
    delivery_info: { exchange: string; routing_key: string };
    priority: number;
    delivery_mode?: number;
    correlation_id?: string;
    reply_to?: string;
    [key: string]: unknown;
  };
}

/** What goes into an envelope. */
export interface OutgoingMessage {
  body: string;
  headers: Record<string, unknown>;
  exchange: string;
  routingKey: string;
  priority?: number;
  deliveryMode?: number;
  properties?: Record<string, unknown>;
}

/** Wraps a JSON body the way kombu 5.2 does: base64 body, hyphenated content keys. */
export function encodeEnvelope(message: OutgoingMessage): string {
  const envelope: Envelope = {
    body: base64Encode(message.body),
    "content-encoding": "utf-8",
    "content-type": "application/json",
    headers: message.headers,
    properties: {
      ...message.properties,
      delivery_mode: message.deliveryMode ?? 2,
      delivery_info: { exchange: message.exchange, routing_key: message.routingKey },
      priority: message.priority ?? 0,
      body_encoding: "base64",
      delivery_tag: crypto.randomUUID(),
    },
  };
  return JSON.stringify(envelope);
}

const EnvelopeSchema = v.looseObject({
  body: v.string(),
  "content-type": v.optional(v.string()),
  "content-encoding": v.optional(v.string()),
  headers: v.optional(v.nullable(v.record(v.string(), v.unknown()))),
  properties: v.optional(
    v.looseObject({
      body_encoding: v.optional(v.string()),
      delivery_info: v.optional(v.looseObject({ routing_key: v.optional(v.string()) })),
    }),
  ),
});

/** An envelope taken apart: the decoded body bytes and what describes them. */
export interface IncomingMessage {
  body: Uint8Array;
  contentType?: string;
  headers: Record<string, unknown>;
  routingKey?: string;
}

/** Unwraps an envelope; throws an Error saying what is wrong. */
export function decodeEnvelope(text: string): IncomingMessage {
  const parsed = v.safeParse(EnvelopeSchema, JSON.parse(text));
  if (!parsed.success) throw new Error(`not a kombu envelope: ${parsed.issues[0].message}`);
  const envelope = parsed.output;
  const encoding = envelope.properties?.body_encoding ?? "base64";
  const body = encoding === "base64"
    ? base64Decode(envelope.body)
    : new TextEncoder().encode(envelope.body);
  return {
    body,
    contentType: envelope["content-type"],
    headers: envelope.headers ?? {},
    routingKey: envelope.properties?.delivery_info?.routing_key,
  };
}

function base64Encode(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

function base64Decode(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
