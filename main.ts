/**
 * Stalk's composition root: configuration → transport → state → HTTP app → serve, plus signal
 * handling and a clean shutdown.
 */
import process from "node:process";
import { createResultBackend } from "./src/backend/mod.ts";
import { TaskRunner } from "./src/tasks/task_runner.ts";
import { createTransport } from "./src/broker/mod.ts";
import { managementFor } from "./src/broker/management_api.ts";
import { parseBrokerUrl } from "./src/celery/broker_url.ts";
import { redactUrl } from "./src/celery/redact_url.ts";
import { ConfigError, helpText, loadConfig } from "./src/config.ts";
import { ControlClient } from "./src/control/control_client.ts";
import { EventWaker } from "./src/control/event_waker.ts";
import { Inspector, type WorkerInfo } from "./src/control/inspector.ts";
import { queueLengths } from "./src/control/queue_lengths.ts";
import { WorkerControl } from "./src/control/worker_control.ts";
import { createApp } from "./src/http/app.ts";
import { authPolicyFor } from "./src/http/auth/from_config.ts";
import { LoginThrottle } from "./src/http/auth/throttle.ts";
import { oauthLoginFor } from "./src/http/auth/oauth/from_config.ts";
import { EventHub } from "./src/ingest/event_hub.ts";
import { EventIngest } from "./src/ingest/event_ingest.ts";
import { QuietCollector } from "./src/ingest/quiet_collector.ts";
import { describeError, log, setLogLevel } from "./src/log.ts";
import { CeleryMetrics } from "./src/metrics/celery_metrics.ts";
import { renderProcess } from "./src/metrics/process_metrics.ts";
import { StalkMetrics } from "./src/metrics/stalk_metrics.ts";
import { Persister } from "./src/persist/persister.ts";
import type { StateSnapshot } from "./src/persist/snapshot.ts";
import { collectGarbage, serve } from "./src/runtime.ts";
import { listenOptions, listenUrl, removeStaleSocket } from "./src/listen.ts";
import { LamportClock } from "./src/state/clock.ts";
import { posixUtcOffset, prepareEvent } from "./src/ingest/receiver.ts";
import { State } from "./src/state/state.ts";
import { WorkerCountTable } from "./src/state/worker_counts.ts";
import { createWebDeps } from "./src/web/deps.ts";
import { webPages } from "./src/web/routes.tsx";
import { LiveStreams } from "./src/web/live.ts";
import { VERSION } from "./src/version.ts";

/** Milliseconds the save at shutdown may take before Stalk exits without it. */
const SHUTDOWN_SAVE_TIMEOUT = 20_000;

