import { test } from "node:test";
import assert from "node:assert/strict";
import { abortedDocument, RESULT_EXPIRES } from "../../../src/celery/aborted_result.ts";

test("the ABORTED document is the one AbortableAsyncResult.abort() stores, as Python's json writes it", () => {
  assert.equal(
    abortedDocument("t-1"),
    '{"status": "ABORTED", "result": null, "traceback": null, "children": null, ' +
      '"date_done": null, "task_id": "t-1"}',
  );
  assert.equal(RESULT_EXPIRES, 24 * 3600);
});
