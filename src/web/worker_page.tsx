/** @jsxImportSource hono/jsx */
/**
 * `/worker/<name>`: Flower's tabs (pool, queues, tasks, limits, config, system) from the
 * inspect cache, with the controls of each, and what events know of the worker. A worker that
 * never answered inspection still gets a page that says so.
 */
import type { Child } from "hono/jsx";
import { registeredTaskNames } from "../celery/pidbox.ts";
import type { WorkerInfo } from "../control/inspector.ts";
import type { WorkerJson } from "../state/types.ts";
import { ActionForm, rowsOr, StatusBadge, TablePanel, Time } from "./components.tsx";
import { formatLoad } from "./format.ts";
import { Layout } from "./layout.tsx";
import type { PageContext } from "./page_context.ts";

/** The tabs, in Flower's order. */
export const WORKER_TABS = ["pool", "queues", "tasks", "limits", "config", "system"] as const;

/** One tab. */
export type WorkerTab = typeof WORKER_TABS[number];

/** What the worker page shows. */
export interface WorkerPageData {
  name: string;
  events?: WorkerJson;
  info?: WorkerInfo;
  tab: WorkerTab;
}

type Dict = Record<string, unknown>;

function isDict(value: unknown): value is Dict {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A value from a worker reply as text. */
function show(value: unknown): string {
  if (value === null || value === undefined) return "N/A";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
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

function TaskList(
  { title, tasks, ctx }: { title: string; tasks: unknown; ctx: PageContext },
) {
  const list = Array.isArray(tasks) ? tasks : [];
  return (
    <>
      <h2>{`${title} (${list.length})`}</h2>
      <TablePanel
        head={
          <>
            <th scope="col">Name</th>
            <th scope="col">UUID</th>
            <th scope="col">Args</th>
            <th scope="col">Kwargs</th>
          </>
        }
      >
        {rowsOr(list, 4, "None.", (entry) => {
          // Scheduled entries wrap the task in `request`; revoked ones are bare ids.
          const task: Dict = isDict(entry)
            ? (isDict(entry.request) ? entry.request : entry)
            : { id: entry };
          const id = show(task.id);
          return (
            <tr>
              <td>{task.name === undefined ? "" : show(task.name)}</td>
              <td class="id">
                <a href={ctx.paths.task(id)}>{id}</a>
              </td>
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
  const stats = isDict(data.info?.stats) ? data.info!.stats as Dict : {};
  const pool = isDict(stats.pool) ? stats.pool : {};
  const action = ctx.paths.worker(data.name);
  return (
    <div class="grid2">
      <Panel title="Worker pool options">
        <KeyValues
          entries={[
            ...Object.entries(pool),
            ["pid", stats.pid],
            ["prefetch_count", stats.prefetch_count],
          ]}
        />
      </Panel>
      <Panel title="Pool controls">
        {ctx.canAct
          ? (
            <div class="actions">
              <ActionForm ctx={ctx} action={action} name="pool_grow">
                <input type="number" name="n" value="1" min="1" aria-label="Processes" />
                <button type="submit">Grow</button>
                <button type="submit" name="action" value="pool_shrink">Shrink</button>
              </ActionForm>
              <ActionForm ctx={ctx} action={action} name="autoscale">
                <input
                  type="number"
                  name="min"
                  min="0"
                  placeholder="Minimum"
                  aria-label="Minimum"
                />
                <input
                  type="number"
                  name="max"
                  min="0"
                  placeholder="Maximum"
                  aria-label="Maximum"
                />
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
  );
}

function QueuesTab({ data, ctx }: { data: WorkerPageData; ctx: PageContext }) {
  const queues = Array.isArray(data.info?.active_queues) ? data.info!.active_queues as Dict[] : [];
  const action = ctx.paths.worker(data.name);
  return (
    <>
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
  );
}

function ConfigTab({ data }: { data: WorkerPageData }) {
  const conf = isDict(data.info?.conf) ? data.info!.conf as Dict : {};
  const entries = Object.entries(conf).sort(([a], [b]) => a.localeCompare(b));
  return (
    <Panel title="Configuration">
      <KeyValues entries={entries} />
    </Panel>
  );
}

function SystemTab({ data, ctx }: { data: WorkerPageData; ctx: PageContext }) {
  const stats = isDict(data.info?.stats) ? data.info!.stats as Dict : {};
  const rusage = isDict(stats.rusage) ? Object.entries(stats.rusage) : [];
  const broker = isDict(stats.broker) ? Object.entries(stats.broker) : [];
  return (
    <div class="grid2">
      <Panel title="Resource usage">
        <KeyValues entries={rusage} />
      </Panel>
      <div>
        <Panel title="From events">
          <EventFacts data={data} ctx={ctx} />
        </Panel>
        <h2>Broker connection</h2>
        <Panel title="Broker">
          <KeyValues entries={broker} />
        </Panel>
      </div>
    </div>
  );
}

function EventFacts({ data, ctx }: { data: WorkerPageData; ctx: PageContext }) {
  const w = data.events;
  if (!w) return <p class="empty">No event from this worker yet.</p>;
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
      <dd>{w.processed ?? "N/A"}</dd>
      <dt>Load average</dt>
      <dd>{formatLoad(w.loadavg) || "N/A"}</dd>
    </dl>
  );
}

const TAB_LABELS: Record<WorkerTab, string> = {
  pool: "Pool",
  queues: "Queues",
  tasks: "Tasks",
  limits: "Limits",
  config: "Config",
  system: "System",
};

/** The tab's content, also the live stream's fragment. */
export function WorkerBody({ data, ctx }: { data: WorkerPageData; ctx: PageContext }) {
  const tabs: Record<WorkerTab, () => Child> = {
    pool: () => <PoolTab data={data} ctx={ctx} />,
    queues: () => <QueuesTab data={data} ctx={ctx} />,
    tasks: () => <TasksTab data={data} ctx={ctx} />,
    limits: () => <LimitsTab data={data} ctx={ctx} />,
    config: () => <ConfigTab data={data} />,
    system: () => <SystemTab data={data} ctx={ctx} />,
  };
  return (
    <div id="worker">
      {data.info === undefined
        ? (
          <p class="notice">
            This worker has not answered inspection (it may be offline, busy, or unreachable over
            the broker's control exchange), so only what its events say is shown.
          </p>
        )
        : null}
      {data.info === undefined && data.tab !== "system"
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
