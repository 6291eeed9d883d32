import { test } from "node:test";
import assert from "node:assert/strict";
import { parseProc, renderProcess } from "../../../src/metrics/process_metrics.ts";

const STAT = "4242 (deno (main) x) S 1 4242 4242 0 -1 4194560 1 0 0 0 250 50 0 0 20 0 9 0 " +
  "1000 123456789 2048 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0";
const SYSTEM = "cpu  1 2 3\nbtime 1700000000\nprocesses 9\n";
const LIMITS = "Limit                     Soft Limit           Hard Limit           Units\n" +
  "Max open files            1024                 4096                 files\n";

test("the process figures are read from /proc in prometheus_client's units", () => {
  assert.deepEqual(parseProc(STAT, SYSTEM, LIMITS), {
    cpuSeconds: 3,
    virtualBytes: 123456789,
    residentBytes: 2048 * 4096,
    startTime: 1700000010,
    maxFds: 1024,
  });
});

test("the process families have prometheus_client's names and types", () => {
  const text = renderProcess({ ...parseProc(STAT, SYSTEM, LIMITS), openFds: 12 });
  assert.match(text, /# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total 3\n/);
  assert.match(
    text,
    /# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes 8388608\n/,
  );
  assert.match(text, /process_open_fds 12\n/);
  assert.match(text, /process_max_fds 1024\n/);
  assert.match(text, /process_start_time_seconds 1700000010\n/);
});

test("without /proc the process families are left out", () => {
  assert.equal(renderProcess({}), "");
});
