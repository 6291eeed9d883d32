import { test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { log } from "../../src/log.ts";

/** Runs `fn` with standard error captured. */
function captureStderr(fn: () => void): string {
  const original = process.stderr.write;
  let out = "";
  process.stderr.write = ((chunk: string | Uint8Array) => {
    out += typeof chunk === "string" ? chunk : new TextDecoder().decode(chunk);
    return true;
  }) as typeof process.stderr.write;
  try {
    fn();
  } finally {
    process.stderr.write = original;
  }
  return out;
}

test("every log line masks the passwords of the URLs it quotes", () => {
  const out = captureStderr(() =>
    log.warn("Broker redis+socket:///tmp/r.sock?password=hunter2 and amqp://u:hunter2@h// down")
  );
  assert.doesNotMatch(out, /hunter2/);
  assert.match(
    out,
    /WARN Broker redis\+socket:\/\/\/tmp\/r\.sock\?password=\*\*\*\* and amqp:\/\/u:\*\*\*\*@h\/\/ down/,
  );
});
