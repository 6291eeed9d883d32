import { test } from "node:test";
import assert from "node:assert/strict";
import { compileSearch, Search } from "../../../src/search/mod.ts";
import { querySlots } from "../../../src/state/query.ts";
import { warmSearch } from "../../../src/state/search_warm.ts";
import { TaskStore } from "../../../src/state/task_store.ts";

/** 20,000 tasks (five chunks) with args, kwargs and a root each; every third id not a uuid. */
function store(): TaskStore {
  const store = new TaskStore(20_000);
  for (let i = 0; i < 20_000; i++) {
    const slot = store.create(i % 3 === 0 ? `job-${i}` : crypto.randomUUID());
    store.cols.args.set(slot, `(${i},)`);
    store.cols.kwargs.set(slot, `{'n': ${i % 10}}`);
    store.setRootId(slot, store.cols.uuid.get(slot - (i % 5)));
    store.touch(slot);
  }
  return store;
}

function search(text: string): Search {
  const compiled = compileSearch(text);
  assert.ok(compiled instanceof Search, text);
  return compiled;
}

test("warming builds the blocks the search reads, and only those, yielding as it goes", async () => {
  const tasks = store();
  let turned = 0;
  const timer = setInterval(() => turned++, 0);
  try {
    await warmSearch(tasks, search("kwargs:n=3 -(zzqx OR root:nothing)"), 0);
  } finally {
    clearInterval(timer);
  }
  assert.ok(turned > 0, "the event loop turned while it built");
  const { searchText, idKeys } = tasks;
  for (const column of ["uuid", "args", "kwargs", "result"] as const) {
    assert.ok(searchText[column].bytes > 20_000, column);
  }
  assert.equal(searchText.exception.bytes, 0, "no term reads exceptions");
  assert.equal(idKeys.uuid.bytes, 0, "no uuid: term");
  assert.equal(idKeys.root_id.bytes, 5 * 4096 * 4, "root: keys for every chunk");
  assert.equal(tasks.pairs.bytes, 20_000 * 6, "a kwargs pair per task, 6 bytes each");
});

test("a kwargs:key=value search warms the pair index, not the kwargs text", async () => {
  const tasks = store();
  await warmSearch(tasks, search("kwargs:n=3"), 0);
  assert.equal(tasks.pairs.bytes, 20_000 * 6);
  assert.equal(tasks.searchText.kwargs.bytes, 0);
});

test("a warmed search answers as a cold one", async () => {
  const [cold, warm] = [store(), store()];
  for (const text of ["kwargs:n=3", "uuid:job-1", "root:nothing", "args:117", "-state:PENDING"]) {
    const query = { offset: 0, descending: false, limit: 50, search: search(text) };
    await warmSearch(warm, query.search);
    const listed = (s: TaskStore) => querySlots(s, query).map((slot) => s.cols.args.get(slot));
    assert.deepEqual(listed(warm), listed(cold), text);
  }
});

test("a word is not looked for in canonical ids, so their text is not built for it", async () => {
  const tasks = new TaskStore(10_000);
  for (let i = 0; i < 10_000; i++) {
    const slot = tasks.create(crypto.randomUUID());
    tasks.cols.args.set(slot, `('word-${i}',)`);
    tasks.touch(slot);
  }
  await warmSearch(tasks, search("word-77"), 0);
  assert.equal(tasks.searchText.uuid.bytes, 0);
  const query = { offset: 0, descending: false, search: search("word-77") };
  assert.equal(querySlots(tasks, query).length, 111, "word-77, word-770…779, word-7700…7799");
  assert.equal(tasks.searchText.uuid.bytes, 0, "nor read by the search");
  // A term that could be in an id is looked for there too.
  const id = tasks.cols.uuid.get(42);
  await warmSearch(tasks, search(id.slice(9, 18)), 0);
  assert.ok(tasks.searchText.uuid.bytes > 10_000 * 36);
  assert.deepEqual(querySlots(tasks, { ...query, search: search(id.slice(9, 18)) }), [42]);
});
