import { test } from "node:test";
import assert from "node:assert/strict";
import { rerunOf } from "../../../src/web/run_again.ts";
import type { TaskJson } from "../../../src/state/types.ts";

const task = (fields: Partial<TaskJson>) =>
  ({
    name: "tasks.add",
    args: "[1, 2]",
    kwargs: "{}",
    exchange: null,
    routing_key: null,
    ...fields,
  }) as TaskJson;

test("a task's reprs become the JSON arguments it was sent with", () => {
  assert.deepEqual(
    rerunOf(task({ args: "(1, 'a', None, True, 2.5)", kwargs: "{'x': [1, {'y': -3}]}" })),
    {
      rerun: { name: "tasks.add", args: [1, "a", null, true, 2.5], kwargs: { x: [1, { y: -3 }] } },
    },
  );
});

const queueOf = (fields: Partial<TaskJson>) => {
  const result = rerunOf(task(fields));
  return "rerun" in result ? result.rerun.queue : result.reason;
};

test("the queue is kept when it was routed through the default exchange", () => {
  assert.equal(queueOf({ exchange: "", routing_key: "high" }), "high");
  assert.equal(queueOf({ exchange: "high", routing_key: "high" }), "high");
  assert.equal(queueOf({ exchange: "topic", routing_key: "a.b" }), undefined);
});

test("a task whose arguments are not exact JSON is not run again, with the reason", () => {
  for (
    const args of [
      "[1, 2...",
      "[b'x']",
      "[{1, 2}]",
      "[1.0]",
      "[12345678901234567890]",
      "[<object at 0x1>]",
      "[1+2j]",
    ]
  ) {
    const result = rerunOf(task({ args }));
    assert.ok("reason" in result, args);
    assert.match(result.reason, /cannot be sent again exactly/);
  }
  assert.match((rerunOf(task({ kwargs: "{1: 2}" })) as { reason: string }).reason, /exactly/);
  assert.match((rerunOf(task({ name: null })) as { reason: string }).reason, /name is not known/);
  assert.match(
    (rerunOf(task({ args: null })) as { reason: string }).reason,
    /arguments are not known/,
  );
});
