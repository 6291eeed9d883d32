import { test } from "node:test";
import assert from "node:assert/strict";
import { ConfigError, helpText, loadConfig } from "../../src/config.ts";

function run(argv: string[], env: Record<string, string> = {}) {
  const command = loadConfig(argv, env);
  assert.equal(command.kind, "run");
  return command.kind === "run" ? command.config : assert.fail("not a run command");
}

test("defaults match Flower's", () => {
  const config = run([]);
  assert.equal(config.broker, "amqp://guest:guest@localhost:5672//");
  assert.equal(config.port, 5555);
  assert.equal(config.address, "");
  assert.equal(config.maxTasks, 100_000);
  assert.equal(config.maxWorkers, 5000);
  assert.deepEqual(config.basicAuth, []);
  assert.equal(config.inspectTimeout, 1000);
  assert.equal(config.enableEvents, true);
  assert.equal(config.eventQueueTtl, 60);
  assert.equal(config.unauthenticatedApi, false);
});

test("a flag beats the FLOWER_ variable, which beats the default", () => {
  assert.equal(run([], { FLOWER_PORT: "6000" }).port, 6000);
  assert.equal(run(["--port=7000"], { FLOWER_PORT: "6000" }).port, 7000);
  assert.equal(run(["--port", "7001"], { FLOWER_PORT: "6000" }).port, 7001);
});

test("the broker comes from --broker, then FLOWER_BROKER, then CELERY_BROKER_URL", () => {
  const env = { CELERY_BROKER_URL: "amqp://c//", FLOWER_BROKER: "amqp://f//" };
  assert.equal(run([], { CELERY_BROKER_URL: "amqp://c//" }).broker, "amqp://c//");
  assert.equal(run([], env).broker, "amqp://f//");
  assert.equal(run(["--broker=amqp://flag//"], env).broker, "amqp://flag//");
});

test("an error about a broker URL names the variable or flag it came from", () => {
  assert.throws(
    () => loadConfig([], { CELERY_BROKER_URL: "kafka://h//" }),
    /^ConfigError: invalid value for CELERY_BROKER_URL: Unsupported broker scheme 'kafka:\/\/'/,
  );
  assert.throws(() => loadConfig(["--broker=kafka://h//"], {}), /invalid value for --broker:/);
  assert.equal(run([], { CELERY_BROKER_URL: "amqp://c//" }).brokerSource, "CELERY_BROKER_URL");
  assert.equal(run([]).brokerSource, "--broker");
});

test("dashes in flag names are read as underscores, as Tornado does", () => {
  assert.equal(run(["--max-tasks=10"]).maxTasks, 10);
});

test("a bare boolean flag means true and an explicit value is parsed like strtobool", () => {
  assert.equal(run(["--enable_events"]).enableEvents, true);
  assert.equal(run(["--enable_events=False"]).enableEvents, false);
  assert.equal(run(["--enable_events", "--port=1"]).enableEvents, true);
  assert.equal(run([], { FLOWER_ENABLE_EVENTS: "off" }).enableEvents, false);
});

test("basic auth takes comma-separated user:password pairs", () => {
  assert.deepEqual(run(["--basic_auth=a:1,b:2"]).basicAuth, ["a:1", "b:2"]);
  assert.deepEqual(run([], { FLOWER_BASIC_AUTH: "x:y" }).basicAuth, ["x:y"]);
});

test("FLOWER_UNAUTHENTICATED_API opens the API and cannot be set by flag", () => {
  assert.equal(run([], { FLOWER_UNAUTHENTICATED_API: "yes" }).unauthenticatedApi, true);
  assert.throws(() => loadConfig(["--unauthenticated_api=true"], {}), /unknown option/);
});

test("unknown FLOWER_ variables are ignored", () => {
  assert.equal(run([], { FLOWER_SOMETHING_LATER: "1", FLOWER_PERSISTENT: "true" }).port, 5555);
});

test("an unknown flag is a ConfigError naming it", () => {
  assert.throws(() => loadConfig(["--nope=1"], {}), (error: Error) => {
    assert.ok(error instanceof ConfigError);
    assert.match(error.message, /unknown option '--nope'/);
    return true;
  });
});

