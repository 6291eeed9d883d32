/** @jsxImportSource hono/jsx */
/**
 * `/worker/<name>`: Flower's tabs (pool, broker, queues, tasks, limits, config, system, other)
 * from the inspect cache, with the controls of each, and what events know of the worker. A
 * worker that never answered inspection, or has stopped answering, gets a page that says why
 * and shows what its events tell.
 */
import type { Child } from "hono/jsx";
import { registeredTaskNames } from "../celery/pidbox.ts";
import type { WorkerInfo } from "../control/inspector.ts";
import type { WorkerJson } from "../state/types.ts";
import type { WorkerCounts } from "../state/worker_counts.ts";
import { ActionForm, rowsOr, StatusBadge, TablePanel, Time } from "./components.tsx";
import { formatCount, formatLoad } from "./format.ts";
import { Layout } from "./layout.tsx";
import type { PageContext } from "./page_context.ts";

/** The tabs, in Flower's order. */
export const WORKER_TABS = [
  "pool",
  "broker",
  "queues",
  "tasks",
  "limits",
  "config",
  "system",
  "other",
] as const;

/** One tab. */
export type WorkerTab = typeof WORKER_TABS[number];

/** What the worker page shows. */
export interface WorkerPageData {
  name: string;
  events?: WorkerJson;
  info?: WorkerInfo;
  /** Its task counts from events (processed, failed, succeeded, retried). */
  counts?: WorkerCounts;
  tab: WorkerTab;
}

/** The `stats` keys a tab of their own shows; the Other tab shows the rest. */
const STATS_SHOWN = new Set([
  "pool",
  "pid",
  "prefetch_count",
  "autoscaler",
  "broker",
  "consumer",
  "total",
  "rusage",
]);

type Dict = Record<string, unknown>;

function isDict(value: unknown): value is Dict {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A value from a worker reply as text: a list of plain values reads `1, 2`, as Flower's. */
function show(value: unknown): string {
  if (value === null || value === undefined) return "N/A";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value) && value.every((item) => typeof item !== "object" || item === null)) {
    return value.length === 0 ? "[]" : value.map(show).join(", ");
  }
  return JSON.stringify(value, null, 1).replace(/\n\s*/g, " ");
}

/** The worker's `stats` reply, or an empty one. */
function statsOf(data: WorkerPageData): Dict {
  return isDict(data.info?.stats) ? data.info!.stats as Dict : {};
}

/**
 * Says which inspect reply a tab lacks, when the worker answered others: `method` has not
 * come back within the inspect timeout yet.
 */
function Missing({ data, method }: { data: WorkerPageData; method: string }) {
  if (data.info === undefined || method in data.info) return null;
  return (
    <p class="notice">
      {`The worker has not answered '${method}' yet, so this tab is empty. `}
      Refresh asks it again.
    </p>
  );
}

function KeyValues({ entries }: { entries: [string, unknown][] }) {
  if (entries.length === 0) return <p class="empty">Nothing reported.</p>;
  return (
    <dl class="fields">
      {entries.map(([key, value]) => (
        <>
          <dt>{key}</dt>
          <dd class="mono">{show(value)}</dd>
        </>
      ))}
    </dl>
  );
}

function Panel({ title, children }: { title: string; children?: Child }) {
  return (
    <div class="panel">
      <h3>{title}</h3>
      {children}
    </div>
  );
}

/** The columns a task list shows beyond name and UUID, by list. */
const TASK_LIST_EXTRA: Record<string, [string, string][]> = {
  Active: [["worker_pid", "PID"], ["acknowledged", "Ack"]],
  Scheduled: [["eta", "ETA"], ["priority", "Priority"]],
  Reserved: [["acknowledged", "Ack"]],
};

