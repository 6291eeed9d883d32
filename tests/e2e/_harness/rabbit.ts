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
  const vhost = `/vhosts/${encodeURIComponent(name)}`;
  const api = await managementApi();
  if (api) await management("PUT", vhost);
  else await rabbitmqctl("add_vhost", name);
  const release = undoOnExit(`vhost:${name}`, `rabbitmqctl -q delete_vhost ${name}`);
  if (api) {
    await management("PUT", `/permissions/${encodeURIComponent(name)}/guest`, {
      configure: ".*",
      write: ".*",
      read: ".*",
    });
  } else {
    await rabbitmqctl("set_permissions", "-p", name, "guest", ".*", ".*", ".*");
  }
  const backend = await redisDatabase();
  let removed = false;
  return {
    name,
    brokerUrl: `amqp://guest:guest@127.0.0.1:5672/${encodeURIComponent(name)}`,
    backendUrl: backend.url,
    async remove() {
      if (removed) return;
      removed = true;
      if (api) await management("DELETE", vhost);
      else await rabbitmqctl("delete_vhost", name);
      release();
      await backend.remove();
    },
  };
}

/**
 * The management API (scripts/_lib.sh enables it) makes and removes vhosts with one HTTP call
 * each, where every rabbitmqctl run boots an Erlang VM: seconds of CPU per fixture, more than a
 * loaded machine gives a test's hooks. Without the plugin, rabbitmqctl does it.
 */
const MANAGEMENT_URL = "http://127.0.0.1:15672/api";
const GUEST = `Basic ${btoa("guest:guest")}`;
let managementUp: Promise<boolean> | undefined;

function managementApi(): Promise<boolean> {
  managementUp ??= fetch(`${MANAGEMENT_URL}/overview`, {
    headers: { Authorization: GUEST },
    signal: AbortSignal.timeout(10_000),
  }).then(async (response) => {
    await response.body?.cancel();
    return response.ok;
  }, () => false);
  return managementUp;
}

async function management(method: string, path: string, body?: unknown): Promise<void> {
  const response = await fetch(`${MANAGEMENT_URL}${path}`, {
    method,
    headers: { Authorization: GUEST, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  if (!response.ok) {
    throw new Error(
      `RabbitMQ's management API answered ${method} ${path} with ${response.status}: ${text}`,
    );
  }
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