test("a bad value is a ConfigError naming the flag or the variable", () => {
  assert.throws(() => loadConfig(["--port=abc"], {}), /invalid value for --port: .*'abc'/);
  assert.throws(() => loadConfig(["--port=70000"], {}), /--port/);
  assert.throws(() => loadConfig([], { FLOWER_MAX_TASKS: "-5" }), /FLOWER_MAX_TASKS/);
  assert.throws(() => loadConfig(["--enable_events=maybe"], {}), /--enable_events/);
  assert.throws(() => loadConfig(["--basic_auth=nocolon"], {}), /--basic_auth/);
  assert.throws(() => loadConfig(["--broker=localhost"], {}), /--broker/);
  assert.throws(() => loadConfig(["--port"], {}), /needs a value/);
  assert.throws(() => loadConfig(["stray"], {}), /unexpected argument 'stray'/);
});

test("--help and --version are commands, not options", () => {
  assert.equal(loadConfig(["--help"], {}).kind, "help");
  assert.equal(loadConfig(["--version"], {}).kind, "version");
  assert.match(helpText(), /--max_tasks .*default 100000.*FLOWER_MAX_TASKS/);
});

test("broker transport options are a JSON object", () => {
  assert.deepEqual(run([]).brokerTransportOptions, {});
  assert.deepEqual(
    run(['--broker_transport_options={"global_keyprefix": "app:"}']).brokerTransportOptions,
    { global_keyprefix: "app:" },
  );
  assert.throws(
    () => loadConfig(["--broker_transport_options=[1]"], {}),
    /--broker_transport_options/,
  );
  assert.throws(
    () => loadConfig([], { FLOWER_BROKER_TRANSPORT_OPTIONS: "{" }),
    /FLOWER_BROKER_TRANSPORT_OPTIONS/,
  );
});

test("the result backend comes from --result_backend or CELERY_RESULT_BACKEND", () => {
  assert.equal(run([]).resultBackend, undefined);
  assert.equal(run([], { CELERY_RESULT_BACKEND: "redis://h/1" }).resultBackend, "redis://h/1");
  assert.equal(
    run(["--result_backend=rpc://"], { CELERY_RESULT_BACKEND: "redis://h/1" }).resultBackend,
    "rpc://",
  );
  assert.throws(() => loadConfig(["--result_backend=amqp://h"], {}), /--result_backend/);
  assert.equal(run(["--apply_timeout=5"]).applyTimeout, 5);
  assert.throws(() => loadConfig(["--apply_timeout=soon"], {}), /--apply_timeout/);
});

test("--help shows the default broker without its password", () => {
  assert.doesNotMatch(helpText(), /guest:guest@/);
  assert.match(helpText(), /amqp:\/\/guest:\*\*\*\*@localhost:5672\/\//);
});

test("configuration errors never echo a password, whatever form it takes", () => {
  const cases: [string[], Record<string, string>][] = [
    [[], { FLOWER_BROKER: "guest:hunter2@localhost//" }],
    [["--result_backend=mongodb://u:hunter2@h/db"], {}],
    [["--result_backend=redis://h/x?password=hunter2"], {}],
    [["--broker_transport_options", '{"password": "hunter2"'], {}],
  ];
  for (const [argv, env] of cases) {
    assert.throws(() => loadConfig(argv, env), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.doesNotMatch(error.message, /hunter2/, error.message);
      return true;
    });
  }
});

test("--broker_api takes an http(s) URL, from the flag or FLOWER_BROKER_API", () => {
  assert.equal(run([]).brokerApi, undefined);
  assert.equal(
    run([], { FLOWER_BROKER_API: "http://guest:guest@localhost:15672/api/" }).brokerApi,
    "http://guest:guest@localhost:15672/api/",
  );
  assert.throws(
    () => loadConfig(["--broker_api=amqp://u:hunter2@h//"], {}),
    (error: unknown) =>
      error instanceof ConfigError && /--broker_api: expected an http/.test(error.message) &&
      !error.message.includes("hunter2"),
  );
});

