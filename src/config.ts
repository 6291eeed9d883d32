/**
 * Configuration: command-line flags, `flowerconfig.py` (`--conf`) and `FLOWER_*` / `CELERY_*`
 * environment variables, read the way Flower reads them (flag over file over environment over
 * default) and validated by one valibot schema.
 */
import { readFileSync } from "node:fs";
import * as v from "valibot";
import { parseBackendUrl } from "./celery/backend_url.ts";
import { parseBrokerUrl } from "./celery/broker_url.ts";
import { strtobool, STRTOBOOL_WORDS } from "./celery/strtobool.ts";
import { redactUrl } from "./celery/redact_url.ts";
import { DEFAULT_BUCKETS } from "./metrics/registry.ts";
import { ConfigFileError, optionText, parseConfigFile } from "./config_file.ts";
import { OTHER_FLOWER_VARIABLES, REFUSED } from "./config_refused.ts";
import {
  type AccessConfig,
  type ListenConfig,
  SECURITY_OPTIONS,
  securityConfig,
  securityEntries,
} from "./config_security.ts";
import { describeError } from "./log.ts";

/** The typed, validated configuration of one Stalk process. */
export interface Config {
  broker: string;
  /** Where `broker` came from (`--broker`, `FLOWER_BROKER`, `CELERY_BROKER_URL`, …), for errors. */
  brokerSource: string;
  port: number;
  address: string;
  maxTasks: number;
  maxWorkers: number;
  /** `user:password` pairs; empty when basic auth is off. */
  basicAuth: string[];
  /** Inspect broadcast timeout in milliseconds. */
  inspectTimeout: number;
  enableEvents: boolean;
  /** Message TTL of Stalk's event queue, in seconds. */
  eventQueueTtl: number;
  /** Refuse every mutating API call with 403. */
  readOnly: boolean;
  /** `FLOWER_UNAUTHENTICATED_API`: open `/api/*` without auth. */
  unauthenticatedApi: boolean;
  logLevel: "debug" | "info" | "warn" | "error";
  /** `--result_backend` / `CELERY_RESULT_BACKEND` (src/celery/backend_url.ts); none when unset. */
  resultBackend?: string;
  /** Where `resultBackend` came from, for errors. */
  resultBackendSource: string;
  /** `--broker_transport_options`: Celery's `broker_transport_options`, a JSON object. */
  brokerTransportOptions: Record<string, unknown>;
  /** `--result_backend_transport_options`: Celery's `result_backend_transport_options`. */
  resultBackendTransportOptions: Record<string, unknown>;
  /** `--broker_use_ssl`: Celery's `broker_use_ssl`, `true` or a JSON object of TLS options. */
  brokerUseSsl?: boolean | Record<string, unknown>;
  /** Seconds `POST /api/task/apply` waits for a result unless the request names a `timeout`. */
  applyTimeout: number;
  /** Publish `task-sent` after each task Stalk sends (Celery's `task_send_sent_event`). */
  taskSendSentEvent: boolean;
  /** `--persistent`: restore state at start-up and save it (see docs/persistence.md). */
  persistent: boolean;
  /** `--db`: the state file. */
  db: string;
  /** `--state_save_interval`: ms between saves, 0 = only at shutdown (Stalk's default 15 s). */
  stateSaveInterval: number;
  /** `--task_runtime_metric_buckets`: upper bounds of `flower_task_runtime_seconds`' buckets. */
  taskRuntimeMetricBuckets: number[];
  /** `--purge_offline_workers`: seconds offline after which a worker is hidden and purged. */
  purgeOfflineWorkers?: number;
  /** `--broker_api`: RabbitMQ's management API, e.g. `http://guest:guest@localhost:15672/api/`. */
  brokerApi?: string;
  /** `--url_prefix`: serve everything under `/<prefix>/`; empty for the root. No slashes around. */
  urlPrefix: string;
  /** `--auto_refresh`: the workers dashboard updates itself. */
  autoRefresh: boolean;
  /** `--natural_time`: relative times ("3 minutes ago") on the tasks page. */
  naturalTime: boolean;
  /** `--tasks_columns`: the tasks page's default columns, in Flower's names and order. */
  tasksColumns: TaskColumn[];
  /** Logins, tokens, roles (`config_security.ts`). */
  access: AccessConfig;
  /** TLS, Unix socket, proxy headers. */
  listen: ListenConfig;
}

