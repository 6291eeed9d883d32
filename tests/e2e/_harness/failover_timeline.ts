/**
 * The timeline of a Sentinel fail-over as Sentinel and Stalk each lived it: when the sentinels
 * announced the master down and switched it (their own pub/sub, timestamped on arrival), and
 * when Stalk noticed, resolved the new master, subscribed to it and ingested its first event
 * (Stalk's log lines, and a stream of synthetic events published on the new master).
 */

import { createClient } from "redis";
import type { SentinelCluster } from "./redis_servers.ts";
import { type EventStream, startEventStream } from "./event_stream.ts";
import { listTasks } from "./stalk_api.ts";

/** Epoch milliseconds of the first announcement of each kind, by any sentinel. */
export interface SentinelMarks {
  sdown?: number;
  odown?: number;
  switchMaster?: number;
}

/** A subscription to every sentinel's `+sdown`, `+odown` and `+switch-master`. */
export interface SentinelWatch {
  marks(): SentinelMarks;
  stop(): Promise<void>;
}

/** Subscribes to the sentinels' announcements about `cluster.masterName`'s master. */
export async function watchSentinels(cluster: SentinelCluster): Promise<SentinelWatch> {
  const marks: SentinelMarks = {};
  const clients = cluster.sentinels.map((sentinel) =>
    createClient({ socket: { host: "127.0.0.1", port: sentinel.port, reconnectStrategy: false } })
  );
  const first = (key: keyof SentinelMarks) => marks[key] ??= Date.now();
  for (const client of clients) {
    client.on("error", () => {});
    await client.connect();
    // "+sdown master <name> <ip> <port>": only the master's, not a sentinel's or a replica's.
    await client.subscribe("+sdown", (message) => {
      if (message.startsWith(`master ${cluster.masterName} `)) first("sdown");
    });
    await client.subscribe("+odown", (message) => {
      if (message.startsWith(`master ${cluster.masterName} `)) first("odown");
    });
    await client.subscribe("+switch-master", (message) => {
      if (message.startsWith(`${cluster.masterName} `)) first("switchMaster");
    });
  }
  return {
    marks: () => ({ ...marks }),
    stop() {
      for (const client of clients) client.destroy();
      return Promise.resolve();
    },
  };
}

/** Epoch milliseconds at which Stalk's log says it did each step, after a given moment. */
export interface StalkMarks {
  /** The broker connection was reported lost. */
  noticed?: number;
  /** The transport named the new master. */
  resolved?: number;
  /** The transport was connected and subscribed on the new master. */
  subscribed?: number;
  /** The result backend named the new master. */
  backendResolved?: number;
}

/** Reads {@linkcode StalkMarks} from Stalk's output: lines after `since` naming `newPort`. */
export function stalkMarks(output: string, since: number, newPort: number): StalkMarks {
  const marks: StalkMarks = {};
  const at = `127.0.0.1:${newPort}`;
  for (const line of output.split("\n")) {
    const match = /^(\d{4}-\d\d-\d\dT[\d:.]+Z) (\w+) (.*)$/.exec(line);
    if (!match) continue;
    const time = Date.parse(match[1]);
    if (time < since) continue;
    const text = match[3];
    if (/^Broker .*unavailable/.test(text)) marks.noticed ??= time;
    else if (text.startsWith("sentinel master ") && text.includes(` is ${at}`)) {
      marks.resolved ??= time;
    } else if (text.startsWith("Connected to sentinel master ") && text.includes(` at ${at},`)) {
      marks.subscribed ??= time;
    } else if (
      text.startsWith("The result backend sentinel master ") && text.includes(` is ${at}`)
    ) {
      marks.backendResolved ??= time;
    }
  }
  return marks;
}

/** Synthetic events published on one node (the one to be promoted) for Stalk to pick up. */
export interface NodeProbe {
  /** When the first of them Stalk holds was accepted by the node; undefined when none yet. */
  firstSeen(stalkUrl: string): Promise<number | undefined>;
  stop(): Promise<void>;
}

/** Publishes `task-received` events of task `name` on the Redis at `port`, every `intervalMs`. */
export function probeNode(port: number, name: string, intervalMs = 20): NodeProbe {
  const stream: EventStream = startEventStream("redis", `redis://127.0.0.1:${port}/0`, {
    name,
    intervalMs,
    hostname: "probe@failover",
  });
  return {
    async firstSeen(stalkUrl) {
      const held = new Set(
        (await listTasks(stalkUrl, { taskname: name, limit: 100_000 })).map(([id]) => id),
      );
      return stream.sent().find((event) => held.has(event.uuid))?.at;
    },
    stop: () => stream.stop(),
  };
}

/** The events of Celery workers (not the probe's) seen on one node. */
export interface NodeEvents {
  /**
   * Epoch milliseconds of the first worker event published on the node at or after `since`;
   * undefined when none. (A replica sees its master's PUBLISHes too, replicated.)
   */
  firstWorkerEvent(since: number): number | undefined;
  stop(): Promise<void>;
}

/**
 * Listens on the Redis at `port` for worker events, from now on; it reconnects every 50 ms, as
 * a promotion closes the node's pub/sub clients.
 */
export function watchNodeEvents(port: number, probeHostname = "probe@failover"): NodeEvents {
  const seen: number[] = [];
  let stopped = false;
  let client: ReturnType<typeof createClient> | undefined;
  let wake = () => {};
  const loop = (async () => {
    while (!stopped) {
      client = createClient({ socket: { host: "127.0.0.1", port, reconnectStrategy: false } });
      const lost = new Promise<void>((resolve) => {
        wake = resolve;
        client!.on("error", () => resolve());
        client!.on("end", () => resolve());
      });
      try {
        await client.connect();
        // kombu 5.2.4's Sentinel channel publishes on the unformatted `{db}` prefix.
        await client.pSubscribe(["/0.celeryev/*", "/{db}.celeryev/*"], (message) => {
          try {
            const body = JSON.parse(Buffer.from(JSON.parse(message).body, "base64").toString());
            if (body.hostname !== probeHostname) seen.push(Date.now());
          } catch {
            // not an event of ours to time
          }
        });
        await lost;
      } catch {
        // not up yet, or closed while connecting
      }
      try {
        client.destroy();
      } catch {
        // already closed
      }
      if (!stopped) await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  return {
    firstWorkerEvent: (since) => seen.find((time) => time >= since),
    async stop() {
      stopped = true;
      wake();
      await loop;
    },
  };
}
