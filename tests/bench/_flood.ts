/**
 * Celery-shaped event floods for the benchmark. Each task lives the life a prefork worker
 * reports: `task-received` → `task-started` → `task-succeeded` or `task-failed`, with the fields,
 * key order and number formatting of the recorded Celery 5.2.6 messages
 * (`tests/fixtures/events/celery_5.2.6_amqp.json`). Workers also send a `worker-heartbeat` now
 * and then. A flood is deterministic for a seed, so the bare consumer and Stalk see the same one.
 */

/** How a flood is shaped. */
export interface FloodOptions {
  /** Task lifecycles (3 events each). */
  tasks: number;
  /** `task.multi` arrays of up to 24 events (prefork workers) or one event per message. */
  batched: boolean;
  /**
   * Sizes of the batches: "full" (mostly 24, as under heavy load) or "partial" (1 to 24, mostly
   * small: P(n) ∝ 1/n, as a prefork worker flushes on every loop tick under moderate load).
   */
  batches?: "full" | "partial";
  /** Clients also send a `task-sent` per task, one event per message, before it is received. */
  sent?: boolean;
  /** Client hostnames sending `task-sent`. Default 4. */
  clients?: number;
  /** A quiet cluster: no task at all, each worker sends this many heartbeats. */
  beats?: number;
  /** Timestamps from the clock at generation (for paced floods) instead of a fast fake clock. */
  realTime?: boolean;
  /** Worker hostnames taking part. Default 8. */
  workers?: number;
  /** Share of tasks that fail. Default 0.1. */
  failRatio?: number;
  /** Each worker sends a heartbeat after this many of its own events. Default 4000. */
  heartbeatEvery?: number;
  /** Seed of the generator; also names the tasks, so two floods with one seed are equal. */
  seed?: number;
}

/** One message to publish. */
export interface FloodMessage {
  routingKey: string;
  /** The sender, as Celery puts it in the `hostname` header. */
  hostname: string;
  body: string;
  /** Events in the body (the array length for `task.multi`). */
  events: number;
  /** The uuid of the last task in the body that reached a final state, if any. */
  lastFinal?: string;
}

/** What a flood holds once it is fully generated. */
export interface FloodTotals {
  tasks: number;
  succeeded: number;
  failed: number;
  /** Task and worker events. */
  events: number;
  taskEvents: number;
  messages: number;
}

const TASK_NAMES = [
  "tasks.add",
  "tasks.echo",
  "app.mail.send_welcome_email",
  "app.billing.charge_invoice",
  "app.reports.render_pdf",
  "app.search.reindex_document",
  "app.media.make_thumbnail",
  "app.sync.pull_crm_contacts",
  "app.notify.push_to_device",
  "app.etl.load_partition",
  "app.cache.warm_user_feed",
  "app.webhooks.deliver",
];

const ARGS = [
  "(1, 2)",
  "(1, 'a')",
  "()",
  "(42,)",
  "('user-7781', 'welcome')",
  "({'invoice_id': 98123, 'amount': '129.00', 'currency': 'EUR', 'customer': 'cus_8f2k1'},)",
  "('s3://media-bucket/uploads/2024/05/12/IMG_20240512_141233.jpg', [(128, 128), (512, 512)])",
  "([3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3, 2, 3, 8, 4, 6, 2, 6, 4, 3, 3, 8, 3],)",
];

const KWARGS = [
  "{}",
  "{'k': 3}",
  "{'retry': True, 'priority': 5}",
  "{'locale': 'en_GB', 'template': 'welcome_v3', 'tracking': {'campaign': 'spring', 'ab': 'b'}}",
];

const RESULTS = [
  "3",
  "None",
  "'done'",
  "{'args': [1, 'a'], 'kwargs': {'k': 3}}",
  "{'ok': True, 'id': 98123, 'charged': '129.00'}",
  "['thumb_128.jpg', 'thumb_512.jpg']",
];