function TaskList(
  { title, tasks, ctx }: { title: string; tasks: unknown; ctx: PageContext },
) {
  const list = Array.isArray(tasks) ? tasks : [];
  if (title === "Revoked") {
    // Revoked entries are bare ids: one line of links, not a table of empty cells.
    return (
      <>
        <h2>{`Revoked (${list.length})`}</h2>
        <div class="panel">
          {list.length === 0 ? <p class="empty">None.</p> : (
            <p class="idlist">
              {list.map((id) => <a class="mono" href={ctx.paths.task(show(id))}>{show(id)}</a>)}
            </p>
          )}
        </div>
      </>
    );
  }
  const extra = TASK_LIST_EXTRA[title] ?? [];
  return (
    <>
      <h2>{`${title} (${list.length})`}</h2>
      <TablePanel
        head={
          <>
            <th scope="col">Name</th>
            <th scope="col">UUID</th>
            {extra.map(([, label]) => <th scope="col">{label}</th>)}
            <th scope="col">Args</th>
            <th scope="col">Kwargs</th>
          </>
        }
      >
        {rowsOr(list, 4 + extra.length, "None.", (entry) => {
          // Scheduled entries wrap the task in `request` beside their eta and priority.
          const outer: Dict = isDict(entry) ? entry : { id: entry };
          const task: Dict = isDict(outer.request) ? { ...outer, ...outer.request } : outer;
          const id = show(task.id);
          return (
            <tr>
              <td>{task.name === undefined ? "" : show(task.name)}</td>
              <td class="id">
                <a href={ctx.paths.task(id)}>{id}</a>
              </td>
              {extra.map(([key]) => (
                <td class="nowrap">{task[key] === undefined ? "" : show(task[key])}</td>
              ))}
              <td class="clip mono">{task.args === undefined ? "" : show(task.args)}</td>
              <td class="clip mono">{task.kwargs === undefined ? "" : show(task.kwargs)}</td>
            </tr>
          );
        })}
      </TablePanel>
    </>
  );
}

function PoolTab({ data, ctx }: { data: WorkerPageData; ctx: PageContext }) {
  const stats = statsOf(data);
  const pool = isDict(stats.pool) ? stats.pool : {};
  const autoscaler = isDict(stats.autoscaler) ? Object.entries(stats.autoscaler) : [];
  const action = ctx.paths.worker(data.name);
  return (
    <>
      <Missing data={data} method="stats" />
      <div class="grid2">
        <div>
          <Panel title="Worker pool options">
            <KeyValues
              entries={[
                ...Object.entries(pool),
                ["pid", stats.pid],
                ["prefetch_count", stats.prefetch_count],
              ]}
            />
          </Panel>
          {autoscaler.length > 0
            ? (
              <Panel title="Autoscaler">
                <KeyValues entries={autoscaler} />
              </Panel>
            )
            : null}
        </div>
        <Panel title="Pool controls">
          {ctx.canAct
            ? (
              <div class="actions">
                <ActionForm ctx={ctx} action={action} name="pool_grow">
                  <label class="field">
                    Processes to add or remove
                    <input type="number" name="n" value="1" min="1" />
                  </label>
                  <button type="submit">Grow</button>
                  <button type="submit" name="action" value="pool_shrink">Shrink</button>
                </ActionForm>
                <ActionForm ctx={ctx} action={action} name="autoscale">
                  <label class="field">
                    Autoscale minimum
                    <input type="number" name="min" min="0" placeholder="min" />
                  </label>
                  <label class="field">
                    maximum
                    <input type="number" name="max" min="0" placeholder="max" />
                  </label>
                  <button type="submit">Autoscale</button>
                </ActionForm>
                <ActionForm
                  ctx={ctx}
                  action={action}
                  name="pool_restart"
                  confirm="Restart this worker's pool?"
                >
                  <button type="submit">Restart pool</button>
                  <span class="muted">Needs worker_pool_restarts enabled.</span>
                </ActionForm>
              </div>
            )
            : <p class="actions muted">{ctx.noActionReason}</p>}
        </Panel>
      </div>
    </>
  );
}

/** Flower's Broker tab: the worker's own broker connection, from `stats`. */
function BrokerTab({ data }: { data: WorkerPageData }) {
  const stats = statsOf(data);
  const consumer = isDict(stats.consumer) ? stats.consumer : {};
  const broker = isDict(consumer.broker)
    ? consumer.broker
    : isDict(stats.broker)
    ? stats.broker
    : {};
  return (
    <>
      <Missing data={data} method="stats" />
      <Panel title="Broker connection">
        <KeyValues entries={Object.entries(broker)} />
      </Panel>
    </>
  );
}

