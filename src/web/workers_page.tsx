/** @jsxImportSource hono/jsx */
/**
 * `/` and `/workers`: the dashboard. Summary cards and one row per worker, counts linking to
 * the tasks page filtered by that worker and state; offline workers greyed. The dashboard
 * is also the live stream's fragment.
 */
import type { WorkerCounts } from "../state/worker_counts.ts";
import { rowsOr, StatusBadge } from "./components.tsx";
import { formatCount, formatLoad } from "./format.ts";
import { Layout } from "./layout.tsx";
import type { PageContext } from "./page_context.ts";
import {
  applyWorkersView,
  firstDescending,
  type WorkerColumn,
  type WorkerRow,
  workersQuery,
  type WorkersView,
} from "./workers_view.ts";

const COUNTS: [keyof WorkerCounts, string, string | undefined][] = [
  ["processed", "Processed", undefined],
  ["failed", "Failed", "FAILURE"],
  ["succeeded", "Succeeded", "SUCCESS"],
  ["retried", "Retried", "RETRY"],
];

/** The header cell of `column`: a link that sorts by it, or turns its order round. */
function SortHeader(
  { column, label, view, ctx, class: css }: {
    column: WorkerColumn;
    label: string;
    view: WorkersView;
    ctx: PageContext;
    class?: string;
  },
) {
  const active = view.sortBy === column;
  const descending = active ? !view.descending : firstDescending(column);
  return (
    <th
      scope="col"
      class={css}
      aria-sort={active ? (view.descending ? "descending" : "ascending") : undefined}
    >
      <a href={ctx.paths.to("/workers", workersQuery(view, { sortBy: column, descending }))}>
        {label}
      </a>
    </th>
  );
}

/**
 * Cards and table, replaced whole by live updates. The cards count every worker; the table and
 * its totals row show the ones `view` keeps, in its order.
 */