const EXCEPTIONS = [
  "ValueError('boom')",
  "ConnectionError('upstream closed the connection')",
  "KeyError('customer')",
];

const TRACEBACK = `Traceback (most recent call last):
  File "/usr/lib/python3/dist-packages/celery/app/trace.py", line 451, in trace_task
    R = retval = fun(*args, **kwargs)
                 ^^^^^^^^^^^^^^^^^^^^
  File "/usr/lib/python3/dist-packages/celery/app/trace.py", line 734, in __protected_call__
    return self.run(*args, **kwargs)
           ^^^^^^^^^^^^^^^^^^^^^^^^^
  File "/srv/app/tasks.py", line 40, in run
    raise ValueError('boom')
ValueError: boom
`;

/** Celery's `buffer_limit`: a worker flushes its `task.multi` buffer at 24 events. */
const BUFFER_LIMIT = 24;

/** Cumulative P(size ≤ n) for partial batches, P(n) ∝ 1/n over 1..24 (mean 6.4, median 3). */
const PARTIAL_CDF: number[] = (() => {
  const weights = Array.from({ length: BUFFER_LIMIT }, (_, i) => 1 / (i + 1));
  const total = weights.reduce((a, b) => a + b, 0);
  let sum = 0;
  return weights.map((w) => (sum += w) / total);
})();

/** A small, fast, seedable PRNG (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HEX = "0123456789abcdef";

interface TaskPlan {
  uuid: string;
  name: number;
  args: number;
  kwargs: number;
  fails: boolean;
}

interface WorkerStream {
  hostname: string;
  pid: number;
  clock: number;
  processed: number;
  /** Tasks received, not yet started / started, not yet finished (a 3-stage pipeline). */
  receivedWaiting?: TaskPlan;
  startedWaiting?: TaskPlan;
  sinceHeartbeat: number;
  /** Heartbeats sent (quiet floods). */
  beats: number;
  buffer: string[];
  bufferFinal?: string;
}

/** A deterministic flood of Celery events; iterate `messages()` once. */
export class Flood {
  readonly options: Required<FloodOptions>;
  readonly totals: FloodTotals = {
    tasks: 0,
    succeeded: 0,
    failed: 0,
    events: 0,
    taskEvents: 0,
    messages: 0,
  };
  #random: () => number;
  #time: number;
  #names: string[];
  #args: string[];
  #kwargs: string[];
  #results: string[];
  #exceptions: string[];
  #traceback: string;

  /** A flood shaped by `options`. */
  constructor(options: FloodOptions) {
    this.options = {
      workers: 8,
      failRatio: 0.1,
      heartbeatEvery: 4000,
      seed: 1,
      batches: "full",
      sent: false,
      clients: 4,
      beats: 0,
      realTime: false,
      ...options,
    };
    this.#random = prng(this.options.seed);
    this.#time = Math.floor(Date.now() / 1000);
    // Pre-escaped JSON texts: the generator must cost little next to what it measures.
    this.#names = TASK_NAMES.map((s) => JSON.stringify(s));
    this.#args = ARGS.map((s) => JSON.stringify(s));
    this.#kwargs = KWARGS.map((s) => JSON.stringify(s));
    this.#results = RESULTS.map((s) => JSON.stringify(s));
    this.#exceptions = EXCEPTIONS.map((s) => JSON.stringify(s));
    this.#traceback = JSON.stringify(TRACEBACK);
  }

