/** Where things are: the repository, the Celery fixtures, and the programs the harness runs. */

import { accessSync, constants } from "node:fs";
import { delimiter, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (Stalk's `deno.json` lives here). */
export const repoRoot: string = resolve(fileURLToPath(new URL("../../..", import.meta.url)));

/** `tests/fixtures`: the cwd of every Celery worker and client the harness starts. */
export const fixturesDir: string = join(repoRoot, "tests", "fixtures");

/** The Python that has Debian's Celery (the `python3` on PATH may be another one). */
export const python: string = process.env.STALK_PYTHON ?? "/usr/bin/python3";

/**
 * The Deno to run the server from source with, found as the scripts find it: `$DENO`, then
 * `deno` on PATH, then `.tools/node_modules/.bin/deno`.
 */
export function denoPath(): string {
  const candidates = [
    process.env.DENO,
    ...(process.env.PATH ?? "").split(delimiter).filter(Boolean).map((dir) => join(dir, "deno")),
    join(repoRoot, ".tools", "node_modules", ".bin", "deno"),
  ];
  for (const candidate of candidates) {
    if (candidate && isExecutable(candidate)) return candidate;
  }
  throw new Error("Cannot find deno: set DENO, put deno on PATH or run ./scripts/start once");
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
