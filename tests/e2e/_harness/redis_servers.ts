/**
 * Redis servers of the test's own on free loopback ports (Debian's redis-server and
 * redis-sentinel): a TLS-only server, and a Sentinel cluster of a master, a replica and three
 * sentinels. Every process is killed, and its folder removed, when the test process ends.
 */

import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "./port.ts";
import { type ManagedProcess, spawnGroup } from "./process.ts";
import { tempDir } from "./temp_dir.ts";
import { waitFor } from "./wait.ts";

/** One redis-server or redis-sentinel process. */
export interface RedisProcess {
  port: number;
  process: ManagedProcess;
}

/** `redis-cli -p <port> <args>` (plus `extra` connection flags); its trimmed output. */
export function redisCliAt(port: number, args: string[], extra: string[] = []): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      "redis-cli",
      ["-h", "127.0.0.1", "-p", String(port), ...extra, ...args],
      { timeout: 10_000 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`redis-cli -p ${port} ${args.join(" ")}: ${stderr || error}`));
        else resolve(stdout.trim());
      },
    );
  });
}

/** PEM files for a TLS-only server that also asks clients for a certificate of `ca`. */
export interface RedisTls {
  cert: string;
  key: string;
  ca: string;
}

/** Start `redis-server` with `args` in `dir` on a free port (its only port, TLS with `tls`). */
export async function startRedisServer(
  dir: string,
  args: string[] = [],
  tls?: RedisTls,
): Promise<RedisProcess> {
  const port = await freePort();
  const listen = tls
    ? [
      "--port",
      "0",
      "--tls-port",
      String(port),
      "--tls-cert-file",
      tls.cert,
      "--tls-key-file",
      tls.key,
      "--tls-ca-cert-file",
      tls.ca,
      "--tls-auth-clients",
      "yes",
    ]
    : ["--port", String(port)];
  const child = spawnGroup(`redis-server :${port}`, "redis-server", [
    ...listen,
    "--bind",
    "127.0.0.1",
    "--save",
    "",
    "--appendonly",
    "no",
    "--dir",
    dir,
    ...args,
  ], { cwd: dir });
  await child.waitForOutput(/Ready to accept connections/, 10_000, "ready");
  return { port, process: child };
}

/** A master, a replica and three sentinels watching them as `masterName`. */
export interface SentinelCluster {
  masterName: string;
  master: RedisProcess;
  replica: RedisProcess;
  sentinels: RedisProcess[];
  /** `sentinel://127.0.0.1:<s1>/0;sentinel://127.0.0.1:<s2>;…`, as Celery users write it. */
  brokerUrl: string;
  /** The port the sentinels name as master now (asked of the first sentinel). */
  masterPort(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Start the cluster and wait until every sentinel knows the replica and the two other
 * sentinels, so a fail-over can happen at once.
 */
export async function startSentinelCluster(masterName = "stalkmaster"): Promise<SentinelCluster> {
  const dir = tempDir("stalk-sentinel");
  const started: RedisProcess[] = [];
  try {
    const master = await startRedisServer(dir.path, ["--dbfilename", "master.rdb"]);
    started.push(master);
    const replica = await startRedisServer(dir.path, [
      "--dbfilename",
      "replica.rdb",
      "--replicaof",
      "127.0.0.1",
      String(master.port),
    ]);
    started.push(replica);
    const sentinels: RedisProcess[] = [];
    for (let i = 0; i < 3; i++) {
      const port = await freePort();
      const conf = join(dir.path, `sentinel-${port}.conf`);
      writeFileSync(
        conf,
        [
          `port ${port}`,
          "bind 127.0.0.1",
          `dir ${dir.path}`,
          `sentinel monitor ${masterName} 127.0.0.1 ${master.port} 2`,
          `sentinel down-after-milliseconds ${masterName} 1000`,
          `sentinel failover-timeout ${masterName} 10000`,
          "",
        ].join("\n"),
      );
      const child = spawnGroup(`redis-sentinel :${port}`, "redis-sentinel", [conf], {
        cwd: dir.path,
      });
      const sentinel = { port, process: child };
      started.push(sentinel);
      sentinels.push(sentinel);
      await child.waitForOutput(/\+monitor master/, 10_000, "monitoring");
    }
    for (const sentinel of sentinels) {
      await waitFor(async () => {
        const fields = (await redisCliAt(sentinel.port, ["SENTINEL", "MASTER", masterName]))
          .split("\n");
        const get = (name: string) => fields[fields.indexOf(name) + 1];
        return get("num-slaves") === "1" && get("num-other-sentinels") === "2";
      }, {
        timeout: 20_000,
        interval: 200,
        message: `sentinel :${sentinel.port} to see the cluster`,
      });
    }
    const [first, ...rest] = sentinels.map((s) => `sentinel://127.0.0.1:${s.port}`);
    return {
      masterName,
      master,
      replica,
      sentinels,
      brokerUrl: [`${first}/0`, ...rest].join(";"),
      async masterPort() {
        const reply = await redisCliAt(sentinels[0].port, [
          "SENTINEL",
          "GET-MASTER-ADDR-BY-NAME",
          masterName,
        ]);
        return Number(reply.split("\n")[1]);
      },
      async stop() {
        await Promise.all(started.map((server) => server.process.kill()));
        dir.remove();
      },
    };
  } catch (error) {
    await Promise.all(started.map((server) => server.process.kill()));
    dir.remove();
    throw error;
  }
}
