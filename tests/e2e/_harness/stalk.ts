/**
 * Stalk under test: from source (`deno run -A main.ts`) or, when STALK_BIN is set, the compiled
 * binary, so one suite covers both.
 */

import { tmpdir } from "node:os";
import { denoPath, repoRoot } from "./paths.ts";
import { accepts, freePort } from "./port.ts";
import { spawnGroup } from "./process.ts";
import { waitFor } from "./wait.ts";

/** Options for {@linkcode startStalk}. */
export interface StalkOptions {
  /** Passed as `--broker`. */
  brokerUrl: string;
  /** More flags, e.g. `["--max_tasks=10"]`. */
  args?: string[];
  /** On top of `FLOWER_UNAUTHENTICATED_API=true`; a key set to undefined is unset. */
  env?: Record<string, string | undefined>;
  /** Wait for `/healthcheck` to answer 200 (default) or only for the port to accept. */
  waitHealthy?: boolean;
  /** The port to use (default: a free one), for flags that must name it, e.g. a redirect URI. */
  port?: number;
  /** Replaces both waits: Stalk is up once this resolves true (HTTPS, Unix sockets). */
  ready?: (port: number) => Promise<boolean>;
}

/** A running Stalk. */
export interface Stalk {
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  pid: number;
  /** Its stdout and stderr so far. */
  output(): string;
  /** SIGTERM, then SIGKILL after `graceMs` (3 s by default). */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL at once, as an OOM kill or a node failure would. */
  kill(): Promise<void>;
}

const STARTUP_TIMEOUT = 20_000;

/** Start Stalk on a free port of 127.0.0.1 and wait until it is up. */
export async function startStalk(
  { brokerUrl, args = [], env = {}, waitHealthy = true, ready, port: fixed }: StalkOptions,
): Promise<Stalk> {
  const port = fixed ?? await freePort();
  const flags = [`--broker=${brokerUrl}`, `--port=${port}`, "--address=127.0.0.1", ...args];
  const bin = process.env.STALK_BIN;
  const [command, commandArgs] = bin
    ? [bin, flags]
    : [denoPath(), ["run", "-A", "main.ts", ...flags]];
  const child = spawnGroup(`stalk :${port}`, command, commandArgs, {
    // The binary must run with nothing beside it, so it gets a cwd outside the repository.
    cwd: bin ? tmpdir() : repoRoot,
    env: { FLOWER_UNAUTHENTICATED_API: "true", NO_COLOR: "1", ...env },
  });
  const url = `http://127.0.0.1:${port}`;
  const stalk: Stalk = {
    url,
    port,
    pid: child.pid,
    output: child.output,
    async stop(graceMs = 3_000) {
      await child.stop(graceMs);
    },
    async kill() {
      await child.kill();
    },
  };
  const exited = new AbortController();
  child.exited.then(({ code, signal }) => {
    exited.abort(new Error(`Stalk exited with ${code ?? signal} before it was up`));
  });
  try {
    await waitFor(async () => {
      if (ready) return await ready(port);
      if (!waitHealthy) return await accepts(port);
      const response = await fetch(`${url}/healthcheck`);
      await response.body?.cancel();
      if (response.status !== 200) throw new Error(`/healthcheck answered ${response.status}`);
      return true;
    }, {
      timeout: STARTUP_TIMEOUT,
      interval: 100,
      message: waitHealthy ? `${url}/healthcheck to answer 200` : `${url} to accept`,
      signal: exited.signal,
    });
  } catch (error) {
    await stalk.stop();
    throw new Error(`${(error as Error).message}\n${command} output:\n${child.output()}`);
  }
  return stalk;
}