/** The columns of the tasks page, in Flower's order (`--tasks_columns=all` shows them all). */
export const TASK_COLUMNS = [
  "name",
  "uuid",
  "state",
  "args",
  "kwargs",
  "result",
  "received",
  "started",
  "runtime",
  "worker",
  "exchange",
  "routing_key",
  "retries",
  "revoked",
  "exception",
  "expires",
  "eta",
] as const;

/** One column of the tasks page. */
export type TaskColumn = typeof TASK_COLUMNS[number];

/** Flower's default `--tasks_columns`. */
export const DEFAULT_TASK_COLUMNS =
  "name,uuid,state,args,kwargs,result,received,started,runtime,worker";

/** Milliseconds between saves when `--persistent` is on and no interval is given. */
export const DEFAULT_SAVE_INTERVAL = 15_000;

/** What the command line asked for: run the server, or print help or the version. */
/** What the command line asked for; `warnings` are logged once at start-up. */
export type Command =
  | { kind: "run"; config: Config; warnings: string[] }
  | { kind: "help" }
  | { kind: "version" };

/** A bad flag, value or variable; the process exits with code 2 and this one-line message. */
export class ConfigError extends Error {
  constructor(message: string) {
    // The message may quote a broker, backend or management-API URL.
    super(redactUrl(message));
    this.name = "ConfigError";
  }
}

const bool = v.pipe(
  v.string(),
  v.transform(strtobool),
  v.boolean(`expected a boolean (${STRTOBOOL_WORDS})`),
);

function integer(min: number, max: number) {
  return v.pipe(
    v.string(),
    v.regex(/^\s*\d+\s*$/, `expected an integer from ${min} to ${max}`),
    v.transform(Number),
    v.number(),
    v.minValue(min, `expected an integer from ${min} to ${max}`),
    v.maxValue(max, `expected an integer from ${min} to ${max}`),
  );
}

function positiveNumber() {
  return v.pipe(
    v.string(),
    v.regex(/^\s*\d+(\.\d+)?\s*$/, "expected a positive number"),
    v.transform(Number),
    v.number(),
    v.minValue(Number.MIN_VALUE, "expected a positive number"),
  );
}

const brokerUrl = v.pipe(
  v.string(),
  v.regex(/^[a-z][a-z0-9+.-]*:\/\//i, "expected a broker URL such as amqp://host//"),
  // Parsed here, so that an error names where the URL came from (CELERY_BROKER_URL, say).
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    try {
      parseBrokerUrl(dataset.value);
    } catch (error) {
      addIssue({ message: describeError(error) });
    }
  }),
);

const credentials = v.pipe(
  v.string(),
  v.transform((text) => text.split(",").map((pair) => pair.trim()).filter(Boolean)),
  v.array(v.pipe(v.string(), v.regex(/^[^:]+:.*$/, "expected user:password[,user:password…]"))),
  v.minLength(1, "expected user:password[,user:password…]"),
);

const httpUrl = v.pipe(
  v.string(),
  v.check((text) => {
    try {
      return ["http:", "https:"].includes(new URL(text.trim()).protocol);
    } catch {
      return false;
    }
  }, "expected an http:// or https:// URL such as http://guest:guest@localhost:15672/api/"),
);

const resultBackend = v.pipe(
  v.string(),
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed || dataset.value.trim() === "") return;
    try {
      parseBackendUrl(dataset.value);
    } catch (error) {
      addIssue({ message: describeError(error) });
    }
  }),
);

const jsonObject = v.pipe(
  v.string(),
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    try {
      const value: unknown = JSON.parse(dataset.value);
      if (typeof value === "object" && value !== null && !Array.isArray(value)) {
        return value as Record<string, unknown>;
      }
    } catch {
      // reported below
    }
    addIssue({ message: 'expected a JSON object such as {"global_keyprefix": "app:"}' });
    return NEVER;
  }),
);

const brokerUseSsl = v.pipe(
  v.string(),
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    const flag = strtobool(dataset.value);
    if (flag !== undefined) return flag;
    try {
      const value: unknown = JSON.parse(dataset.value);
      if (typeof value === "object" && value !== null && !Array.isArray(value)) {
        return value as Record<string, unknown>;
      }
    } catch {
      // reported below
    }
    addIssue({
      message: 'expected true, false or a JSON object such as {"ca_certs": "/etc/ssl/ca.pem"}',
    });
    return NEVER;
  }),
);

