/**
 * Celery's cache backend on memcached (`cache+memcached://host:11211/`, `celery/backends/
 * cache.py`): each result document under `celery-task-meta-<id>`, JSON text by default or a
 * pickle with the `pickle` serializer. Memcached pushes nothing, so waiting polls every watched
 * key in one multi-key `gets` per interval.
 */
import { inflateSync } from "node:zlib";
import { decodeResultBytes } from "../celery/task_result.ts";
import { abortedDocument, abortedMeta, RESULT_EXPIRES } from "../celery/aborted_result.ts";
import { isPickle, pickleTextDict } from "../celery/pickle.ts";
import { describeError } from "../log.ts";
import { backendUnavailable, type ResultBackend } from "./backend.ts";
import { type BatchRead, PolledBackend, type PolledResultsOptions } from "./_poll.ts";
import { type MemcachedConnection, type MemcachedItem, validKey } from "./memcached_client.ts";
import { TASK_KEY_PREFIX } from "./redis.ts";

/** pylibmc's and python-memcached's flag for a zlib-compressed value. */
const FLAG_ZLIB = 1 << 3;

/** Results read from (and aborts written to) memcached. */
export class MemcachedBackend extends PolledBackend implements ResultBackend {
  readonly kind = "memcached" as const;
  readonly #servers: MemcachedConnection[];

  /** With several servers, every read asks each one: Stalk does not mimic a client's hashing. */
  constructor(servers: MemcachedConnection[], options: PolledResultsOptions = {}) {
    super(options);
    this.#servers = servers;
  }

  /**
   * Writes ABORTED as `AbortableAsyncResult.abort()` does, unless the task already succeeded
   * (Celery's key-value write guard). `gets` then `cas`, so a result the worker writes in
   * between is never overwritten.
   */
  async abort(taskId: string): Promise<void> {
    const key = TASK_KEY_PREFIX + taskId;
    if (!validKey(key)) return; // No such key can exist, and none can be written.
    const document = new TextEncoder().encode(abortedDocument(taskId));
    try {
      for (let attempt = 0; attempt < 5; attempt++) {
        const holders = await this.#find(key);
        if (holders.length === 0) {
          // Nothing stored: no client's hashing is known, so every server gets the document.
          const replies = await Promise.all(
            this.#servers.map((server) => server.add(key, document, RESULT_EXPIRES)),
          );
          if (replies.every((reply) => reply === "STORED")) return;
          continue; // Someone wrote in between: read again.
        }
        const [server, item] = holders[0];
        const current = this.#decode(taskId, item);
        if (!(current instanceof Error) && current.state === "SUCCESS") return;
        // Workers on the pickle serializer read only pickles: answer in the stored format.
        const written = isPickle(item.value) ? pickledAborted(taskId) : document;
        if (await server.cas(key, written, RESULT_EXPIRES, item.cas) === "STORED") return;
      }
    } catch (error) {
      throw backendUnavailable(describeError(error), error);
    }
    throw backendUnavailable(`the result of '${taskId}' kept changing while aborting it`);
  }

  close(): Promise<void> {
    this.stopPolling();
    for (const server of this.#servers) server.close();
    return Promise.resolve();
  }

  /** The servers holding `key`, in configuration order, with their items. */
  async #find(key: string): Promise<[MemcachedConnection, MemcachedItem][]> {
    const found = await Promise.all(this.#servers.map((server) => server.getMany([key])));
    return this.#servers.flatMap((server, i) => {
      const item = found[i].get(key);
      return item ? [[server, item] as [MemcachedConnection, MemcachedItem]] : [];
    });
  }

  protected override async readMany(ids: string[]): Promise<Map<string, BatchRead>> {
    const keys = ids.map((id) => TASK_KEY_PREFIX + id).filter(validKey);
    const perServer = await Promise.all(this.#servers.map((server) => server.getMany(keys)));
    const out = new Map<string, BatchRead>();
    for (const found of perServer) {
      for (const [key, item] of found) {
        const taskId = key.slice(TASK_KEY_PREFIX.length);
        if (!out.has(taskId)) out.set(taskId, this.#decode(taskId, item));
      }
    }
    return out;
  }

  #decode(taskId: string, item: MemcachedItem): BatchRead {
    try {
      const bytes = item.flags & FLAG_ZLIB ? inflateSync(item.value) : item.value;
      return decodeResultBytes(taskId, bytes);
    } catch (error) {
      return error as Error;
    }
  }
}

/** The ABORTED document as the `pickle` result serializer stores it. */
function pickledAborted(taskId: string): Uint8Array {
  return pickleTextDict(abortedMeta(taskId));
}
