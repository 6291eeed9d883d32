/** @jsxImportSource hono/jsx */
/**
 * `/tasks`: server-side paging, sorting, filters, search and a column chooser, with the whole
 * view in the URL. The rows and the "new tasks" notice are also the live stream's fragments.
 */
import type { TaskColumn } from "../config.ts";
import type { SearchError } from "../search/mod.ts";
import type { TaskJson } from "../state/types.ts";
import { rowsOr, StateBadge, Time } from "./components.tsx";
import { formatCount, formatDuration } from "./format.ts";
import { Layout } from "./layout.tsx";
import type { PageContext } from "./page_context.ts";
import { CHIP_STATES, type TasksPage } from "./tasks_page_data.ts";
import { isLiveHead, PAGE_SIZES, SORTABLE, type TasksView, viewQuery } from "./tasks_view.ts";

const LABELS: Record<TaskColumn, string> = {
  name: "Name",
  uuid: "UUID",
  state: "State",
  args: "args",
  kwargs: "kwargs",
  result: "Result",
  received: "Received",
  started: "Started",
  runtime: "Runtime",
  worker: "Worker",
  exchange: "Exchange",
  routing_key: "Routing key",
  retries: "Retries",
  revoked: "Revoked",
  exception: "Exception",
  expires: "Expires",
  eta: "ETA",
};

/** Columns hidden at phone width: Flower's phone view keeps name, state and runtime. */
const WIDE_ONLY = new Set<TaskColumn>([
  "uuid",
  "args",
  "kwargs",
  "result",
  "received",
  "started",
  "worker",
]);

/** One cell of a task row. */
function Cell({ column, task, ctx }: { column: TaskColumn; task: TaskJson; ctx: PageContext }) {
  // col-<name> lets the stylesheet drop default columns on medium screens (table.fit).
  const narrow = ` col-${column}${WIDE_ONLY.has(column) ? " hide-narrow" : ""}`;
  switch (column) {
    case "name":
      return (
        <td class={`clip${narrow}`}>
          <a href={ctx.paths.task(task.uuid)}>{task.name ?? "(unknown)"}</a>
        </td>
      );
    case "uuid":
      return (
        <td class={`id${narrow}`}>
          <a href={ctx.paths.task(task.uuid)}>{task.uuid}</a>
        </td>
      );
    case "state":
      return (
        <td class={narrow.trim()}>
          <StateBadge state={task.state} />
        </td>
      );
    case "received":
    case "started":
    case "revoked":
      return (
        <td class={`nowrap${narrow}`}>
          <Time at={task[column]} ctx={ctx} />
        </td>
      );
    case "runtime":
      return <td class={`num nowrap${narrow}`}>{formatDuration(task.runtime)}</td>;
    case "worker":
      return (
        <td class={`nowrap${narrow}`}>
          {task.worker ? <a href={ctx.paths.worker(task.worker)}>{task.worker}</a> : ""}
        </td>
      );
    case "retries":
      return <td class={`num${narrow}`}>{task.retries ?? ""}</td>;
    default: {
      const value = task[column];
      const shown = value === null ? "" : String(value);
      return (
        <td class={`clip mono${narrow}`} title={shown.length > 40 ? shown : undefined}>
          {shown}
        </td>
      );
    }
  }
}

/**
 * Why the search was refused, in the API's words, with the query shown and the character where
 * the parser stopped marked, so the user can see what to change.
 */
function SearchProblem({ query, error }: { query: string; error: SearchError }) {
  const at = error.position;
  return (
    <div id="search-error" class="search-error" role="alert">
      <strong>{`Search not understood: ${error.describe()}`}</strong>
      {at === undefined ? null : (
        <code class="mono">
          {query.slice(0, at)}
          <mark>{at < query.length ? query[at] : " "}</mark>
          {query.slice(at + 1)}
        </code>
      )}
      <span class="muted">
        Terms match anywhere; use name:, state:, worker:, args:, kwargs:k=v, result:, AND, OR, NOT
        (or -), parentheses and "quoted phrases".
      </span>
    </div>
  );
}

/** The table body: one row per task, or a line saying there is none. */
export function TaskRows(
  { page, view, ctx }: { page: TasksPage; view: TasksView; ctx: PageContext },
) {
  return (
    <tbody id="rows">
      {rowsOr(
        page.tasks,
        view.columns.length,
        page.searchError
          ? "Correct the search to list tasks."
          : page.total === 0
          ? "No task matches this view."
          : "No task on this page.",
        (task) => <TaskRow task={task} view={view} ctx={ctx} />,
      )}
    </tbody>
  );
}

