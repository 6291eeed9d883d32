/** `celery inspect ping` of one worker through Celery's own client: proof its mailbox is up. */

import { execFile } from "node:child_process";
import { fixturesDir, python } from "./paths.ts";

/** Resolves once `nodename` answers a ping on `brokerUrl`; rejects after `attempts` tries. */
export async function pingWorker(brokerUrl: string, nodename: string, attempts = 5): Promise<void> {
  let last = "";
  for (let i = 0; i < attempts; i++) {
    try {
      await ping(brokerUrl, nodename);
      return;
    } catch (error) {
      last = (error as Error).message;
    }
  }
  throw new Error(`${nodename} did not answer ping: ${last}`);
}

/** One `celery inspect ping -d <nodename>`: its output, or a rejection with it. */
export function ping(brokerUrl: string, nodename: string, timeoutSeconds = 1): Promise<string> {
  const args = ["-m", "celery", "-A", "tasks", "-b", brokerUrl, "inspect", "ping"];
  return new Promise((resolve, reject) => {
    execFile(
      python,
      [...args, "-d", nodename, "--timeout", String(timeoutSeconds)],
      { cwd: fixturesDir, env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1" } },
      (error, stdout, stderr) => error ? reject(new Error(stdout + stderr)) : resolve(stdout),
    );
  });
}
