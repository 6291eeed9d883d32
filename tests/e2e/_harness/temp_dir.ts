/** Temporary folders the harness makes, removed when the test process ends, however it ends. */

import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { undoOnExit } from "./reaper.ts";

/** A new folder under the system's temp dir, readable by other users (RabbitMQ reads certs). */
export function tempDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), `${prefix}-`));
  chmodSync(path, 0o755);
  const release = undoOnExit(`dir:${path}`, `rm -rf '${path}'`);
  return {
    path,
    remove() {
      rmSync(path, { recursive: true, force: true });
      release();
    },
  };
}
