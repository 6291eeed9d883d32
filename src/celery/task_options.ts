/**
 * The JSON body of Flower's publishing routes (`{"args": [...], "kwargs": {...}, ...options}`),
 * validated, with `countdown`/`eta`/`expires` normalised as Flower's `normalize_options` does,
 * and the destination resolved as Celery's `send_task_message` resolves it.
 */
import * as v from "valibot";
import { depthOf } from "./_event_fast_path.ts";
import { parseDateTime } from "./task_time.ts";

/** A value an AMQP header table carries exactly (no fractional numbers: they become float32). */
export type HeaderValue = string | number | boolean | null | HeaderValue[] | {
  [key: string]: HeaderValue;
};

/** `expires` as given: seconds from now, or an absolute time in epoch microseconds. */
export type Expires = { seconds: number } | { at: number };

/** Celery options Stalk understands, with `apply_async`'s names in the JSON body. */
export interface TaskOptions {
  taskId?: string;
  countdown?: number;
  /** Epoch microseconds. */
  eta?: number;
  expires?: Expires;
  queue?: string;
  exchange?: string;
  routingKey?: string;
  priority?: number;
  headers?: Record<string, HeaderValue>;
  shadow?: string;
  timeLimit?: number;
  softTimeLimit?: number;
  ignoreResult?: boolean;
  retries?: number;
  rootId?: string;
  parentId?: string;
  groupId?: string;
  groupIndex?: number;
  deliveryMode?: 1 | 2;
}

/** A validated publishing request. */
export interface TaskRequest {
  args: unknown[];
  kwargs: Record<string, unknown>;
  options: TaskOptions;
}

/** Where a task goes: the queue to make sure exists, and the exchange and key to publish to. */
export interface TaskRoute {
  /** Declared like Celery's `Queue(name, Exchange(name, "direct"), routing_key=name)` if missing. */
  queue: string;
  exchange: string;
  routingKey: string;
}

/**
 * How deeply a body may nest (the body object is level 1). Far beyond any real call; deeper
 * values would exhaust the stack of the repr and header writers, and of a worker's JSON decoder.
 */
export const MAX_BODY_DEPTH = 64;

/** A publishing request Stalk cannot send; the message names the option and quotes the value. */
export class InvalidTaskRequest extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InvalidTaskRequest";
  }
}

const NUMBER = /^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$/;
const DATE_HELP = "expected ISO 8601 or YYYY-MM-DD HH:MM:SS.ffffff";

const plainObject = (message: string) =>
  v.custom<Record<string, unknown>>(
    (input) => typeof input === "object" && input !== null && !Array.isArray(input),
    message,
  );

const seconds = v.pipe(
  v.custom<number | string>(
    (input) => typeof input === "number" || (typeof input === "string" && NUMBER.test(input)),
    "expected a number of seconds",
  ),
  v.transform(Number),
  v.check((value: number) => Number.isFinite(value), "expected a finite number of seconds"),
);

const dateTime = v.pipe(
  v.string(DATE_HELP),
  v.transform(parseDateTime),
  v.number(DATE_HELP),
);

const expires = v.pipe(
  v.union([v.number(), v.string()], `expected a number of seconds or a date (${DATE_HELP})`),
  v.transform((input): Expires | undefined => {
    if (typeof input === "number" || NUMBER.test(input)) {
      const value = Number(input);
      return Number.isFinite(value) ? { seconds: value } : undefined;
    }
    const at = parseDateTime(input);
    return at === undefined ? undefined : { at };
  }),
  v.custom<Expires>(
    (value) => value !== undefined,
    `expected a number of seconds or a date (${DATE_HELP})`,
  ),
);

const text = v.pipe(v.string("expected a string"), v.minLength(1, "must not be empty"));
const maybeEmpty = v.string("expected a string");
const count = v.pipe(
  v.number("expected a non-negative integer"),
  v.integer("expected a non-negative integer"),
  v.minValue(0, "expected a non-negative integer"),
);
const limit = v.pipe(
  v.number("expected a non-negative number of seconds"),
  v.minValue(0, "expected a non-negative number of seconds"),
);

const headers = v.pipe(
  plainObject("expected a JSON object"),
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    const problem = headerProblem(dataset.value, "");
    if (problem) addIssue({ message: problem });
  }),
);

/** One schema entry per supported option; `null` counts as absent, as `None` does in Celery. */
const OPTION_SCHEMAS = {
  task_id: text,
  countdown: seconds,
  eta: dateTime,
  expires,
  queue: text,
  exchange: maybeEmpty,
  routing_key: maybeEmpty,
  priority: v.pipe(
    v.number("expected an integer from 0 to 255"),
    v.integer("expected an integer from 0 to 255"),
    v.minValue(0, "expected an integer from 0 to 255"),
    v.maxValue(255, "expected an integer from 0 to 255"),
  ),
  headers,
  shadow: text,
  time_limit: limit,
  soft_time_limit: limit,
  ignore_result: v.boolean("expected true or false"),
  retries: count,
  root_id: text,
  parent_id: text,
  group_id: text,
  group_index: count,
  delivery_mode: v.pipe(
    v.picklist([1, 2, "transient", "persistent"], "expected 1, 2, 'transient' or 'persistent'"),
    v.transform((mode) => (mode === 1 || mode === "transient" ? 1 : 2) as 1 | 2),
  ),
  serializer: v.picklist(["json"], "only 'json' is supported"),
} as const;