const PREFIX_MESSAGE = "expected a path such as flower or ops/flower";

/** `--url_prefix`: slashes around it are dropped; each segment is a plain path word. */
const urlPrefix = v.pipe(
  v.string(),
  v.transform((text) => text.trim().replace(/^\/+|\/+$/g, "")),
  v.check(
    (text) =>
      text === "" || text.split("/").every((part) => /^[A-Za-z0-9_~-][A-Za-z0-9._~-]*$/.test(part)),
    PREFIX_MESSAGE,
  ),
);

const tasksColumns = v.pipe(
  v.string(),
  v.transform((text) => text.split(",").map((name) => name.trim().toLowerCase()).filter(Boolean)),
  v.transform((names) => names.includes("all") ? [...TASK_COLUMNS] : names),
  v.array(
    v.picklist(TASK_COLUMNS, `expected 'all' or column names among ${TASK_COLUMNS.join(", ")}`),
  ),
  v.minLength(1, "expected at least one column name"),
);

const logLevel = v.picklist(
  ["debug", "info", "warn", "error"],
  "expected debug, info, warn or error",
);

/** Flower's bucket list: comma-separated numbers, `inf` allowed (the +Inf bucket is implied). */
const buckets = v.pipe(
  v.string(),
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    const parts = dataset.value.split(",").map((part) => part.trim()).filter(Boolean);
    const values = parts.map((part) => /^\+?inf$/i.test(part) ? Infinity : Number(part));
    if (parts.length === 0 || values.some((value) => Number.isNaN(value) || value < 0)) {
      addIssue({ message: "expected comma-separated bucket bounds such as 0.1,1,10,inf" });
      return NEVER;
    }
    return [...new Set(values.filter((value) => value !== Infinity))].sort((a, b) => a - b);
  }),
);

/** One schema for every option; each entry turns the option's text into its typed value. */
const ConfigSchema = v.object({
  broker: brokerUrl,
  port: integer(0, 65535),
  address: v.string(),
  max_tasks: integer(1, 100_000_000),
  max_workers: integer(1, 10_000_000),
  basic_auth: v.optional(credentials),
  inspect_timeout: positiveNumber(),
  enable_events: bool,
  event_queue_ttl: positiveNumber(),
  read_only: bool,
  unauthenticated_api: bool,
  logging: logLevel,
  debug: bool,
  conf: v.string(),
  result_backend: v.optional(resultBackend),
  apply_timeout: positiveNumber(),
  broker_transport_options: jsonObject,
  task_send_sent_event: bool,
  persistent: bool,
  db: v.pipe(v.string(), v.trim(), v.minLength(1, "expected a file path")),
  state_save_interval: v.optional(integer(0, 2_147_483_647)),
  task_runtime_metric_buckets: buckets,
  purge_offline_workers: v.optional(integer(1, 2_147_483_647)),
  broker_use_ssl: v.optional(brokerUseSsl),
  result_backend_transport_options: jsonObject,
  broker_api: v.optional(httpUrl),
  url_prefix: urlPrefix,
  auto_refresh: bool,
  natural_time: bool,
  tasks_columns: tasksColumns,
  ...securityEntries(bool),
});

type OptionName = keyof typeof ConfigSchema.entries;

interface OptionSpec {
  default?: string;
  help: string;
  /** Flags without a value (`--enable_events`) mean true. */
  flag?: boolean;
  /** Extra environment variables read after `FLOWER_<NAME>`. */
  env?: string[];
  /** Not settable on the command line (Flower reads it from the environment only). */
  envOnly?: boolean;
  /** Never quoted in an error message. */
  secret?: boolean;
}

