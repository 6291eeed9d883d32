import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const HTTP_DIR = new URL("../../../src/http/", import.meta.url).pathname;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sources(join(dir, entry.name))
      : entry.name.endsWith(".ts")
      ? [join(dir, entry.name)]
      : []
  );
}

test("no route writes JSON past json.ts, which sends Flower's charset", () => {
  // Hono's c.json() sends a bare `application/json`; Flower's clients see the charset.
  const offenders = sources(HTTP_DIR).filter((file) =>
    /\bc\.json\(/.test(readFileSync(file, "utf8"))
  );
  assert.deepEqual(offenders, []);
});
