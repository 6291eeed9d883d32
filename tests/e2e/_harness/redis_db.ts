/**
 * A Redis database number per fixture (1–15), claimed with a lock key in database 0 so that
 * concurrent test processes never share one, and flushed when it is given back.
 */

import { execFile } from "node:child_process";
import { undoOnExit } from "./reaper.ts";

/** A Redis database the test owns. */
export interface RedisDatabase {
  db: number;
  /** `redis://127.0.0.1:6379/<db>` */
  url: string;
  /** Flush it and release the claim. */
  remove(): Promise<void>;
}

const LOCK_SECONDS = 1800;
/** How long to wait for another run to give a database back when all 15 are claimed. */
const CLAIM_TIMEOUT = 120_000;

/**
 * Claim a free database, flushed and ready. When all 15 are claimed (the e2e runs of
 * ./scripts/test run side by side), wait for one to be given back; throw after 2 minutes.
 */
export async function redisDatabase(): Promise<RedisDatabase> {
  const deadline = Date.now() + CLAIM_TIMEOUT;
  while (true) {
    const database = await claimDatabase();
    if (database) return database;
    if (Date.now() >= deadline) {
      throw new Error("Every Redis database 1-15 stayed claimed by other e2e runs for 2 minutes");
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** One pass over databases 1-15: the first free one, claimed, or undefined. */
async function claimDatabase(): Promise<RedisDatabase | undefined> {
  const start = 1 + Math.floor(Math.random() * 15);
  for (let i = 0; i < 15; i++) {
    const db = 1 + ((start + i - 1) % 15);
    const lock = `stalk-e2e:db:${db}`;
    const claimed = await redisCli(
      "-n",
      "0",
      "SET",
      lock,
      String(process.pid),
      "NX",
      "EX",
      String(LOCK_SECONDS),
    );
    if (claimed !== "OK") continue;
    await redisCli("-n", String(db), "FLUSHDB");
    const release = undoOnExit(
      `redis:${db}`,
      `redis-cli -n ${db} FLUSHDB; redis-cli -n 0 DEL ${lock}`,
    );
    let removed = false;
    return {
      db,
      url: `redis://127.0.0.1:6379/${db}`,
      async remove() {
        if (removed) return;
        removed = true;
        await redisCli("-n", String(db), "FLUSHDB");
        await redisCli("-n", "0", "DEL", lock);
        release();
      },
    };
  }
  return undefined;
}

/** Runs redis-cli against the local server and returns its trimmed output. */
export function redisCli(...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("redis-cli", ["--raw", ...args], { timeout: 10_000 }, (error, stdout, stderr) => {
      if (error) {
        reject(new Error(`Cannot run 'redis-cli ${args.join(" ")}': ${stderr || error.message}`));
      } else resolve(stdout.trim());
    });
  });
}