/** Every option Stalk understands, with its default and help text. */
export const OPTIONS: Record<OptionName, OptionSpec> = {
  broker: {
    default: "amqp://guest:guest@localhost:5672//",
    help: "Broker URL (amqp://, amqps://, redis://, rediss://, redis+socket://, sentinel://)",
    env: ["CELERY_BROKER_URL"],
  },
  port: { default: "5555", help: "HTTP port to listen on (0 picks a free one)" },
  address: { default: "", help: "Address to bind (default: every interface)" },
  max_tasks: { default: "100000", help: "Tasks kept in memory (oldest evicted first)" },
  max_workers: { default: "5000", help: "Workers kept in memory" },
  basic_auth: { help: "HTTP Basic credentials, user:password[,user:password…]" },
  inspect_timeout: { default: "1000", help: "Worker inspect timeout in milliseconds" },
  enable_events: {
    default: "true",
    flag: true,
    help: "Ask workers to send task events every 5 seconds",
  },
  event_queue_ttl: {
    default: "60",
    help: "Seconds an event may wait in Stalk's queue before the broker drops it",
  },
  read_only: {
    default: "false",
    flag: true,
    help: "Refuse every API call that changes workers or tasks (403)",
  },
  unauthenticated_api: {
    default: "false",
    envOnly: true,
    help: "FLOWER_UNAUTHENTICATED_API: serve /api/* without authentication",
  },
  url_prefix: { default: "", help: "Serve every page and route under /<prefix>/ (behind a proxy)" },
  auto_refresh: {
    default: "true",
    flag: true,
    help: "Update the workers dashboard live",
  },
  natural_time: {
    default: "false",
    flag: true,
    help: 'Show relative times ("3 minutes ago") on the tasks page',
  },
  tasks_columns: {
    default: DEFAULT_TASK_COLUMNS,
    help: `Default columns of the tasks page, or 'all': ${TASK_COLUMNS.join(", ")}`,
  },
  logging: { default: "info", help: "Log level: debug, info, warn or error" },
  debug: { default: "false", flag: true, help: "Log at debug level (as --logging=debug)" },
  conf: {
    default: "flowerconfig.py",
    help: "Flower's config file of literal assignments (port = 5555); a missing default is fine",
  },
  result_backend: {
    help:
      "Result backend URL (redis://, rediss://, sentinel://, rpc://, cache+memcached://, db+postgresql://, db+mysql://, db+sqlite:///, django-db+<database>://) for the apply, result and abort routes",
    env: ["CELERY_RESULT_BACKEND"],
  },
  apply_timeout: { default: "60", help: "Seconds POST /api/task/apply waits for a result" },
  broker_api: {
    help: "RabbitMQ management API URL; /api/queues/length then answers its queue objects",
  },
  task_send_sent_event: {
    default: "true",
    flag: true,
    help: "Send a task-sent event for each task published through the API",
  },
  broker_transport_options: {
    default: "{}",
    help:
      "Celery's broker_transport_options as JSON (Redis: global_keyprefix, sep, priority_steps; Sentinel: master_name)",
  },
  result_backend_transport_options: {
    default: "{}",
    help:
      "Celery's result_backend_transport_options as JSON (sentinel:// result backends: master_name)",
  },
  broker_use_ssl: {
    help:
      "Celery's broker_use_ssl: true, or JSON with cert_reqs, ca_certs, certfile, keyfile (TLS to the broker)",
  },
  persistent: {
    default: "false",
    flag: true,
    help: "Restore tasks, workers and metrics from --db at start-up and save them",
  },
  db: { default: "flower", help: "State file used by --persistent" },
  state_save_interval: {
    help: "Milliseconds between saves with --persistent; 0 saves only at shutdown (default 15000)",
  },
  ...SECURITY_OPTIONS,
  task_runtime_metric_buckets: {
    default: DEFAULT_BUCKETS.join(","),
    help: "Bucket bounds of flower_task_runtime_seconds, comma-separated (inf allowed)",
  },
  purge_offline_workers: {
    help: "Seconds offline after which a worker is hidden from /api/workers and its metrics purged",
  },
};

/** Flags that print something and exit instead of setting an option; they take no value. */
const COMMAND_FLAGS = new Set(["help", "version"]);

function normaliseFlag(name: string): string {
  return name.replaceAll("-", "_").toLowerCase();
}

function isOption(name: string): name is OptionName {
  return Object.hasOwn(OPTIONS, name) && !OPTIONS[name as OptionName].envOnly;
}

/** Flag texts by option, and the refused options named on the command line. */
interface Flags {
  values: Partial<Record<OptionName, string>>;
  refused: Record<string, string>;
  wants?: string;
}

