import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { CLIENT_JS } from "../../../src/web/assets/client_js.ts";

test("the embedded browser code is the bundle of src/web/client (run scripts/bundle_client)", () => {
  const dir = mkdtempSync(join(tmpdir(), "stalk-client-"));
  try {
    const out = join(dir, "app.js");
    execFileSync(process.execPath, [
      "bundle",
      "--quiet",
      "--platform=browser",
      "--minify",
      "src/web/client/main.ts",
      "-o",
      out,
    ]);
    assert.equal(CLIENT_JS, readFileSync(out, "utf8"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
