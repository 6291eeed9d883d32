/**
 * Start-up of the binary: from exec to the first HTTP answer (listening; `/healthcheck` answers
 * 503 until the broker is connected) and to the first 200 from `/healthcheck` (connected).
 */
import { freePort } from "../e2e/_harness/port.ts";
import { spawnGroup } from "../e2e/_harness/process.ts";
import { tmpdir } from "node:os";

/** Milliseconds from exec to listening and to healthy. */
export interface StartupSample {
  listening: number;
  healthy: number;
}

/** Starts `binary` once against `brokerUrl`, measures, stops it. */
export async function startupRun(binary: string, brokerUrl: string): Promise<StartupSample> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/healthcheck`;
  const start = performance.now();
  const child = spawnGroup("stalk (startup)", binary, [
    `--broker=${brokerUrl}`,
    `--port=${port}`,
    "--address=127.0.0.1",
    "--logging=warn",
  ], { cwd: tmpdir(), env: { FLOWER_UNAUTHENTICATED_API: "true" } });
  try {
    let listening: number | undefined;
    const deadline = start + 20_000;
    while (performance.now() < deadline) {
      if (!child.running) throw new Error(`Stalk exited during start-up:\n${child.output()}`);
      try {
        const response = await fetch(url);
        await response.body?.cancel();
        listening ??= performance.now() - start;
        if (response.status === 200) return { listening, healthy: performance.now() - start };
      } catch {
        // Not listening yet.
      }
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    throw new Error(`Stalk did not answer 200 on ${url} within 20 s:\n${child.output()}`);
  } finally {
    await child.stop(3_000);
  }
}