/** Splits `argv` into option texts; throws ConfigError on an unknown flag or a missing value. */
function readFlags(argv: string[]): Flags {
  const values: Partial<Record<OptionName, string>> = {};
  const refused: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith("--")) throw new ConfigError(`unexpected argument '${arg}'`);
    const eq = arg.indexOf("=");
    const name = normaliseFlag(eq === -1 ? arg.slice(2) : arg.slice(2, eq));
    if (COMMAND_FLAGS.has(name)) return { values, refused, wants: name };
    const known = isOption(name);
    if (!known && !isRefused(name)) throw new ConfigError(`unknown option '--${name}'`);
    const bare = i + 1 >= argv.length || argv[i + 1].startsWith("--");
    let text: string;
    if (eq !== -1) text = arg.slice(eq + 1);
    else if ((!known || OPTIONS[name].flag) && bare) text = "true";
    else if (!bare) text = argv[++i];
    else throw new ConfigError(`option '--${name}' needs a value`);
    if (known) values[name] = text;
    else refused[name] = text;
  }
  return { values, refused };
}

function isRefused(name: string): boolean {
  return Object.hasOwn(REFUSED, name) && !Object.hasOwn(OPTIONS, name);
}

/** Refuses a recognised option that Stalk does not run, unless its value is harmless. */
function checkRefused(name: string, text: string, where: string): void {
  const refusal = REFUSED[name];
  if (refusal.allows?.(text)) return;
  throw new ConfigError(`option '--${name}' (${where}) is not supported: ${refusal.reason}`);
}

/** Reads a file; undefined when it does not exist. */
function readTextFile(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    if ((error as { code?: string }).code === "ENOENT") return undefined;
    throw new ConfigError(`cannot read config file '${path}': ${(error as Error).message}`);
  }
}

/** What `flowerconfig.py` sets: option texts (null: back to the default) and refused options. */
interface FileValues {
  values: Partial<Record<OptionName, string | null>>;
  refused: [name: string, text: string, line: number][];
}

/** Reads and parses the config file; a missing file is an error only when it was named. */
function readConfigFile(
  path: string,
  explicit: boolean,
  readFile: (path: string) => string | undefined,
  warnings: string[],
): FileValues {
  const out: FileValues = { values: {}, refused: [] };
  const text = readFile(path);
  if (text === undefined) {
    if (explicit) throw new ConfigError(`cannot read config file '${path}': no such file`);
    return out;
  }
  let assignments;
  try {
    assignments = parseConfigFile(text, path);
  } catch (error) {
    if (error instanceof ConfigFileError) throw new ConfigError(error.message);
    throw error;
  }
  for (const { name, value, line } of assignments) {
    const option = name.toLowerCase();
    if (option === "conf") continue;
    if (isOption(option)) out.values[option] = optionText(value) ?? null;
    else if (isRefused(option)) out.refused.push([option, optionText(value) ?? "", line]);
    else warnings.push(`${path} line ${line}: unknown option '${name}' ignored`);
  }
  return out;
}

/** One warning per `FLOWER_*` variable that names no option Stalk or Flower knows. */
function unknownVariables(env: Record<string, string | undefined>): string[] {
  const known = new Set(
    [...Object.keys(OPTIONS), ...Object.keys(REFUSED)].map((name) =>
      `FLOWER_${name.toUpperCase()}`
    ),
  );
  const out: string[] = [];
  for (const key of Object.keys(env).sort()) {
    if (!key.startsWith("FLOWER_") || known.has(key)) continue;
    const other = OTHER_FLOWER_VARIABLES[key];
    out.push(
      other
        ? `Environment variable ${key} is ignored: ${other}`
        : `Unknown environment variable ${key} ignored: Stalk has no option '--${
          key.slice("FLOWER_".length).toLowerCase()
        }'`,
    );
  }
  return out;
}

/**
 * Reads the command line, the config file and the environment into a Command, with Flower's
 * precedence: defaults < environment < `--conf` file < flags. Throws ConfigError, whose message
 * names the offending flag, variable or file line, on any bad input.
 */