/**
 * One task's row. Its id lets a live patch refresh it where it stands: views whose rows must
 * not move (a later page, another sort) get their tasks' new states this way.
 */
export function TaskRow(
  { task, view, ctx }: { task: TaskJson; view: TasksView; ctx: PageContext },
) {
  return (
    <tr id={`task-row-${task.uuid}`} data-href={ctx.paths.task(task.uuid)} data-key={task.uuid}>
      {view.columns.map((column) => <Cell column={column} task={task} ctx={ctx} />)}
    </tr>
  );
}

/** The state filters with their counts, also a live fragment. */
export function StateChips(
  { view, ctx, defaults, counts }: {
    view: TasksView;
    ctx: PageContext;
    defaults: readonly TaskColumn[];
    counts: Record<string, number>;
  },
) {
  return (
    <div id="chips" class="chips" role="group" aria-label="Filter by state">
      {CHIP_STATES.map(([state, label]) => (
        <a
          class="chip"
          href={ctx.paths.to("/tasks", viewQuery(view, defaults, { state, offset: 0 }))}
          aria-current={view.state?.toUpperCase() === state ? "true" : undefined}
        >
          {`${label} `}
          <span class="muted" data-state={state ?? "ALL"}>
            {formatCount(state === undefined ? counts.ALL : counts[state] ?? 0)}
          </span>
        </a>
      ))}
    </div>
  );
}

/** "N new tasks": shown on views where new tasks would not appear by themselves. */
export function FreshNotice(
  { count, href }: { count: number; href: string },
) {
  return (
    <div id="fresh" class={count > 0 ? "fresh shown notice" : "fresh"} role="status">
      {count > 0
        ? (
          <>
            {`${formatCount(count)} new task${count === 1 ? "" : "s"} since this page was loaded. `}
            <a href={href}>Show the newest</a>
          </>
        )
        : null}
    </div>
  );
}

/** The pager line, also a live fragment (the total moves). */
export function Pager(
  { page, view, ctx, defaults }: {
    page: TasksPage;
    view: TasksView;
    ctx: PageContext;
    defaults: readonly TaskColumn[];
  },
) {
  const { offset, limit } = view;
  const total = page.total;
  const last = Math.max(0, Math.ceil(total / limit) - 1);
  const current = Math.floor(offset / limit);
  const link = (n: number) =>
    ctx.paths.to("/tasks", viewQuery(view, defaults, { offset: n * limit }));
  const pages = new Set(
    [0, current - 1, current, current + 1, last].filter((n) => n >= 0 && n <= last),
  );
  const numbers = [...pages].sort((a, b) => a - b);
  const first = total === 0 ? 0 : offset + 1;
  return (
    <nav id="pager" class="pager" aria-label="Pages">
      <span class="info">
        {`Showing ${formatCount(first)}–${formatCount(Math.min(total, offset + limit))} of ${
          formatCount(total)
        } tasks`}
      </span>
      {current > 0
        ? <a href={link(current - 1)} rel="prev">Previous</a>
        : <span class="disabled">Previous</span>}
      {numbers.map((n, i) => (
        <>
          {i > 0 && n - numbers[i - 1] > 1 ? <span class="disabled">…</span> : null}
          {n === current
            ? <span class="current" aria-current="page">{formatCount(n + 1)}</span>
            : <a href={link(n)}>{formatCount(n + 1)}</a>}
        </>
      ))}
      {current < last
        ? <a href={link(current + 1)} rel="next">Next</a>
        : <span class="disabled">Next</span>}
    </nav>
  );
}

/** Props of {@linkcode TasksPageView}. */
export interface TasksPageProps {
  ctx: PageContext;
  view: TasksView;
  page: TasksPage;
  defaults: readonly TaskColumn[];
  stateCounts: Record<string, number>;
  workers: string[];
  taskNames: string[];
  stream?: string;
}