test("the web UI options: url_prefix, auto_refresh, natural_time, tasks_columns", () => {
  const defaults = run([]);
  assert.equal(defaults.urlPrefix, "");
  assert.equal(defaults.autoRefresh, true);
  assert.equal(defaults.naturalTime, false);
  assert.deepEqual(defaults.tasksColumns, [
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
  ]);
  assert.equal(run(["--url_prefix=/flower/"]).urlPrefix, "flower");
  assert.equal(run([], { FLOWER_URL_PREFIX: "ops/flower" }).urlPrefix, "ops/flower");
  assert.equal(run(["--auto_refresh=false"]).autoRefresh, false);
  assert.equal(run(["--natural_time"]).naturalTime, true);
  assert.deepEqual(run(["--tasks_columns=worker, name"]).tasksColumns, ["worker", "name"]);
  assert.equal(run(["--tasks_columns=all"]).tasksColumns.length, 17);
  assert.throws(() => loadConfig(["--tasks_columns=name,secret"], {}), /--tasks_columns/);
  assert.throws(() => loadConfig(["--url_prefix=a/../b"], {}), /--url_prefix/);
});

/** A config loader over an in-memory file system. */
function withFiles(files: Record<string, string>) {
  return (path: string) => files[path];
}

test("flowerconfig.py sits between the environment and the flags", () => {
  const files = withFiles({
    "flowerconfig.py": 'port = 6001\nbasic_auth = ["a:b", "c:d"]\nmax_tasks = 77\n',
  });
  const command = loadConfig([], { FLOWER_PORT: "6000", FLOWER_MAX_WORKERS: "9" }, files);
  assert.equal(command.kind, "run");
  if (command.kind !== "run") return;
  assert.equal(command.config.port, 6001, "the file beats the environment");
  assert.deepEqual(command.config.basicAuth, ["a:b", "c:d"]);
  assert.equal(command.config.maxWorkers, 9, "the environment still fills the rest");
  const flagged = loadConfig(["--port=7000"], { FLOWER_PORT: "6000" }, files);
  assert.equal(flagged.kind === "run" && flagged.config.port, 7000, "a flag beats the file");
});

test("--conf and FLOWER_CONF name the file; a named file must exist, the default need not", () => {
  const files = withFiles({ "/etc/stalk.py": "port = 6100\n" });
  const byFlag = loadConfig(["--conf=/etc/stalk.py"], {}, files);
  assert.equal(byFlag.kind === "run" && byFlag.config.port, 6100);
  const byEnv = loadConfig([], { FLOWER_CONF: "/etc/stalk.py" }, files);
  assert.equal(byEnv.kind === "run" && byEnv.config.port, 6100);
  assert.equal(loadConfig([], {}, withFiles({})).kind, "run");
  assert.throws(
    () => loadConfig(["--conf", "/nope.py"], {}, files),
    /cannot read config file '\/nope\.py': no such file/,
  );
});

test("a bad value in the file names the option and the file", () => {
  assert.throws(
    () => loadConfig([], {}, withFiles({ "flowerconfig.py": "port = 'http'\n" })),
    /invalid value for port in flowerconfig\.py: expected an integer/,
  );
  assert.throws(
    () => loadConfig([], {}, withFiles({ "flowerconfig.py": "port = get_port()\n" })),
    (error: unknown) =>
      error instanceof ConfigError && /flowerconfig\.py line 1/.test(error.message),
  );
});

test("None in the file puts an option back to its default, over the environment", () => {
  const command = loadConfig(
    [],
    { FLOWER_BASIC_AUTH: "x:y" },
    withFiles({ "flowerconfig.py": "basic_auth = None\n" }),
  );
  assert.deepEqual(command.kind === "run" && command.config.basicAuth, []);
});

test("Flower options Stalk does not run are refused with the reason, from any source", () => {
  const files = withFiles({ "flowerconfig.py": "log_file_prefix = '/var/log/f'\n" });
  const cases: [() => unknown, RegExp][] = [
    [
      () => loadConfig(["--format_task=x"], {}, withFiles({})),
      /'--format_task' \(flag\) is not supported: it takes a Python function/,
    ],
    [
      () => loadConfig([], {}, files),
      /'--log_file_prefix' \(flowerconfig\.py line 1\) .*standard error/,
    ],
    [
      () => loadConfig([], { FLOWER_LOG_ROTATE_WHEN: "midnight" }, withFiles({})),
      /\(FLOWER_LOG_ROTATE_WHEN\) .*standard error/,
    ],
    [() => loadConfig(["--log_file_prefix=/var/log/f"], {}, withFiles({})), /standard error only/],
    [
      () => loadConfig(["--log_to_stderr=false"], {}, withFiles({})),
      /always logs to standard error/,
    ],
  ];
  for (const [load, pattern] of cases) assert.throws(load, pattern);
  assert.equal(loadConfig(["--log_to_stderr"], {}, withFiles({})).kind, "run");
});