  /** The messages in publishing order: workers take turns, one flush each. */
  *messages(): Generator<FloodMessage> {
    const { workers: count, tasks } = this.options;
    const workers: WorkerStream[] = [];
    for (let w = 0; w < count; w++) {
      workers.push({
        hostname: `celery@bench-w${w + 1}`,
        pid: 20_000 + w,
        clock: 0,
        processed: 0,
        sinceHeartbeat: 0,
        beats: 0,
        buffer: [],
      });
    }
    let next = 0;
    let live = count;
    const done = new Array<boolean>(count).fill(false);
    // task-sent messages of the tasks taken during a step, published before that step's message.
    const sent: FloodMessage[] = [];
    const take = () => {
      if (next >= tasks) return undefined;
      const plan = this.#plan(next++);
      if (this.options.sent) sent.push(this.#sent(plan));
      return plan;
    };
    while (live > 0) {
      for (let w = 0; w < count; w++) {
        if (done[w]) continue;
        const worker = workers[w];
        const message = this.#step(worker, take);
        for (const m of sent.splice(0)) {
          this.totals.messages++;
          this.totals.events += 1;
          yield m;
        }
        if (message === null) {
          done[w] = true;
          live--;
          continue;
        }
        this.totals.messages++;
        this.totals.events += message.events;
        yield message;
      }
    }
  }

  /** Advances one worker until it has a message to send; null when it has nothing left. */
  #step(worker: WorkerStream, take: () => TaskPlan | undefined): FloodMessage | null {
    const batched = this.options.batched;
    const flushAt = batched ? this.#flushSize() : 1;
    if (this.options.beats > 0) {
      if (worker.beats >= this.options.beats) return null;
      worker.beats++;
      return this.#heartbeat(worker);
    }
    for (;;) {
      if (worker.sinceHeartbeat >= this.options.heartbeatEvery) {
        worker.sinceHeartbeat = 0;
        return this.#heartbeat(worker);
      }
      // One pipeline tick: finish, start, receive, oldest first so a task's events stay ordered.
      let progressed = false;
      if (worker.startedWaiting) {
        this.#push(worker, this.#finished(worker, worker.startedWaiting));
        worker.startedWaiting = undefined;
        progressed = true;
        if (worker.buffer.length >= flushAt) return this.#flush(worker);
      }
      if (worker.receivedWaiting) {
        this.#push(worker, this.#started(worker, worker.receivedWaiting));
        worker.startedWaiting = worker.receivedWaiting;
        worker.receivedWaiting = undefined;
        progressed = true;
        if (worker.buffer.length >= flushAt) return this.#flush(worker);
      }
      const task = take();
      if (task) {
        this.totals.tasks++;
        this.#push(worker, this.#received(worker, task));
        worker.receivedWaiting = task;
        progressed = true;
        if (worker.buffer.length >= flushAt) return this.#flush(worker);
      }
      if (!progressed) return worker.buffer.length > 0 ? this.#flush(worker) : null;
    }
  }

