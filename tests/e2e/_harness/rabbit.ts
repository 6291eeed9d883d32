/** A RabbitMQ virtual host per test file, so runs never see each other's queues or events. */

import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { redisDatabase } from "./redis_db.ts";
import { undoOnExit } from "./reaper.ts";

/** A broker namespace the test owns: where to connect, and how to throw it away. */
export interface BrokerFixture {
  /** The vhost (or, for Redis, database) name. */
  name: string;
  /** A Celery/Flower broker URL for it. */
  brokerUrl: string;
  /** A Redis result backend URL of its own (a claimed database). */
  backendUrl: string;
  /** Delete it and everything in it. */
  remove(): Promise<void>;
}

/** Create `stalk-e2e-<random>` on the local RabbitMQ with full rights for guest. */
export async function rabbitVhost(): Promise<BrokerFixture> {
  const name = `stalk-e2e-${randomBytes(4).toString("hex")}`;
  await rabbitmqctl("add_vhost", name);
  const release = undoOnExit(`vhost:${name}`, `rabbitmqctl -q delete_vhost ${name}`);
  await rabbitmqctl("set_permissions", "-p", name, "guest", ".*", ".*", ".*");
  const backend = await redisDatabase();
  let removed = false;
  return {
    name,
    brokerUrl: `amqp://guest:guest@127.0.0.1:5672/${encodeURIComponent(name)}`,
    backendUrl: backend.url,
    async remove() {
      if (removed) return;
      removed = true;
      await rabbitmqctl("delete_vhost", name);
      release();
      await backend.remove();
    },
  };
}

/** Runs `rabbitmqctl -q <args>` against the local node. */
export function rabbitmqctl(...args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile("rabbitmqctl", ["-q", ...args], { timeout: 30_000 }, (error, _stdout, stderr) => {
      if (error) {
        reject(new Error(`Cannot run 'rabbitmqctl ${args.join(" ")}': ${stderr || error.message}`));
      } else {
        resolve();
      }
    });
  });
}