/** Flower's Other tab: the `stats` keys no other tab shows (clock, uptime…). */
function OtherTab({ data }: { data: WorkerPageData }) {
  const rest = Object.entries(statsOf(data)).filter(([key]) => !STATS_SHOWN.has(key));
  return (
    <>
      <Missing data={data} method="stats" />
      <Panel title="Other statistics">
        <KeyValues entries={rest.sort(([a], [b]) => a.localeCompare(b))} />
      </Panel>
    </>
  );
}

function QueuesTab({ data, ctx }: { data: WorkerPageData; ctx: PageContext }) {
  const queues = Array.isArray(data.info?.active_queues) ? data.info!.active_queues as Dict[] : [];
  const action = ctx.paths.worker(data.name);
  return (
    <>
      <Missing data={data} method="active_queues" />
      <TablePanel
        head={
          <>
            <th scope="col">Name</th>
            <th scope="col">Exclusive</th>
            <th scope="col">Durable</th>
            <th scope="col">Routing key</th>
            <th scope="col">No ack</th>
            <th scope="col">Auto delete</th>
            {ctx.canAct ? <th scope="col"></th> : null}
          </>
        }
      >
        {rowsOr(queues, 7, "No active queue reported.", (queue) => (
          <tr>
            <td>
              <b>{show(queue.name)}</b>
            </td>
            <td>{show(queue.exclusive)}</td>
            <td>{show(queue.durable)}</td>
            <td class="mono">{show(queue.routing_key)}</td>
            <td>{show(queue.no_ack)}</td>
            <td>{show(queue.auto_delete)}</td>
            {ctx.canAct
              ? (
                <td>
                  <ActionForm ctx={ctx} action={action} name="cancel_consumer">
                    <input type="hidden" name="queue" value={show(queue.name)} />
                    <button type="submit" class="danger">Cancel consumer</button>
                  </ActionForm>
                </td>
              )
              : null}
          </tr>
        ))}
      </TablePanel>
      {ctx.canAct
        ? (
          <div class="actions">
            <ActionForm ctx={ctx} action={action} name="add_consumer">
              <input
                type="text"
                name="queue"
                placeholder="Queue name"
                aria-label="Queue"
                required
              />
              <button type="submit" class="primary">Add consumer</button>
            </ActionForm>
          </div>
        )
        : null}
    </>
  );
}

function TasksTab({ data, ctx }: { data: WorkerPageData; ctx: PageContext }) {
  const info = data.info ?? {};
  const stats = isDict(info.stats) ? info.stats : {};
  const totals = isDict(stats.total) ? Object.entries(stats.total) : [];
  return (
    <>
      <Missing data={data} method="stats" />
      <Panel title="Processed, by task">
        <KeyValues entries={totals} />
      </Panel>
      <TaskList title="Active" tasks={info.active} ctx={ctx} />
      <TaskList title="Scheduled" tasks={info.scheduled} ctx={ctx} />
      <TaskList title="Reserved" tasks={info.reserved} ctx={ctx} />
      <TaskList title="Revoked" tasks={info.revoked} ctx={ctx} />
    </>
  );
}

/** The rate limits `registered` entries show (`tasks.add [rate_limit=10/m]`), by task name. */
function rateLimits(registered: unknown): Map<string, string> {
  const rates = new Map<string, string>();
  for (const entry of Array.isArray(registered) ? registered : []) {
    const match = /^(\S+) \[(?:.* )?rate_limit=(\S+?)(?: .*)?\]$/.exec(String(entry));
    if (match) rates.set(match[1], match[2]);
  }
  return rates;
}

function LimitsTab({ data, ctx }: { data: WorkerPageData; ctx: PageContext }) {
  const names = registeredTaskNames(data.info?.registered);
  const rates = rateLimits(data.info?.registered);
  const action = ctx.paths.worker(data.name);
  return (
    <>
      <Missing data={data} method="registered" />
      <TablePanel
        head={
          <>
            <th scope="col">Task</th>
            {ctx.canAct
              ? (
                <>
                  <th scope="col">Rate limit</th>
                  <th scope="col">Time limits (s)</th>
                </>
              )
              : null}
          </>
        }
      >
        {rowsOr(names, 3, "No registered task reported.", (name) => (
          <tr>
            <td class="mono">
              {name}
              {rates.has(name)
                ? <span class="muted">{` · rate limit ${rates.get(name)}`}</span>
                : null}
            </td>
            {ctx.canAct
              ? (
                <>
                  <td>
                    <ActionForm ctx={ctx} action={action} name="rate_limit">
                      <input type="hidden" name="task" value={name} />
                      <input
                        type="text"
                        name="ratelimit"
                        placeholder="10/m"
                        aria-label={`Rate limit of ${name}`}
                        size={6}
                      />
                      <button type="submit">Apply</button>
                    </ActionForm>
                  </td>
                  <td>
                    <ActionForm ctx={ctx} action={action} name="time_limit">
                      <input type="hidden" name="task" value={name} />
                      <input
                        type="text"
                        name="soft"
                        placeholder="soft"
                        size={5}
                        aria-label="Soft"
                      />
                      <input
                        type="text"
                        name="hard"
                        placeholder="hard"
                        size={5}
                        aria-label="Hard"
                      />
                      <button type="submit">Apply</button>
                    </ActionForm>
                  </td>
                </>
              )
              : null}
          </tr>
        ))}
      </TablePanel>
    </>
  );
}