  /** Celery flushes at 24 events or on the next loop tick: mostly full batches under load. */
  #flushSize(): number {
    if (this.options.batches === "partial") {
      const r = this.#random();
      let size = 1;
      while (size < BUFFER_LIMIT && r > PARTIAL_CDF[size - 1]) size++;
      return size;
    }
    return this.#random() < 0.75 ? BUFFER_LIMIT : 1 + Math.floor(this.#random() * BUFFER_LIMIT);
  }

  #plan(index: number): TaskPlan {
    const r = this.#random;
    return {
      uuid: this.#uuid(index),
      name: Math.floor(r() * this.#names.length),
      args: Math.floor(r() * this.#args.length),
      kwargs: Math.floor(r() * this.#kwargs.length),
      fails: r() < this.options.failRatio,
    };
  }

  /** A uuid4-shaped id, unique per (seed, index). */
  #uuid(index: number): string {
    const r = this.#random;
    let hex = "";
    for (let i = 0; i < 24; i++) hex += HEX[Math.floor(r() * 16)];
    const tail = (index + this.options.seed * 0x1000000).toString(16).padStart(8, "0").slice(-8);
    hex += tail;
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${
      hex.slice(20, 32)
    }`;
  }

  #push(worker: WorkerStream, event: string): void {
    worker.buffer.push(event);
    worker.sinceHeartbeat++;
  }

  #flush(worker: WorkerStream): FloodMessage {
    const events = worker.buffer;
    worker.buffer = [];
    const lastFinal = worker.bufferFinal;
    worker.bufferFinal = undefined;
    if (!this.options.batched) {
      const body = events[0];
      const type = body.slice(body.lastIndexOf('"type": "') + 9, -2);
      return {
        routingKey: type.replace("-", "."),
        hostname: worker.hostname,
        body,
        events: 1,
        lastFinal,
      };
    }
    return {
      routingKey: "task.multi",
      hostname: worker.hostname,
      body: `[${events.join(", ")}]`,
      events: events.length,
      lastFinal,
    };
  }

  #head(worker: WorkerStream, uuid: string): string {
    worker.clock++;
    this.totals.taskEvents++;
    return `{"hostname": "${worker.hostname}", "utcoffset": 0, "pid": ${worker.pid}, "clock": ${worker.clock}, "uuid": "${uuid}"`;
  }

  #now(): number {
    if (this.options.realTime) return Date.now() / 1000;
    this.#time += 0.000013;
    return this.#time;
  }

  /** A client's `task-sent`, with the fields and key order of Celery 5.2.6. */
  #sent(t: TaskPlan): FloodMessage {
    const client = t.name % this.options.clients;
    const hostname = `gen${30_000 + client}@bench-client${client + 1}`;
    this.totals.taskEvents++;
    const body = `{"hostname": "${hostname}", "utcoffset": 0, "pid": ${
      30_000 + client
    }, "clock": 1, "uuid": "${t.uuid}", "root_id": "${t.uuid}", "parent_id": null, "name": ${
      this.#names[t.name]
    }, "args": ${this.#args[t.args]}, "kwargs": ${
      this.#kwargs[t.kwargs]
    }, "retries": 0, "eta": null, "expires": null, "queue": "celery", "exchange": "", "routing_key": "celery", "timestamp": ${this.#now()}, "type": "task-sent"}`;
    return { routingKey: "task.sent", hostname, body, events: 1 };
  }

  #received(worker: WorkerStream, t: TaskPlan): string {
    return `${this.#head(worker, t.uuid)}, "name": ${this.#names[t.name]}, "args": ${
      this.#args[t.args]
    }, "kwargs": ${
      this.#kwargs[t.kwargs]
    }, "root_id": "${t.uuid}", "parent_id": null, "retries": 0, "eta": null, "expires": null, "timestamp": ${this.#now()}, "type": "task-received"}`;
  }

  #started(worker: WorkerStream, t: TaskPlan): string {
    return `${this.#head(worker, t.uuid)}, "timestamp": ${this.#now()}, "type": "task-started"}`;
  }

  #finished(worker: WorkerStream, t: TaskPlan): string {
    worker.processed++;
    worker.bufferFinal = t.uuid;
    const runtime = 0.0001 + this.#random() * 0.05;
    if (t.fails) {
      this.totals.failed++;
      const exception = this.#exceptions[t.name % this.#exceptions.length];
      return `${
        this.#head(worker, t.uuid)
      }, "exception": ${exception}, "traceback": ${this.#traceback}, "timestamp": ${this.#now()}, "type": "task-failed"}`;
    }
    this.totals.succeeded++;
    const result = this.#results[t.args % this.#results.length];
    return `${
      this.#head(worker, t.uuid)
    }, "result": ${result}, "runtime": ${runtime}, "timestamp": ${this.#now()}, "type": "task-succeeded"}`;
  }

  #heartbeat(worker: WorkerStream): FloodMessage {
    worker.clock++;
    const load = (0.1 + this.#random()).toFixed(2);
    const body =
      `{"hostname": "${worker.hostname}", "utcoffset": 0, "pid": ${worker.pid}, "clock": ${worker.clock}, "freq": 2.0, "active": 2, "processed": ${worker.processed}, "loadavg": [${load}, 0.5, 0.25], "sw_ident": "py-celery", "sw_ver": "5.2.6", "sw_sys": "Linux", "timestamp": ${this.#now()}, "type": "worker-heartbeat"}`;
    return { routingKey: "worker.heartbeat", hostname: worker.hostname, body, events: 1 };
  }
}
