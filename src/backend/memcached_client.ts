/**
 * A small memcached client over node:net, speaking the text protocol that Celery's own clients
 * (pylibmc, python-memcached) speak. Stalk needs four commands: a multi-key `gets` (one request
 * for every waited id), and `cas`, `add` for an abort that cannot overwrite a result written in
 * between. One connection per server, requests answered in order; a broken connection fails
 * what is in flight and the next request reconnects.
 */
import { connect, type Socket } from "node:net";

/** One stored item. */
export interface MemcachedItem {
  value: Uint8Array;
  flags: number;
  /** The `gets` version, for {@linkcode MemcachedConnection.cas}. */
  cas: string;
}

/** Options for {@linkcode MemcachedConnection}. */
export interface MemcachedOptions {
  host: string;
  port: number;
  /** Per request, including connecting; default 5 s. */
  timeoutMs?: number;
}

/** What a storage command answered. */
export type StoreReply = "STORED" | "NOT_STORED" | "EXISTS" | "NOT_FOUND";

interface Request {
  /** Consumes a reply from `buffer`; returns the bytes used, or 0 when more are needed. */
  parse(buffer: Buffer): number;
  fail(error: Error): void;
}

const CRLF = Buffer.from("\r\n");

/** Whether memcached accepts `key`: 1 to 250 bytes, no spaces or control characters. */
export function validKey(key: string): boolean {
  if (key.length === 0 || Buffer.byteLength(key) > 250) return false;
  for (let i = 0; i < key.length; i++) {
    const code = key.charCodeAt(i);
    if (code <= 0x20 || code === 0x7f) return false;
  }
  return true;
}

/** One memcached server. */
export class MemcachedConnection {
  readonly #options: Required<MemcachedOptions>;
  #socket?: Socket;
  #buffer: Buffer = Buffer.alloc(0);
  readonly #queue: Request[] = [];
  #closed = false;

  constructor(options: MemcachedOptions) {
    this.#options = { timeoutMs: 5_000, ...options };
  }

  /** `host:port`, for messages. */
  get address(): string {
    return `${this.#options.host}:${this.#options.port}`;
  }

  /** The items of `keys` that exist (keys must pass {@linkcode validKey}). */
  getMany(keys: string[]): Promise<Map<string, MemcachedItem>> {
    const found = new Map<string, MemcachedItem>();
    if (keys.length === 0) return Promise.resolve(found);
    return this.#send(`gets ${keys.join(" ")}\r\n`, (buffer, finish) => {
      let used = 0;
      for (;;) {
        const end = buffer.indexOf(CRLF, used);
        if (end < 0) return 0;
        const line = buffer.toString("latin1", used, end);
        if (line === "END") {
          finish(found);
          return end + 2;
        }
        const match = /^VALUE (\S+) (\d+) (\d+)(?: (\d+))?$/.exec(line);
        if (!match) throw replyError(line);
        const size = Number(match[3]);
        const start = end + 2;
        if (buffer.length < start + size + 2) return 0;
        found.set(match[1], {
          value: new Uint8Array(buffer.subarray(start, start + size)),
          flags: Number(match[2]),
          cas: match[4] ?? "0",
        });
        used = start + size + 2;
      }
    });
  }

  /** Stores `value` if no one changed it since `gets` gave `cas`. */
  cas(key: string, value: Uint8Array, expires: number, cas: string): Promise<StoreReply> {
    return this.#store(`cas ${key} 0 ${expires} ${value.length} ${cas}`, value);
  }

  /** Stores `value` only if `key` holds nothing. */
  add(key: string, value: Uint8Array, expires: number): Promise<StoreReply> {
    return this.#store(`add ${key} 0 ${expires} ${value.length}`, value);
  }

  /** Closes the connection; the client is unusable afterwards. */
  close(): void {
    this.#closed = true;
    this.#socket?.destroy();
    this.#failAll(new Error(`memcached ${this.address}: the client is closed`));
  }

  #store(command: string, value: Uint8Array): Promise<StoreReply> {
    const payload = Buffer.concat([Buffer.from(`${command}\r\n`), value, CRLF]);
    return this.#send(payload, (buffer, finish) => {
      const end = buffer.indexOf(CRLF);
      if (end < 0) return 0;
      const line = buffer.toString("latin1", 0, end);
      if (!["STORED", "NOT_STORED", "EXISTS", "NOT_FOUND"].includes(line)) throw replyError(line);
      finish(line as StoreReply);
      return end + 2;
    });
  }

  #send<T>(
    payload: string | Buffer,
    parse: (buffer: Buffer, finish: (value: T) => void) => number,
  ): Promise<T> {
    if (this.#closed) {
      return Promise.reject(new Error(`memcached ${this.address}: the client is closed`));
    }
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        // A reply that never comes leaves the stream out of step: start over.
        this.#socket?.destroy(new Error(`no reply within ${this.#options.timeoutMs} ms`));
      }, this.#options.timeoutMs);
      const settle = () => clearTimeout(timer);
      this.#queue.push({
        parse: (buffer) =>
          parse(buffer, (value) => {
            settle();
            resolve(value);
          }),
        fail: (error) => {
          settle();
          reject(error);
        },
      });
      this.#connection().write(payload);
    });
  }

  #connection(): Socket {
    if (this.#socket) return this.#socket;
    const socket = connect({ host: this.#options.host, port: this.#options.port });
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => this.#onData(socket, chunk));
    let reason = "the connection closed";
    // `close` always follows `error`; the requests in flight fail there, with the reason.
    socket.on("error", (error: Error) => reason = error.message);
    socket.on("close", () => {
      if (this.#socket !== socket) return;
      this.#socket = undefined;
      this.#buffer = Buffer.alloc(0);
      this.#failAll(new Error(`memcached ${this.address}: ${reason}`));
    });
    this.#socket = socket;
    return socket;
  }

  #onData(socket: Socket, chunk: Buffer): void {
    this.#buffer = this.#buffer.length ? Buffer.concat([this.#buffer, chunk]) : chunk;
    try {
      while (this.#queue.length > 0 && this.#buffer.length > 0) {
        const used = this.#queue[0].parse(this.#buffer);
        if (used === 0) return;
        this.#queue.shift();
        this.#buffer = this.#buffer.subarray(used);
      }
    } catch (error) {
      this.#queue.shift()?.fail(error as Error);
      socket.destroy();
    }
  }

  #failAll(error: Error): void {
    for (const request of this.#queue.splice(0)) request.fail(error);
  }
}

function replyError(line: string): Error {
  return new Error(`memcached answered '${line.slice(0, 200)}'`);
}
