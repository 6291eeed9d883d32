/**
 * In-process search cost at scale, without HTTP or wrk: a store of `--tasks` finished tasks with
 * the flood's names, args, kwargs and results (or, with `--unique`, args and results that differ
 * in every task, the worst case for the folded text, and kwargs with a pair of their own), then
 * each search case of
 * `api.ts#searchRoutes` planned and paged (limit 100) 15 times: the first run (which builds the
 * folded text), p50 and max; and the folded text's bytes per task.
 *
 *     bun tests/bench/search.ts --tasks 1000000 [--unique] [--warm]
 *
 * With `--warm`, each case is first warmed as the routes do (`State.prepareSearch`), and the
 * warm-up's length and longest event-loop turn are printed.
 */
import { parseArgs } from "node:util";
import { compileSearch, Search } from "../../src/search/mod.ts";
import { querySlots } from "../../src/state/query.ts";
import { warmSearch } from "../../src/state/search_warm.ts";
import { TaskStore } from "../../src/state/task_store.ts";
import type { TaskQuery } from "../../src/state/types.ts";
import { prng } from "./_flood.ts";

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    tasks: { type: "string", default: "1000000" },
    unique: { type: "boolean", default: false },
    warm: { type: "boolean", default: false },
  },
});
const count = Number(values.tasks);

const NAMES = ["tasks.add", "tasks.echo", "app.mail.send_welcome_email", "app.billing.charge"];
const ARGS = ["(1, 2)", "('user-7781', 'welcome')", "({'invoice_id': 98123, 'amount': '1.00'},)"];
const KWARGS = ["{}", "{'k': 3}", "{'retry': True, 'priority': 5}", "{'locale': 'en_GB'}"];
const RESULTS = ["3", "None", "'done'", "{'ok': True, 'id': 98123, 'charged': '129.00'}"];

const random = prng(14);
/** `kwargs` with a pair of its own first, `'request_id': i`. */
const withRequestId = (kwargs: string, i: number) =>
  kwargs === "{}" ? `{'request_id': ${i}}` : kwargs.replace("{", `{'request_id': ${i}, `);
const pick = <T>(items: T[]) => items[Math.floor(random() * items.length)];
const store = new TaskStore(count);
const t0 = 1_767_225_600;
for (let i = 0; i < count; i++) {
  // Through JSON, so every task has strings of its own, as decoded events do.
  const task = JSON.parse(JSON.stringify({
    id: crypto.randomUUID(),
    args: values.unique ? `('user-${i}', ${i * 7})` : pick(ARGS),
    kwargs: values.unique ? withRequestId(pick(KWARGS), i) : pick(KWARGS),
    result: values.unique ? `{'id': ${i}, 'ok': True}` : pick(RESULTS),
  }));
  const slot = store.create(task.id);
  store.setName(slot, pick(NAMES));
  store.setWorker(slot, `celery@bench-w${i % 8}`);
  store.cols.args.set(slot, task.args);
  store.cols.kwargs.set(slot, task.kwargs);
  store.setTime(slot, "received", t0 + i / 1000);
  if (random() < 0.1) {
    store.setState(slot, "FAILURE");
    store.cols.exception.set(slot, "ConnectionError('upstream closed the connection')");
  } else {
    store.setState(slot, "SUCCESS");
    store.cols.result.set(slot, task.result);
    store.cols.runtime[slot] = random();
  }
  // Workflows of ten: a root and nine children.
  const root = i % 10 === 0 ? task.id : store.cols.root_id.get(slot - (i % 10));
  store.setRootId(slot, root);
  if (i % 10 !== 0) store.setParentId(slot, root);
  store.touch(slot);
}

const id = store.cols.uuid.get(count - 10);
const cases: [string, string, Partial<TaskQuery>?][] = [
  ["substring, no match", "zzqx-nowhere"],
  ["substring common", "charged"],
  ["result: none match", "result:zzqx-nowhere"],
  ["exception:", "exception:upstream"],
  ["kwargs:k=v", "kwargs:priority=5"],
  ["kwargs: pair nobody has", "kwargs:priority=6"],
  ...(values.unique
    ? [["kwargs: one task", `kwargs:request_id=${count - 50}`] as [string, string]]
    : []),
  ["uuid: prefix", `uuid:${id.slice(0, 8)}`],
  ["root: no match", "root:nothing"],
  ["root: a workflow", `root:${store.cols.root_id.get(count - 25)}`],
  ["parent: a workflow", `parent:${store.cols.root_id.get(count - 25)}`],
  ["OR of names + NOT", "(name:tasks.add OR name:tasks.echo) -state:SUCCESS"],
  ["state: (exact)", "state:FAILURE"],
  ["name: (exact)", "name:app.mail.send_welcome_email"],
  ["state: + sort", "state:FAILURE", { sortBy: "received", descending: true }],
  ["runtime>", "runtime>0.5 state:SUCCESS"],
];
const rows: string[] = [];
const warmed: string[] = [];
for (const [label, text, extra] of cases) {
  const search = compileSearch(text) as Search;
  if (values.warm) {
    // What the routes do first: build the blocks a few milliseconds at a time.
    let last = performance.now();
    let longest = 0;
    const timer = setInterval(() => {
      const now = performance.now();
      longest = Math.max(longest, now - last);
      last = now;
    }, 1);
    const start = performance.now();
    await warmSearch(store, search);
    const total = performance.now() - start;
    clearInterval(timer);
    longest = Math.max(longest, performance.now() - last);
    warmed.push(`| ${label} | ${total.toFixed(0)} ms | ${longest.toFixed(1)} ms |`);
  }
  const times: number[] = [];
  for (let run = 0; run < 15; run++) {
    const start = performance.now();
    querySlots(store, { offset: 0, descending: false, limit: 100, search, ...extra });
    times.push(performance.now() - start);
  }
  const first = times[0];
  times.sort((a, b) => a - b);
  const f = (ms: number) => `${ms.toFixed(ms < 10 ? 2 : 1)} ms`;
  rows.push(`| ${label} | \`${text}\` | ${f(first)} | ${f(times[7])} | ${f(times[14])} |`);
}
let bytes = 0;
for (const text of Object.values(store.searchText)) bytes += text.bytes;
let keyBytes = 0;
for (const keys of Object.values(store.idKeys)) keyBytes += keys.bytes;
console.log(
  [
    `In-process search over ${count.toLocaleString("en")} tasks${
      values.unique ? " (args and results unique per task)" : ""
    }, limit 100, 15 runs:`,
    "",
    "| case | query | first (builds text) | p50 | max |",
    "| --- | --- | --- | --- | --- |",
    ...rows,
    "",
    ...(values.warm
      ? [
        "Warmed first (`State.prepareSearch`, as the routes do), with a 1 ms timer running:",
        "",
        "| case | warm-up | longest event-loop turn |",
        "| --- | --- | --- |",
        ...warmed,
        "",
      ]
      : []),
    `Folded search text held: ${Math.round(bytes / count)} B per task; id keys (uuid: and ` +
    `root:): ${(keyBytes / count).toFixed(1)} B per task; kwargs pair index: ` +
    `${(store.pairs.bytes / count).toFixed(1)} B per task.`,
  ].join("\n"),
);