test("--debug turns on debug logging", () => {
  const load = (argv: string[], env: Record<string, string> = {}) => {
    const command = loadConfig(argv, env, withFiles({}));
    return command.kind === "run" ? command.config.logLevel : undefined;
  };
  assert.equal(load(["--debug"]), "debug");
  assert.equal(load([], { FLOWER_DEBUG: "true" }), "debug");
  assert.equal(load(["--debug=false", "--logging=warn"]), "warn");
});

test("each unknown FLOWER_ variable and unknown file option gets one warning", () => {
  const command = loadConfig(
    [],
    {
      FLOWER_PORTT: "1",
      FLOWER_PORT: "5555",
      FLOWER_GITHUB_OAUTH_DOMAIN: "github.example.com",
      FLOWER_UNAUTHENTICATED_API: "true",
      CELERY_X: "y",
    },
    withFiles({ "flowerconfig.py": "port = 5556\nbroker_url = 'amqp://'\n" }),
  );
  assert.equal(command.kind, "run");
  if (command.kind !== "run") return;
  assert.deepEqual(command.warnings, [
    "Unknown environment variable FLOWER_PORTT ignored: Stalk has no option '--portt'",
    "flowerconfig.py line 2: unknown option 'broker_url' ignored",
  ]);
});

test("an --auth pattern outside Flower's restricted syntax is a ConfigError with the reason", () => {
  assert.throws(
    () => loadConfig(["--auth=.*@.*.com"], {}),
    (error) =>
      error instanceof ConfigError && /--auth: at most one '\*' is allowed/.test(error.message),
  );
  assert.throws(
    () => loadConfig([], { FLOWER_AUTH_ADMIN: "me@.*.com" }),
    /FLOWER_AUTH_ADMIN: '\*' is not allowed/,
  );
  assert.equal(run(["--auth=.*@example.com"]).access.auth, ".*@example.com");
});

test("--auth_provider takes Flower's class names, short names and oidc", () => {
  assert.equal(
    run(["--auth_provider=flower.views.auth.GithubLoginHandler"]).access.authProvider,
    "github",
  );
  assert.equal(run(["--auth_provider=Okta"]).access.authProvider, "okta");
  assert.equal(run(["--auth_provider=oidc"]).access.authProvider, "oidc");
  assert.throws(
    () => loadConfig(["--auth_provider=my.Custom"], {}),
    /expected one of google, github/,
  );
});

test("a bad secret is reported without being quoted", () => {
  assert.throws(
    () => loadConfig(["--cookie_secret=short"], {}),
    (error) =>
      error instanceof ConfigError && !error.message.includes("short") &&
      /16 characters/.test(error.message),
  );
});

test("the security options and GitLab's variables have Flower's defaults", () => {
  const { access, listen } = run([], { FLOWER_GITLAB_AUTH_ALLOWED_GROUPS: "a/b, c" });
  assert.equal(access.sessionTtl, 43_200);
  assert.equal(access.metricsPublic, false);
  assert.equal(access.githubOauthDomain, "github.com");
  assert.deepEqual(access.gitlabAllowedGroups, ["a/b", "c"]);
  assert.equal(access.gitlabMinAccessLevel, 20);
  assert.equal(listen.xheaders, false);
  assert.equal(run(["--xheaders", "--metrics_public"]).listen.xheaders, true);
});

test("--task_runtime_metric_buckets takes Flower's list, inf allowed, sorted", () => {
  assert.deepEqual(
    run(["--task_runtime_metric_buckets=5,0.5,inf,1"]).taskRuntimeMetricBuckets,
    [0.5, 1, 5],
  );
  assert.throws(
    () => run(["--task_runtime_metric_buckets=1,x"]),
    /invalid value for --task_runtime_metric_buckets: expected comma-separated bucket bounds/,
  );
});

test("--persistent defaults to a save every 15 s into 'flower'; 0 saves only at shutdown", () => {
  const config = run(["--persistent"]);
  assert.equal(config.persistent, true);
  assert.equal(config.db, "flower");
  assert.equal(config.stateSaveInterval, 15_000);
  assert.equal(run(["--persistent", "--state_save_interval=0"]).stateSaveInterval, 0);
  assert.equal(run(["--purge_offline_workers=60"]).purgeOfflineWorkers, 60);
});