function ConfigTab({ data }: { data: WorkerPageData }) {
  const conf = isDict(data.info?.conf) ? data.info!.conf as Dict : {};
  const entries = Object.entries(conf).sort(([a], [b]) => a.localeCompare(b));
  return (
    <>
      <Missing data={data} method="conf" />
      <Panel title="Configuration">
        <KeyValues entries={entries} />
      </Panel>
    </>
  );
}

function SystemTab({ data, ctx }: { data: WorkerPageData; ctx: PageContext }) {
  const stats = statsOf(data);
  const rusage = isDict(stats.rusage) ? Object.entries(stats.rusage) : [];
  return (
    <>
      <Missing data={data} method="stats" />
      <div class="grid2">
        <Panel title="Resource usage">
          <KeyValues entries={rusage} />
        </Panel>
        <Panel title="From events">
          <EventFacts data={data} ctx={ctx} />
        </Panel>
      </div>
    </>
  );
}

function EventFacts({ data, ctx }: { data: WorkerPageData; ctx: PageContext }) {
  const w = data.events;
  if (!w) {
    return (
      <p class="empty">
        No event from this worker yet: it is known only from inspection (start it with -E, or send
        enable_events, to see its heartbeats and tasks here).
      </p>
    );
  }
  const tasks = (state?: string) => ctx.paths.to("/tasks", { workername: data.name, state });
  const count = (n: number | undefined, state?: string) =>
    n === undefined ? "N/A" : n === 0 ? "0" : <a href={tasks(state)}>{formatCount(n)}</a>;
  return (
    <dl class="fields">
      <dt>Software</dt>
      <dd>{[w.sw_ident, w.sw_ver, w.sw_sys].filter(Boolean).join(" ") || "N/A"}</dd>
      <dt>PID</dt>
      <dd>{w.pid ?? "N/A"}</dd>
      <dt>Heartbeat every</dt>
      <dd>{`${w.freq} s`}</dd>
      <dt>Last heartbeat</dt>
      <dd>
        <Time at={w.heartbeats.at(-1) ?? null} ctx={ctx} natural />
      </dd>
      <dt>Active</dt>
      <dd>{w.active ?? "N/A"}</dd>
      <dt>Processed</dt>
      <dd>{count(data.counts?.processed ?? w.processed ?? undefined)}</dd>
      <dt>Succeeded</dt>
      <dd>{count(data.counts?.succeeded, "SUCCESS")}</dd>
      <dt>Failed</dt>
      <dd>{count(data.counts?.failed, "FAILURE")}</dd>
      <dt>Retried</dt>
      <dd>{count(data.counts?.retried, "RETRY")}</dd>
      <dt>Load average</dt>
      <dd>{formatLoad(w.loadavg) || "N/A"}</dd>
    </dl>
  );
}

const TAB_LABELS: Record<WorkerTab, string> = {
  pool: "Pool",
  broker: "Broker",
  queues: "Queues",
  tasks: "Tasks",
  limits: "Limits",
  config: "Config",
  system: "System",
  other: "Other",
};

/**
 * Why the page shows less than a live worker's inspection, or nothing when it does not: never
 * answered (offline, or online without answering), or answered before it went offline.
 */