/** The whole tasks page. */
export function TasksPageView(props: TasksPageProps) {
  const { ctx, view, page, defaults, stateCounts, workers, taskNames, stream } = props;
  const { paths } = ctx;
  const here = (change: Partial<TasksView>) =>
    paths.to("/tasks", viewQuery(view, defaults, change));
  const sortLink = (column: TaskColumn) => {
    const key = column as (typeof SORTABLE)[number];
    if (!SORTABLE.includes(key)) return LABELS[column];
    const active = view.sortBy === key;
    // First click sorts times newest first and names A to Z; the next click turns it round.
    const descending = active ? !view.descending : key === "received" || key === "started";
    return (
      <a
        href={here({ sortBy: key, descending, offset: 0 })}
        aria-sort={active ? (view.descending ? "descending" : "ascending") : undefined}
      >
        {LABELS[column]}
      </a>
    );
  };
  return (
    <Layout ctx={ctx} title="Tasks" section="tasks" stream={stream}>
      <div class="pagehead">
        <div>
          <p class="eyebrow">Task history</p>
          <h1>Tasks</h1>
        </div>
      </div>
      <StateChips view={view} ctx={ctx} defaults={defaults} counts={stateCounts} />
      <FreshNotice count={0} href={here({ offset: 0, sortBy: "received", descending: true })} />
      <div class="panel">
        <form class="toolbar" method="get" action={paths.to("/tasks")} role="search">
          <input
            type="search"
            name="search"
            value={view.search ?? ""}
            placeholder="Search tasks (press / to focus)"
            aria-label="Search tasks"
            aria-invalid={page.searchError ? "true" : undefined}
            aria-describedby={page.searchError ? "search-error" : undefined}
          />
          <div class="filters">
            <label>
              Worker
              <select name="workername">
                <option value="">All</option>
                {workers.map((name) => (
                  <option value={name} selected={view.workername === name}>{name}</option>
                ))}
              </select>
            </label>
            <label>
              Task
              <select name="taskname">
                <option value="">All</option>
                {taskNames.map((name) => (
                  <option value={name} selected={view.taskname === name}>{name}</option>
                ))}
              </select>
            </label>
            <label>
              Received from
              <input type="datetime-local" name="received_start" value={view.receivedStart ?? ""} />
            </label>
            <label>
              to
              <input type="datetime-local" name="received_end" value={view.receivedEnd ?? ""} />
            </label>
            <label>
              Rows
              <select name="limit">
                {PAGE_SIZES.map((n) => (
                  <option value={String(n)} selected={view.limit === n}>{n}</option>
                ))}
              </select>
            </label>
            <details class="menu">
              <summary class="button">Columns</summary>
              <div class="menu-body">
                <div class="columns">
                  {(Object.keys(LABELS) as TaskColumn[]).map((column) => (
                    <label>
                      <input
                        type="checkbox"
                        name="columns"
                        value={column}
                        checked={view.columns.includes(column)}
                      />
                      {` ${LABELS[column]}`}
                    </label>
                  ))}
                </div>
              </div>
            </details>
            {view.state ? <input type="hidden" name="state" value={view.state} /> : null}
            <input
              type="hidden"
              name="sort_by"
              value={`${view.descending ? "-" : ""}${view.sortBy}`}
            />
            <button type="submit" class="primary">Apply</button>
            <a class="button" href={paths.to("/tasks")}>Reset</a>
          </div>
        </form>
        {page.searchError
          ? <SearchProblem query={view.search ?? ""} error={page.searchError} />
          : null}
        <div class="scroll">
          {
            /* With the default columns, the less used ones give way on medium screens (as Flower's
              do); columns the user chose always show, the table scrolling when they do not fit. */
          }
          <table class={view.columns.join(",") === defaults.join(",") ? "list fit" : "list"}>
            <thead>
              <tr>
                {view.columns.map((column) => (
                  <th
                    scope="col"
                    class={[
                      `col-${column}`,
                      column === "runtime" || column === "retries" ? "num" : "",
                      WIDE_ONLY.has(column) ? "hide-narrow" : "",
                    ].join(" ").trim()}
                  >
                    {sortLink(column)}
                  </th>
                ))}
              </tr>
            </thead>
            <TaskRows page={page} view={view} ctx={ctx} />
          </table>
        </div>
        <Pager page={page} view={view} ctx={ctx} defaults={defaults} />
      </div>
      <p class="muted">
        {isLiveHead(view)
          ? "New tasks appear at the top as they arrive. Keys: / search, j/k move, Enter opens."
          : "Keys: / search, j/k move, Enter opens."}
      </p>
    </Layout>
  );
}