async function main(): Promise<void> {
  let command;
  try {
    command = loadConfig(process.argv.slice(2), process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`stalk: ${error.message}\n`);
    process.exit(2);
  }
  if (command.kind === "help") {
    process.stdout.write(`${helpText()}\n`);
    return;
  }
  if (command.kind === "version") {
    process.stdout.write(`stalk ${VERSION}\n`);
    return;
  }
  const config = command.config;
  setLogLevel(config.logLevel);
  for (const warning of command.warnings) log.warn(warning);

  let transport;
  try {
    transport = await createTransport(config.broker, {
      eventQueueTtl: config.eventQueueTtl,
      transportOptions: config.brokerTransportOptions,
      brokerUseSsl: config.brokerUseSsl,
    });
  } catch (error) {
    process.stderr.write(
      `stalk: invalid value for ${config.brokerSource}: ${redactUrl(describeError(error))}\n`,
    );
    process.exit(2);
  }

  const management = managementFor(parseBrokerUrl(config.broker), config.brokerApi);

  let backend;
  try {
    backend = await createResultBackend(
      config.resultBackend,
      transport,
      config.resultBackendTransportOptions,
    );
  } catch (error) {
    process.stderr.write(
      `stalk: invalid value for ${config.resultBackendSource}: ${
        redactUrl(describeError(error))
      }\n`,
    );
    process.exit(2);
  }

  const stateOptions = { maxTasks: config.maxTasks, maxWorkers: config.maxWorkers };
  let state = new State(stateOptions);
  const persister = config.persistent
    ? new Persister({ path: config.db, interval: config.stateSaveInterval })
    : undefined;
  let saved: StateSnapshot | undefined;
  persister?.restore((snapshot) => {
    // Into a fresh state, so a restore that fails half-way leaves nothing behind.
    const restored = new State(stateOptions);
    restored.restore(snapshot.tasks, snapshot.workers);
    state = restored;
    saved = snapshot;
  });
  const clock = new LamportClock(saved?.clock);
  const now = () => Date.now() / 1000;
  const metrics = new CeleryMetrics(state, config.taskRuntimeMetricBuckets);
  const purgeAfter = config.purgeOfflineWorkers;
  const hidden = (): ReadonlySet<string> =>
    purgeAfter === undefined ? new Set() : state.offlineWorkers(purgeAfter);
  if (saved && !metrics.restore(saved.metrics)) {
    log.info("Task runtime buckets changed since the last save: runtime histograms start empty");
  }
  const control = new ControlClient(transport, () => clock.forward());
  const inspector = new Inspector(control, {
    timeout: config.inspectTimeout,
    workerStatus: () => state.workerStatus(),
    hidden,
  });
  if (saved) inspector.restore(saved.inspector as Record<string, WorkerInfo>);
  // The snapshot's columns are views of the whole file: let it go.
  saved = undefined;
  const workerControl = new WorkerControl(control, inspector, {
    readOnly: config.readOnly,
    timeout: Math.max(config.inspectTimeout, 1000),
    knownFromEvents: (name) => state.worker(name) !== undefined,
  });
  const tasks = new TaskRunner(transport, backend, inspector, {
    applyTimeout: config.applyTimeout,
    sendSentEvent: config.taskSendSentEvent,
    clock: () => clock.forward(),
  });
  const workerCounts = new WorkerCountTable(config.maxWorkers);
  const hub = new EventHub();
  let lastEventAt: number | undefined;
  hub.subscribe(() => lastEventAt = Date.now(), { name: "health" });
  hub.subscribe((event) => workerCounts.observe(event), { name: "worker-counts" });
  const live = new LiveStreams((listener) => hub.subscribe(listener, { name: "live-pages" }));
  hub.subscribe((event) => metrics.observe(event), { name: "metrics" });
  hub.subscribe((event) => {
    if (event.type.startsWith("worker-")) inspector.onWorkerEvent(event.type, event.hostname);
  }, { name: "inspector" });
  // Gives a burst's garbage back to the system once the burst is over (#15).
  const collector = new QuietCollector({ collect: collectGarbage });
  hub.subscribe(() => collector.observe(), { name: "quiet-gc" });
  const ingest = new EventIngest({
    prepare: (raw) => prepareEvent(raw, clock, now, posixUtcOffset()),
    apply: (event) => state.apply(event),
    hub,
  });
  const waker = new EventWaker(transport, control, { enableEvents: config.enableEvents });
  let inspected = false;
  transport.start({
    onEvent: (message) => ingest.handle(message),
    onControlReply: (reply) => control.handleReply(reply),
    onUndecodable: (failure) => ingest.undecodable(failure),
    onConnected: () => {
      waker.onConnected();
      if (!inspected) {
        inspected = true;
        inspector.start();
      }
    },
  });
  waker.start();
  persister?.start({
    copyTasks: () => state.copyTasks(),
    extras: () => ({
      workers: state.workerRecords(),
      clock: clock.value,
      metrics: metrics.image(),
      inspector: inspector.cached(),
    }),
  });

  let auth, listen, login;
  try {
    login = oauthLoginFor(config, (message) => log.warn(message));
    auth = authPolicyFor(config, login ? [login.provider()] : []);
    listen = listenOptions(config);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`stalk: ${error.message}\n`);
    process.exit(2);
  }

  const health = new StalkMetrics({
    ingest: () => ingest.stats(),
    connected: () => transport.status().connected,
    lastEventAt: () => lastEventAt === undefined ? undefined : lastEventAt / 1000,
    tasks: () => state.taskCount,
    workers: () => state.workerCount,
    evictions: () => state.evictions,
    droppedSeries: () => metrics.dropped,
    snapshots: persister ? () => persister.stats : undefined,
    now,
  });
  const app = createApp({
    auth,
    loginThrottle: new LoginThrottle(),
    login,
    xheaders: config.listen.xheaders,
    state,
    inspector,
    control: workerControl,
    tasks,
    queueLengths: () => queueLengths(transport, inspector, management),
    health: () => transport.status(),
    metrics: () => {
      const purged = hidden();
      if (purged.size > 0) metrics.purgeWorkers(purged);
      return metrics.render(purged) + renderProcess() + health.render();
    },
    web: webPages(createWebDeps({
      options: {
        urlPrefix: config.urlPrefix,
        autoRefresh: config.autoRefresh,
        naturalTime: config.naturalTime,
        tasksColumns: config.tasksColumns,
        readOnly: config.readOnly,
        // Any login (basic, tokens, OAuth) opens actions to the roles that may take them.
        actionsOpen: auth.required || config.unauthenticatedApi,
        broker: redactUrl(config.broker),
      },
      state,
      counts: workerCounts,
      inspector,
      control: workerControl,
      tasks,
      queueLengths: () => queueLengths(transport, inspector, management),
      health: () => transport.status(),
      live,
    })),
  });
  if (listen.unixSocket) removeStaleSocket(listen.unixSocket);
  const server = serve(listen, (request, info) => app.fetch(request, info));
  log.info(
    `Stalk ${VERSION} listening on ${listenUrl(listen, server.port)}, ` +
      `broker ${redactUrl(config.broker)}` +
      (config.resultBackend ? `, result backend ${redactUrl(config.resultBackend)}` : ""),
  );

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`Received ${signal}, shutting down`);
    waker.stop();
    inspector.stop();
    collector.stop();
    // Open event streams would keep the server from closing.
    live.close();
    const closing = Promise.race([
      Promise.allSettled([server.close(), transport.close(), backend?.close()]),
      new Promise((resolve) => setTimeout(resolve, 3000)),
    ]);
    // The last save runs while the connections close; it has its own bound.
    await Promise.allSettled([closing, persister?.close(SHUTDOWN_SAVE_TIMEOUT)]);
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
}

void main();
