/**
 * The state file on disk: read it whole, move a bad one aside, and replace it atomically (write
 * a temporary file beside it, flush it to disk, rename it over the old one, flush the folder),
 * so a crash at any moment leaves either the previous save or the new one, never a mix.
 */
import { existsSync, readFileSync, renameSync } from "node:fs";
import { open, rename, rm } from "node:fs/promises";
import { dirname } from "node:path";
import type { ByteSink } from "./encode.ts";

/** Bytes gathered before each write: few system calls, little memory. */
const WRITE_BUFFER = 1 << 20;

/** The file's bytes, or undefined when there is no file. */
export function readStateFile(path: string): Uint8Array | undefined {
  if (!existsSync(path)) return undefined;
  return readFileSync(path);
}

/** Renames `path` to `<path>.<reason>-<UTC time>` and returns the new name. */
export function moveAside(path: string, reason: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  const target = `${path}.${reason}-${stamp}`;
  renameSync(path, target);
  return target;
}

/** How a long task shares the event loop. */
export interface Turns {
  /** Hands the event loop a turn if the work has gone on long enough. */
  pause(): Promise<void>;
  /** Says the work is about to wait for I/O, which gives the loop turns. */
  awaiting(): void;
  /** Says the wait is over and work goes on. */
  resumed(): void;
}

/**
 * Writes what `produce` sends to its sink into `path`, atomically, giving the event loop turns
 * as `turns` says. Resolves with the byte count.
 */
export async function writeAtomically(
  path: string,
  produce: (sink: ByteSink) => Promise<number>,
  turns: Turns,
): Promise<number> {
  const temporary = `${path}.tmp`;
  /** Awaits `io`, which gives the event loop turns, outside the measured stretches of work. */
  const wait = async <T>(io: Promise<T>): Promise<T> => {
    turns.awaiting();
    try {
      return await io;
    } finally {
      turns.resumed();
    }
  };
  const handle = await wait(open(temporary, "w", 0o600));
  let renamed = false;
  try {
    const buffer = new Uint8Array(WRITE_BUFFER);
    let used = 0;
    const flush = async () => {
      if (used > 0) await wait(writeAll(handle, buffer.subarray(0, used)));
      used = 0;
    };
    const bytes = await produce(async (piece) => {
      await turns.pause();
      if (piece.byteLength > buffer.byteLength - used) await flush();
      if (piece.byteLength >= buffer.byteLength) {
        await wait(writeAll(handle, piece));
      } else {
        buffer.set(piece, used);
        used += piece.byteLength;
      }
    });
    await flush();
    await wait(handle.sync());
    await wait(handle.close());
    await wait(rename(temporary, path));
    renamed = true;
    await wait(syncFolder(dirname(path)));
    return bytes;
  } finally {
    if (!renamed) {
      await handle.close().catch(() => {});
      await rm(temporary, { force: true }).catch(() => {});
    }
  }
}

type Handle = Awaited<ReturnType<typeof open>>;

async function writeAll(handle: Handle, bytes: Uint8Array): Promise<void> {
  let at = 0;
  while (at < bytes.byteLength) {
    const { bytesWritten } = await handle.write(bytes, at, bytes.byteLength - at);
    at += bytesWritten;
  }
}

/** Makes the rename durable; not every runtime or file system can open a folder, so best effort. */
async function syncFolder(folder: string): Promise<void> {
  try {
    const handle = await open(folder, "r");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // The rename is still atomic; only its durability across a power cut is at stake.
  }
}
