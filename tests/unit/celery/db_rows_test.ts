// Rows of celery_taskmeta and django_celery_results_taskresult, as the SQL clients return them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { celeryRowOutcome, djangoRowOutcome } from "../../../src/celery/db_rows.ts";

const hex = (text: string) => Uint8Array.from(text.match(/../g)!.map((byte) => parseInt(byte, 16)));

test("a celery_taskmeta SUCCESS row: the result column is a pickle of the value", () => {
  const row = { task_id: "t1", status: "SUCCESS", result: hex("80054b032e"), traceback: null };
  assert.deepEqual(celeryRowOutcome(row), {
    taskId: "t1",
    state: "SUCCESS",
    result: 3,
    traceback: null,
  });
});

test("a celery_taskmeta FAILURE row: the pickled exception dict becomes its repr", () => {
  const row = {
    task_id: "t2",
    status: "FAILURE",
    result: hex(
      "8005954c000000000000007d94288c086578635f74797065948c0a56616c75654572726f72948c0b6578635f6d657373616765948c04626f6f6d9485948c0a6578635f6d6f64756c65948c086275696c74696e7394752e",
    ),
    traceback: "Traceback (most recent call last):\nValueError: boom\n",
  };
  const outcome = celeryRowOutcome(row);
  assert.equal(outcome.result, "ValueError('boom')");
  assert.match(outcome.traceback!, /ValueError: boom/);
});

test("a NULL result (STARTED, ABORTED) is None", () => {
  const row = { task_id: "t3", status: "ABORTED", result: null, traceback: null };
  assert.deepEqual(celeryRowOutcome(row).result, null);
});

test("django rows: JSON text, base64 pickles, and a pickled exception refused", () => {
  const base = { task_id: "d1", status: "SUCCESS", traceback: null };
  assert.deepEqual(
    djangoRowOutcome({
      ...base,
      result: '{"a": [1, NaN]}',
      content_type: "application/json",
      content_encoding: "utf-8",
    }).result,
    { a: [1, "NaN"] },
  );
  assert.deepEqual(
    djangoRowOutcome({
      ...base,
      result: "gASVCwAAAAAAAABdlChLAYwBYZRlLg==",
      content_type: "application/x-python-serialize",
      content_encoding: "binary",
    }).result,
    [1, "a"],
  );
  assert.throws(
    () =>
      djangoRowOutcome({
        ...base,
        status: "FAILURE",
        result: "gASVIwAAAAAAAACMCGJ1aWx0aW5zlIwKVmFsdWVFcnJvcpSTlIwBeJSFlFKULg==",
        content_type: "application/x-python-serialize",
        content_encoding: "binary",
      }),
    /Python object 'builtins\.ValueError'/,
  );
  assert.throws(
    () =>
      djangoRowOutcome({
        ...base,
        result: "x",
        content_type: "application/x-yaml",
        content_encoding: "utf-8",
      }),
    /cannot be read; Stalk reads JSON and pickle/,
  );
});
