/** Real Celery workers (Debian's python3-celery) running tests/fixtures/tasks.py. */

import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { fixturesDir, python } from "./paths.ts";
import { spawnGroup } from "./process.ts";

/** Options for {@linkcode startWorker}. */
export interface WorkerOptions {
  brokerUrl: string;
  /** A base name (`w1` becomes `w1-<random>@<host>`) or a full `name@host` used as it is. */
  name?: string;
  /** `-c`; default 1. */
  concurrency?: number;
  /** `-P`: prefork (Celery's default), solo, threads. */
  pool?: string;
  /** `-Q`: queues to consume from. */
  queues?: string[];
  /**
   * `false`: boot without Celery's Mingle step (a one-second search for neighbour workers) and
   * Gossip (the worker's own reading of other workers' events): a second off the worker's start.
   * Only for a test that waits for what it needs (Stalk's inspection of the worker, say): many
   * lean on that second, and under HEART_BEFORE_CONTROL it is what keeps the pidbox mailbox
   * away after `worker-online`. Default true.
   */
  mingle?: boolean;
  /** More `celery worker` flags. */
  extraArgs?: string[];
  /** On top of CELERY_BROKER_URL (e.g. CELERY_RESULT_BACKEND); undefined unsets. */
  env?: Record<string, string | undefined>;
}

/** A running worker. */
export interface Worker {
  /** Its full nodename, as Celery reports it in events and replies: `w1-1a2b3c4d@host`. */
  name: string;
  pid: number;
  /** Its output so far. */
  output(): string;
  /** Warm shutdown: SIGTERM to its process group, SIGKILL after 10 s; waits for the exit. */
  stop(): Promise<void>;
  /** SIGKILL to its process group (no worker-offline event): a worker that died. */
  kill(): Promise<void>;
}

const READY_TIMEOUT = 30_000;

/** Start `celery -A tasks worker -E` and wait for its `ready.` line. */
export async function startWorker(
  {
    brokerUrl,
    name = "w",
    concurrency = 1,
    pool,
    queues,
    mingle = true,
    extraArgs = [],
    env = {},
  }: WorkerOptions,
): Promise<Worker> {
  const nodename = name.includes("@")
    ? name
    : `${name}-${randomBytes(4).toString("hex")}@${hostname()}`;
  const args = [
    "-m",
    "celery",
    "-A",
    "tasks",
    "worker",
    "-E",
    "-n",
    nodename,
    "--loglevel=INFO",
    "-c",
    String(concurrency),
    ...(pool ? ["-P", pool] : []),
    ...(queues?.length ? ["-Q", queues.join(",")] : []),
    ...(mingle ? [] : ["--without-mingle", "--without-gossip"]),
    ...extraArgs,
  ];
  const child = spawnGroup(`worker ${nodename}`, python, args, {
    cwd: fixturesDir,
    env: {
      CELERY_BROKER_URL: brokerUrl,
      PYTHONUNBUFFERED: "1",
      PYTHONDONTWRITEBYTECODE: "1",
      ...env,
    },
  });
  try {
    await child.waitForOutput(/ ready\.\s*$/m, READY_TIMEOUT, "ready");
  } catch (error) {
    await child.kill();
    throw error;
  }
  return {
    name: nodename,
    pid: child.pid,
    output: child.output,
    async stop() {
      await child.stop(10_000);
    },
    async kill() {
      await child.kill();
    },
  };
}