export function Dashboard(
  { rows: all, view, ctx }: { rows: WorkerRow[]; view: WorkersView; ctx: PageContext },
) {
  const { paths } = ctx;
  const rows = applyWorkersView(all, view);
  const sum = (list: WorkerRow[], pick: (row: WorkerRow) => number) =>
    list.reduce((n, row) => n + pick(row), 0);
  const activeOf = (row: WorkerRow) => (row.online ? row.active ?? 0 : 0);
  const totalsOf = (list: WorkerRow[]) => ({
    active: sum(list, activeOf),
    processed: sum(list, (row) => row.counts.processed),
    failed: sum(list, (row) => row.counts.failed),
    succeeded: sum(list, (row) => row.counts.succeeded),
    retried: sum(list, (row) => row.counts.retried),
  });
  const online = all.filter((row) => row.online).length;
  const cluster = totalsOf(all);
  const totals = totalsOf(rows);
  const active = totals.active;
  const countLink = (n: number, worker: string | undefined, state: string | undefined) =>
    n === 0
      ? <span class="muted">0</span>
      : <a href={paths.to("/tasks", { workername: worker, state })}>{formatCount(n)}</a>;
  return (
    <div id="dashboard">
      <div class="cards">
        <div class="card ok">
          <div class="label">Online workers</div>
          <div class="value">
            {formatCount(online)}
            <span class="muted">{` / ${formatCount(all.length)}`}</span>
          </div>
        </div>
        <div class="card run">
          <div class="label">Active tasks</div>
          <div class="value">{formatCount(cluster.active)}</div>
        </div>
        <div class="card idle">
          <div class="label">Processed</div>
          <div class="value">{formatCount(cluster.processed)}</div>
        </div>
        <div class="card ok">
          <div class="label">Succeeded</div>
          <div class="value">{formatCount(cluster.succeeded)}</div>
        </div>
        <div class="card bad">
          <div class="label">Failed</div>
          <div class="value">{formatCount(cluster.failed)}</div>
        </div>
        <div class="card idle">
          <div class="label">Retried</div>
          <div class="value">{formatCount(cluster.retried)}</div>
        </div>
      </div>
      <div class="panel scroll">
        <table class="list">
          <thead>
            <tr>
              <SortHeader column="name" label="Worker" view={view} ctx={ctx} />
              <SortHeader column="status" label="Status" view={view} ctx={ctx} />
              <SortHeader column="active" label="Active" view={view} ctx={ctx} class="num" />
              {COUNTS.map(([key, label]) => (
                <SortHeader
                  column={key}
                  label={label}
                  view={view}
                  ctx={ctx}
                  class="num hide-narrow"
                />
              ))}
              <SortHeader
                column="loadavg"
                label="Load average"
                view={view}
                ctx={ctx}
                class="num hide-narrow"
              />
            </tr>
          </thead>
          <tbody id="worker-rows">
            {rowsOr(
              rows,
              8,
              all.length === 0
                ? "No worker seen yet. Workers appear here once they send events (celery worker -E, or enable_events from Stalk)."
                : `No worker matches '${view.search}'.`,
              (row) => (
                <tr
                  class={row.online ? undefined : "offline"}
                  data-href={paths.worker(row.name)}
                  data-key={row.name}
                >
                  <td class="nowrap">
                    <a href={paths.worker(row.name)}>{row.name}</a>
                  </td>
                  <td>
                    <StatusBadge online={row.online} />
                  </td>
                  <td class="num">
                    {row.online && row.active !== null
                      ? countLink(row.active, row.name, "STARTED")
                      : <span class="muted">—</span>}
                  </td>
                  {COUNTS.map(([key, , state]) => (
                    <td class="num hide-narrow">{countLink(row.counts[key], row.name, state)}</td>
                  ))}
                  <td class="num nowrap hide-narrow">
                    {row.online && row.loadavg
                      ? formatLoad(row.loadavg)
                      : <span class="muted">N/A</span>}
                  </td>
                </tr>
              ),
            )}
          </tbody>
          <tfoot>
            <tr>
              <td>
                {rows.length === all.length
                  ? "Total"
                  : `Total of ${formatCount(rows.length)} / ${formatCount(all.length)}`}
              </td>
              <td></td>
              <td class="num">{countLink(active, undefined, "STARTED")}</td>
              {COUNTS.map(([key, , state]) => (
                <td class="num hide-narrow">{countLink(totals[key], undefined, state)}</td>
              ))}
              <td class="hide-narrow"></td>
            </tr>
          </tfoot>
        </table>
      </div>
    </div>
  );
}

/** Props of {@linkcode WorkersPageView}. */
export interface WorkersPageProps {
  rows: WorkerRow[];
  view: WorkersView;
  ctx: PageContext;
  stream?: string;
}

/** The whole dashboard page. */
export function WorkersPageView({ rows, view, ctx, stream }: WorkersPageProps) {
  const { paths } = ctx;
  const sort = workersQuery(view).sort_by;
  return (
    <Layout ctx={ctx} title="Workers" section="workers" stream={stream}>
      <div class="pagehead">
        <div>
          <p class="eyebrow">Cluster overview</p>
          <h1>Workers</h1>
        </div>
      </div>
      <form class="toolbar bare" method="get" action={paths.to("/workers")} role="search">
        <input
          type="search"
          name="search"
          value={view.search ?? ""}
          placeholder="Search workers: a name, online or offline (press /)"
          aria-label="Search workers"
        />
        {sort ? <input type="hidden" name="sort_by" value={String(sort)} /> : null}
        <button type="submit" class="primary">Search</button>
        {view.search || sort ? <a class="button" href={paths.to("/workers")}>Reset</a> : null}
      </form>
      <Dashboard rows={rows} view={view} ctx={ctx} />
      <p class="muted">Keys: / search, j/k or arrows move, Enter opens.</p>
    </Layout>
  );
}