type OptionName = keyof typeof OPTION_SCHEMAS;

/** The option names a body may carry besides `args` and `kwargs`. */
export const OPTION_NAMES = Object.keys(OPTION_SCHEMAS) as OptionName[];

const Body = v.object({
  args: v.optional(v.array(v.unknown(), "expected a JSON array")),
  kwargs: v.nullish(plainObject("expected a JSON object")),
  ...Object.fromEntries(OPTION_NAMES.map((name) => [name, v.nullish(OPTION_SCHEMAS[name])])) as {
    [K in OptionName]: v.NullishSchema<(typeof OPTION_SCHEMAS)[K], undefined>;
  },
});

/**
 * Validates a parsed JSON body. Throws {@linkcode InvalidTaskRequest} naming the option for a
 * body that is not an object, an unknown option, or a bad value.
 */
export function parseTaskRequest(body: unknown): TaskRequest {
  if (body === undefined) body = {};
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new InvalidTaskRequest("Invalid body: expected a JSON object");
  }
  if (depthOf(body, MAX_BODY_DEPTH + 1) > MAX_BODY_DEPTH) {
    throw new InvalidTaskRequest(`Invalid body: nested deeper than ${MAX_BODY_DEPTH} levels`);
  }
  const record = body as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (key !== "args" && key !== "kwargs" && !(OPTION_NAMES as string[]).includes(key)) {
      throw new InvalidTaskRequest(
        `Unknown option '${key}': expected args, kwargs or one of ${OPTION_NAMES.join(", ")}`,
      );
    }
  }
  const result = v.safeParse(Body, record);
  if (!result.success) {
    const issue = result.issues[0];
    const key = String(issue.path?.[0]?.key ?? "body");
    const what = key === "args" || key === "kwargs" ? `'${key}'` : `option '${key}'`;
    throw new InvalidTaskRequest(`Invalid ${what}: ${issue.message}, got ${quote(record[key])}`);
  }
  const out = result.output;
  const options: TaskOptions = {
    taskId: out.task_id ?? undefined,
    countdown: out.countdown ?? undefined,
    eta: out.eta ?? undefined,
    expires: out.expires ?? undefined,
    queue: out.queue ?? undefined,
    exchange: out.exchange ?? undefined,
    routingKey: out.routing_key ?? undefined,
    priority: out.priority ?? undefined,
    headers: (out.headers ?? undefined) as Record<string, HeaderValue> | undefined,
    shadow: out.shadow ?? undefined,
    timeLimit: out.time_limit ?? undefined,
    softTimeLimit: out.soft_time_limit ?? undefined,
    ignoreResult: out.ignore_result ?? undefined,
    retries: out.retries ?? undefined,
    rootId: out.root_id ?? undefined,
    parentId: out.parent_id ?? undefined,
    groupId: out.group_id ?? undefined,
    groupIndex: out.group_index ?? undefined,
    deliveryMode: out.delivery_mode ?? undefined,
  };
  for (const key of Object.keys(options) as (keyof TaskOptions)[]) {
    if (options[key] === undefined) delete options[key];
  }
  return { args: out.args ?? [], kwargs: out.kwargs ?? {}, options };
}

/**
 * Resolves the destination as Celery 5.2's `send_task_message` does: the queue defaults to
 * `celery`; a direct exchange without both `exchange` and `routing_key` is replaced by the
 * default exchange `""` with the queue name as the key.
 */
export function resolveRoute(options: TaskOptions, defaultQueue = "celery"): TaskRoute {
  const queue = options.queue ?? defaultQueue;
  if (!options.exchange || !options.routingKey) return { queue, exchange: "", routingKey: queue };
  return { queue, exchange: options.exchange, routingKey: options.routingKey };
}

/** Why a header value would not survive an AMQP field table, or undefined when it does. */
function headerProblem(value: unknown, path: string): string | undefined {
  if (value === null || typeof value === "string" || typeof value === "boolean") return undefined;
  if (typeof value === "number") {
    return Number.isSafeInteger(value)
      ? undefined
      : `header '${path}' is not an integer (AMQP would keep only a float32); send it as a string`;
  }
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const problem = headerProblem(item, `${path}[${index}]`);
      if (problem) return problem;
    }
    return undefined;
  }
  if (typeof value === "object") {
    for (const [key, item] of Object.entries(value)) {
      const problem = headerProblem(item, path ? `${path}.${key}` : key);
      if (problem) return problem;
    }
    return undefined;
  }
  return `header '${path}' has an unsupported type`;
}

function quote(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 100 ? `${text.slice(0, 97)}...` : text;
}
