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

/** One dashboard row. */
export interface WorkerRow {
  name: string;
  online: boolean;
  active: number | null;
  counts: WorkerCounts;
  loadavg: number[] | null;
}

const COUNTS: [keyof WorkerCounts, string, string | undefined][] = [
  ["processed", "Processed", undefined],
  ["failed", "Failed", "FAILURE"],
  ["succeeded", "Succeeded", "SUCCESS"],
  ["retried", "Retried", "RETRY"],
];

/** Cards and table, replaced whole by live updates. */
export function Dashboard({ rows, ctx }: { rows: WorkerRow[]; ctx: PageContext }) {
  const { paths } = ctx;
  const sum = (pick: (row: WorkerRow) => number) => rows.reduce((n, row) => n + pick(row), 0);
  const online = rows.filter((row) => row.online).length;
  const active = sum((row) => (row.online ? row.active ?? 0 : 0));
  const totals = {
    processed: sum((row) => row.counts.processed),
    failed: sum((row) => row.counts.failed),
    succeeded: sum((row) => row.counts.succeeded),
    retried: sum((row) => row.counts.retried),
  };
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
            <span class="muted">{` / ${formatCount(rows.length)}`}</span>
          </div>
        </div>
        <div class="card run">
          <div class="label">Active tasks</div>
          <div class="value">{formatCount(active)}</div>
        </div>
        <div class="card idle">
          <div class="label">Processed</div>
          <div class="value">{formatCount(totals.processed)}</div>
        </div>
        <div class="card ok">
          <div class="label">Succeeded</div>
          <div class="value">{formatCount(totals.succeeded)}</div>
        </div>
        <div class="card bad">
          <div class="label">Failed</div>
          <div class="value">{formatCount(totals.failed)}</div>
        </div>
        <div class="card idle">
          <div class="label">Retried</div>
          <div class="value">{formatCount(totals.retried)}</div>
        </div>
      </div>
      <div class="panel scroll">
        <table class="list">
          <thead>
            <tr>
              <th scope="col">Worker</th>
              <th scope="col">Status</th>
              <th scope="col" class="num">Active</th>
              {COUNTS.map(([, label]) => <th scope="col" class="num hide-narrow">{label}</th>)}
              <th scope="col" class="num hide-narrow">Load average</th>
            </tr>
          </thead>
          <tbody id="worker-rows">
            {rowsOr(
              rows,
              8,
              "No worker seen yet. Workers appear here once they send events (celery worker -E, or enable_events from Stalk).",
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
              <td>Total</td>
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

/** The whole dashboard page. */
export function WorkersPageView(
  { rows, ctx, stream }: { rows: WorkerRow[]; ctx: PageContext; stream?: string },
) {
  return (
    <Layout ctx={ctx} title="Workers" section="workers" stream={stream}>
      <div class="pagehead">
        <div>
          <p class="eyebrow">Cluster overview</p>
          <h1>Workers</h1>
        </div>
      </div>
      <Dashboard rows={rows} ctx={ctx} />
    </Layout>
  );
}
