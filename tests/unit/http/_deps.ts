/** The application's dependencies for in-process HTTP tests: real services over fakes. */
import { ControlClient } from "../../../src/control/control_client.ts";
import { WorkerControl } from "../../../src/control/worker_control.ts";
import { TaskRunner } from "../../../src/tasks/task_runner.ts";
import type { TransportStatus } from "../../../src/broker/transport.ts";
import { basicAuthProvider } from "../../../src/http/auth/basic.ts";
import { type AuthProvider, createAuthPolicy } from "../../../src/http/auth/policy.ts";
import type { AppDeps, WorkerInfoReader } from "../../../src/http/deps.ts";
import type { State } from "../../../src/state/state.ts";
import { FakePublisher } from "../backend/_fakes.ts";
import { FakeTransport } from "../control/_fake_transport.ts";

/** Options for {@linkcode appDeps}. */
export interface AppDepsOptions {
  basicAuth?: string[];
  /** More providers, asked after basic auth (tokens, sessions). */
  providers?: AuthProvider[];
  /** `--read_only`. */
  readOnly?: boolean;
  /** `--metrics_public`. */
  metricsPublic?: boolean;
  /** `FLOWER_UNAUTHENTICATED_API`; true by default. */
  open?: boolean;
  status?: TransportStatus;
  metrics?: string;
}

/** Dependencies around `state`; the worker cache is empty and no worker answers. */
export function appDeps(state: State, options: AppDepsOptions = {}): AppDeps {
  const basicAuth = options.basicAuth ?? [];
  const inspector: WorkerInfoReader = {
    all: () => ({}),
    get: () => undefined,
    refresh: () => Promise.resolve(),
  };
  const control = new WorkerControl(new ControlClient(new FakeTransport(), () => 1), inspector, {
    readOnly: options.readOnly ?? false,
    timeout: 100,
    knownFromEvents: (name) => state.worker(name) !== undefined,
  });
  return {
    auth: createAuthPolicy({
      providers: [
        ...(basicAuth.length > 0 ? [basicAuthProvider(basicAuth)] : []),
        ...(options.providers ?? []),
      ],
      publicPaths: new Set(options.metricsPublic ? ["/healthcheck", "/metrics"] : ["/healthcheck"]),
      unauthenticatedApi: options.open ?? true,
    }),
    state,
    inspector,
    control,
    tasks: new TaskRunner(new FakePublisher(), undefined, inspector, { applyTimeout: 1 }),
    queueLengths: () => Promise.resolve([]),
    health: () => options.status ?? { connected: true, since: 0 },
    metrics: () => options.metrics ?? "# metrics\n",
  };
}
