// Server time of the tasks page with 1,000,000 tasks held, for the views the indexes serve:
import process from "node:process";
// `deno run -A tests/bench/web_tasks_page.ts`. Prints the median and worst of 20 requests each,
// and the median CPU time, which a loaded machine distorts much less than wall time.
import { createApp } from "../../src/http/app.ts";
import { State } from "../../src/state/state.ts";
import { createWebDeps } from "../../src/web/deps.ts";
import { webPages } from "../../src/web/routes.tsx";
import { appDeps } from "../unit/http/_deps.ts";

const N = Number(process.env.TASKS ?? 1_000_000);
const state = new State({ maxTasks: N, maxWorkers: 100 });
const t0 = 1_700_000_000;
const states = ["SUCCESS", "FAILURE", "STARTED", "RETRY"];
for (let i = 0; i < N; i++) {
  const uuid = `task-${i}`;
  const common = { uuid, hostname: `celery@w${i % 8}`, clock: i, local_received: t0 + i / 100 };
  state.apply({
    ...common,
    type: "task-received",
    timestamp: t0 + i / 100,
    name: `tasks.n${i % 50}`,
    args: `(${i},)`,
    kwargs: "{}",
  });
  const s = states[i % 4];
  const type = s === "SUCCESS"
    ? "task-succeeded"
    : s === "FAILURE"
    ? "task-failed"
    : s === "STARTED"
    ? "task-started"
    : "task-retried";
  state.apply({ ...common, type, timestamp: t0 + i / 100 + 0.5, result: "1", runtime: 0.01 });
}
const deps = appDeps(state, {});
const app = createApp({
  ...deps,
  web: webPages(createWebDeps({
    options: {
      urlPrefix: "",
      autoRefresh: true,
      naturalTime: false,
      tasksColumns: [
        "name",
        "uuid",
        "state",
        "args",
        "kwargs",
        "result",
        "received",
        "started",
        "runtime",
        "worker",
      ],
      readOnly: false,
      actionsOpen: true,
      broker: "amqp://localhost//",
    },
    state,
    inspector: deps.inspector,
    control: deps.control,
    queueLengths: deps.queueLengths,
    health: deps.health,
  })),
});
const views = [
  "",
  "?offset=500000",
  "?offset=999985",
  "?sort_by=received",
  "?sort_by=-started&offset=300000",
  "?sort_by=name&offset=15",
  "?state=FAILURE",
  "?state=FAILURE&offset=200000",
  "?workername=celery%40w3&sort_by=-received",
  "?taskname=tasks.n7&state=SUCCESS",
  "?limit=100&sort_by=state",
  // The search box (#14): first one builds the folded text, counted in its worst.
  "?search=zzqx-nowhere",
  "?search=state%3AFAILURE",
  "?search=n17%20-state%3ASUCCESS",
  "?search=uuid%3Atask-99999",
];
for (const view of views) {
  const times: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < 20; i++) {
    const start = performance.now();
    const used = process.cpuUsage();
    const response = await app.request(`/tasks${view}`, { headers: { Accept: "text/html" } });
    await response.text();
    const spent = process.cpuUsage(used);
    cpu.push((spent.user + spent.system) / 1000);
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);
  // CPU time (all threads, so the collector's too) reads true on a loaded machine; wall does not.
  console.log(
    `/tasks${view.padEnd(40)} median ${times[10].toFixed(1)} ms, worst ${
      times[19].toFixed(1)
    } ms; CPU median ${cpu[10].toFixed(1)} ms`,
  );
}
