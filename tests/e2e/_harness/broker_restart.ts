/**
 * Takes the test broker away and brings it back: RabbitMQ's application is stopped and started
 * (the node and its vhosts stay); Redis is shut down and started again empty, as the machine's
 * own start command does. The broker is restarted however the test ends, even if it is killed.
 */

import { execFile } from "node:child_process";
import type { BrokerKind } from "./env.ts";
import { repoRoot } from "./paths.ts";
import { undoOnExit } from "./reaper.ts";

const START_REDIS = `bash -c 'source "${repoRoot}/scripts/_lib.sh" && ensure_redis'`;

/** Stops the broker, runs `whileDown`, then starts the broker again and waits for it. */
export async function withBrokerDown(
  kind: BrokerKind,
  whileDown: () => Promise<void>,
): Promise<void> {
  const start = kind === "amqp"
    ? "rabbitmqctl -q start_app && rabbitmqctl -q await_startup"
    : START_REDIS;
  const release = undoOnExit(`broker:${kind}:start`, start);
  try {
    if (kind === "amqp") await run("rabbitmqctl -q stop_app");
    else await run("redis-cli -p 6379 SHUTDOWN NOSAVE || true");
    await whileDown();
  } finally {
    await run(start);
    release();
  }
}

function run(command: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile("bash", ["-c", command], { timeout: 60_000 }, (error, _stdout, stderr) => {
      if (error) reject(new Error(`Cannot run '${command}': ${stderr || error.message}`));
      else resolve();
    });
  });
}