export function loadConfig(
  argv: string[],
  env: Record<string, string | undefined>,
  readFile: (path: string) => string | undefined = readTextFile,
): Command {
  const { values: flags, refused: refusedFlags, wants } = readFlags(argv);
  if (wants === "help") return { kind: "help" };
  if (wants === "version") return { kind: "version" };

  const warnings = unknownVariables(env);
  const named = flags.conf ?? (env.FLOWER_CONF || undefined);
  const confPath = named ?? OPTIONS.conf.default!;
  const file = readConfigFile(confPath, named !== undefined, readFile, warnings);

  for (const [name, text] of Object.entries(refusedFlags)) checkRefused(name, text, "flag");
  for (const [name, text, line] of file.refused) {
    checkRefused(name, text, `${confPath} line ${line}`);
  }
  for (const name of Object.keys(REFUSED)) {
    const key = `FLOWER_${name.toUpperCase()}`;
    if (isRefused(name) && env[key]) checkRefused(name, env[key]!, key);
  }

  const raw: Record<string, string | undefined> = {};
  const origin: Record<string, string> = {};
  for (const name of Object.keys(OPTIONS) as OptionName[]) {
    const spec = OPTIONS[name];
    const envNames = [`FLOWER_${name.toUpperCase()}`, ...(spec.env ?? [])];
    const envName = envNames.find((key) => env[key] !== undefined && env[key] !== "");
    const fromFile = file.values[name];
    if (flags[name] !== undefined) {
      raw[name] = flags[name];
      origin[name] = `--${name}`;
    } else if (fromFile !== undefined) {
      // `None` in the file puts the option back to its default, over the environment.
      raw[name] = fromFile ?? spec.default;
      origin[name] = `${name} in ${confPath}`;
    } else if (envName) {
      raw[name] = env[envName];
      origin[name] = envName;
    } else {
      raw[name] = spec.default;
      origin[name] = `--${name}`;
    }
  }

  const result = v.safeParse(ConfigSchema, raw);
  if (!result.success) {
    const issue = result.issues[0];
    const key = v.getDotPath(issue)?.split(".")[0] ?? "";
    const where = origin[key] ?? key;
    // Redacted: a broker or backend URL may carry a password.
    const hidden = raw[key] === undefined || OPTIONS[key as OptionName]?.secret;
    const given = hidden ? "" : `, got '${redactUrl(raw[key] ?? "")}'`;
    throw new ConfigError(`invalid value for ${where}: ${issue.message}${given}`);
  }
  const out = result.output;
  return {
    kind: "run",
    warnings,
    config: {
      broker: out.broker,
      brokerSource: origin.broker,
      port: out.port,
      address: out.address,
      maxTasks: out.max_tasks,
      maxWorkers: out.max_workers,
      basicAuth: out.basic_auth ?? [],
      inspectTimeout: out.inspect_timeout,
      enableEvents: out.enable_events,
      eventQueueTtl: out.event_queue_ttl,
      readOnly: out.read_only,
      unauthenticatedApi: out.unauthenticated_api,
      logLevel: out.debug ? "debug" : out.logging,
      resultBackend: out.result_backend?.trim() || undefined,
      resultBackendSource: origin.result_backend,
      applyTimeout: out.apply_timeout,
      brokerTransportOptions: out.broker_transport_options,
      taskSendSentEvent: out.task_send_sent_event,
      persistent: out.persistent,
      db: out.db,
      stateSaveInterval: out.state_save_interval ?? DEFAULT_SAVE_INTERVAL,
      taskRuntimeMetricBuckets: out.task_runtime_metric_buckets,
      purgeOfflineWorkers: out.purge_offline_workers,
      brokerUseSsl: out.broker_use_ssl,
      resultBackendTransportOptions: out.result_backend_transport_options,
      brokerApi: out.broker_api?.trim() || undefined,
      urlPrefix: out.url_prefix,
      autoRefresh: out.auto_refresh,
      naturalTime: out.natural_time,
      tasksColumns: out.tasks_columns,
      ...securityConfig(out),
    },
  };
}

/** The `--help` text: every option with its default and environment variable. */
export function helpText(): string {
  const lines = ["Usage: stalk [--option=value ...]", "", "Options:"];
  for (const [name, spec] of Object.entries(OPTIONS) as [OptionName, OptionSpec][]) {
    if (spec.envOnly) continue;
    const env = [`FLOWER_${name.toUpperCase()}`, ...(spec.env ?? [])].join(", ");
    const def = spec.default === undefined || spec.default === ""
      ? ""
      : ` (default ${redactUrl(spec.default)})`;
    lines.push(`  --${name.padEnd(18)} ${spec.help}${def}; env ${env}`);
  }
  lines.push("  --help               Print this help");
  lines.push("  --version            Print the version");
  lines.push("", "Environment:");
  lines.push("  FLOWER_UNAUTHENTICATED_API  Serve /api/* without authentication (true/false)");
  return lines.join("\n");
}
