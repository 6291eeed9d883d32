import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeAtomically } from "../../../src/persist/state_file.ts";

test("an atomic write brackets every wait for the disk, so no step counts the disk's time", async () => {
  const path = join(mkdtempSync(join(tmpdir(), "stalk-state-file-")), "flower");
  const calls: string[] = [];
  const turns = {
    pause: () => {
      calls.push("pause");
      return Promise.resolve();
    },
    awaiting: () => void calls.push("awaiting"),
    resumed: () => void calls.push("resumed"),
  };
  const big = new Uint8Array(3 << 20).fill(7);
  const bytes = await writeAtomically(path, async (sink) => {
    await sink(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]));
    await sink(big);
    return 8 + big.byteLength;
  }, turns);

  assert.equal(bytes, 8 + big.byteLength);
  assert.equal(readFileSync(path).byteLength, bytes);
  const waits = calls.filter((call) => call !== "pause");
  // open, the two writes, fsync, close, rename and the folder's fsync at least.
  assert.ok(waits.length >= 14, waits.join(" "));
  waits.forEach((call, i) => assert.equal(call, i % 2 === 0 ? "awaiting" : "resumed"));
  assert.equal(calls.filter((call) => call === "pause").length, 2);
});