function WhyMissing({ data, ctx }: { data: WorkerPageData; ctx: PageContext }) {
  const w = data.events;
  const lastBeat = w?.heartbeats.at(-1) ?? w?.timestamp ?? null;
  if (data.info === undefined) {
    if (w && !w.status) {
      return (
        <p class="notice" role="status">
          {"This worker is offline (last heard from "}
          <Time at={lastBeat} ctx={ctx} natural />
          {"), so it cannot answer inspection: its pool, queues, tasks, limits and configuration "}
          are unknown. What its events told is below.
        </p>
      );
    }
    return (
      <p class="notice" role="status">
        This worker sends events but has not answered inspection within Stalk's inspect timeout: it
        may run with remote control disabled (worker_enable_remote_control = False), be too busy to
        reply, or not reach the broker's control exchange. Its pool, queues, tasks, limits and
        configuration come only from inspection; what its events tell is below, and Refresh asks it
        again.
      </p>
    );
  }
  if (w && !w.status) {
    return (
      <p class="notice" role="status">
        {"This worker is offline (last heard from "}
        <Time at={lastBeat} ctx={ctx} natural />
        {"): the tabs show its last answer to inspection, from "}
        <Time at={data.info.timestamp ?? null} ctx={ctx} natural />
        {"."}
      </p>
    );
  }
  if (!w) {
    return (
      <p class="notice" role="status">
        No event has come from this worker, so its liveness and task counts are unknown: the tabs
        show its answer to inspection.
      </p>
    );
  }
  return null;
}

/** The tab's content, also the live stream's fragment. */
export function WorkerBody({ data, ctx }: { data: WorkerPageData; ctx: PageContext }) {
  const tabs: Record<WorkerTab, () => Child> = {
    pool: () => <PoolTab data={data} ctx={ctx} />,
    broker: () => <BrokerTab data={data} />,
    queues: () => <QueuesTab data={data} ctx={ctx} />,
    tasks: () => <TasksTab data={data} ctx={ctx} />,
    limits: () => <LimitsTab data={data} ctx={ctx} />,
    config: () => <ConfigTab data={data} />,
    system: () => <SystemTab data={data} ctx={ctx} />,
    other: () => <OtherTab data={data} />,
  };
  return (
    <div id="worker">
      <WhyMissing data={data} ctx={ctx} />
      {data.info === undefined
        ? (
          <Panel title="From events">
            <EventFacts data={data} ctx={ctx} />
          </Panel>
        )
        : tabs[data.tab]()}
    </div>
  );
}

/** The worker's liveness beside its name, also a live fragment. */
export function WorkerStatus({ data, ctx }: { data: WorkerPageData; ctx: PageContext }) {
  return (
    <span id="worker-status">
      <StatusBadge online={data.events?.status ?? false} />
      {data.info?.timestamp
        ? (
          <span class="muted">
            {" Inspected "}
            <Time at={data.info.timestamp} ctx={ctx} natural />
          </span>
        )
        : null}
    </span>
  );
}

/** The whole worker page. */
export function WorkerPageView(
  { data, ctx, stream }: { data: WorkerPageData; ctx: PageContext; stream?: string },
) {
  const action = ctx.paths.worker(data.name);
  return (
    <Layout ctx={ctx} title={data.name} section="workers" stream={stream}>
      <div class="pagehead">
        <div>
          <p class="eyebrow">Worker</p>
          <h1>{data.name}</h1>
          <WorkerStatus data={data} ctx={ctx} />
        </div>
        <div class="spacer"></div>
        <a
          class="button"
          href={ctx.paths.to(`/worker/${encodeURIComponent(data.name)}`, {
            tab: data.tab,
            refresh: 1,
          })}
        >
          Refresh
        </a>
        {ctx.canAct
          ? (
            <ActionForm
              ctx={ctx}
              action={action}
              name="shutdown"
              confirm={`Shut down ${data.name}? It will not come back by itself.`}
            >
              <button type="submit" class="danger">Shut down</button>
            </ActionForm>
          )
          : null}
      </div>
      <nav class="tabs" aria-label="Worker sections">
        {WORKER_TABS.map((tab) => (
          <a
            href={ctx.paths.to(`/worker/${encodeURIComponent(data.name)}`, { tab })}
            aria-current={tab === data.tab ? "page" : undefined}
          >
            {TAB_LABELS[tab]}
          </a>
        ))}
      </nav>
      <WorkerBody data={data} ctx={ctx} />
    </Layout>
  );
}
