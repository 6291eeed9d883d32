import { test } from "node:test";
import assert from "node:assert/strict";
import {
  decodeResult,
  exceptionRepr,
  isReady,
  plainJson,
} from "../../../src/celery/task_result.ts";

test("a SUCCESS document gives its value and no traceback", () => {
  const text = '{"status": "SUCCESS", "result": 3, "traceback": null, "children": [], ' +
    '"date_done": "2024-05-06T10:11:12.123456", "task_id": "t1"}';
  assert.deepEqual(decodeResult("t1", text), {
    taskId: "t1",
    state: "SUCCESS",
    result: 3,
    traceback: null,
  });
});

test("a FAILURE document gives the exception's Python repr and the traceback", () => {
  const text = JSON.stringify({
    status: "FAILURE",
    result: { exc_type: "ValueError", exc_message: ["boom"], exc_module: "builtins" },
    traceback: "Traceback (most recent call last):\n  ...\nValueError: boom\n",
  });
  const outcome = decodeResult("t2", text);
  assert.equal(outcome.state, "FAILURE");
  assert.equal(outcome.result, "ValueError('boom')");
  assert.match(outcome.traceback ?? "", /ValueError: boom/);
});

test("exception reprs follow BaseException.__repr__", () => {
  assert.equal(
    exceptionRepr({ exc_type: "ZeroDivisionError", exc_message: ["division by zero"] }),
    "ZeroDivisionError('division by zero')",
  );
  assert.equal(exceptionRepr({ exc_type: "KeyError", exc_message: [] }), "KeyError()");
  assert.equal(
    exceptionRepr({ exc_type: "MyError", exc_message: ["a", 1, null] }),
    "MyError('a', 1, None)",
  );
  assert.equal(
    exceptionRepr({ exc_type: "Outer.Inner", exc_message: "scalar" }),
    "Inner('scalar')",
  );
  assert.equal(
    exceptionRepr({
      exc_type: "TaskRevokedError",
      exc_message: ["expired"],
      exc_module: "celery.exceptions",
    }),
    "TaskRevokedError('expired')",
  );
  assert.equal(exceptionRepr({ not: "an exception" }), undefined);
});

test("a REVOKED document shows TaskRevokedError, and RETRY without an exception stays null", () => {
  const revoked = decodeResult(
    "t",
    '{"status": "REVOKED", "result": {"exc_type": "TaskRevokedError", "exc_message": ["expired"], "exc_module": "celery.exceptions"}, "traceback": null}',
  );
  assert.equal(revoked.result, "TaskRevokedError('expired')");
  assert.equal(decodeResult("t", '{"status": "RETRY", "result": null}').result, null);
});

test("custom states keep their meta, and ABORTED is not ready", () => {
  const outcome = decodeResult("t", '{"status": "PROGRESS", "result": {"done": 5}}');
  assert.deepEqual(outcome.result, { done: 5 });
  assert.equal(isReady("ABORTED"), false);
  assert.equal(isReady("PROGRESS"), false);
  assert.equal(isReady("REVOKED"), true);
});

test("kombu 5.3+ tagged values become plain JSON", () => {
  assert.deepEqual(
    plainJson({
      when: { __type__: "datetime", __value__: "2024-05-06T10:00:00+00:00" },
      price: { __type__: "decimal", __value__: "9.99" },
      id: { __type__: "uuid", __value__: { hex: "5B8E8A523C444A8E9E7A2F1A3C0C8C11" } },
      raw: [{ __type__: "bytes", __value__: "text" }],
      other: { __type__: "mystery", __value__: 1 },
      extra: { __type__: "date", __value__: "2024-05-06", more: 1 },
    }),
    {
      when: "2024-05-06T10:00:00+00:00",
      price: "9.99",
      id: "5b8e8a52-3c44-4a8e-9e7a-2f1a3c0c8c11",
      raw: ["text"],
      other: { __type__: "mystery", __value__: 1 },
      extra: { __type__: "date", __value__: "2024-05-06", more: 1 },
    },
  );
});

test("Python's NaN and Infinity are read as strings, also inside containers", () => {
  const outcome = decodeResult(
    "t",
    '{"status": "SUCCESS", "result": [NaN, -Infinity, "NaN text", {"x": Infinity}]}',
  );
  assert.deepEqual(outcome.result, ["NaN", "-Infinity", "NaN text", { x: "Infinity" }]);
});

test("a document that is not a result is an error", () => {
  assert.throws(() => decodeResult("t", "not json"), SyntaxError);
  assert.throws(() => decodeResult("t", "[1]"), /not a JSON object/);
  assert.throws(() => decodeResult("t", '{"result": 1}'), /no status/);
});
