/** @jsxImportSource hono/jsx */
/**
 * The web UI's routes: the pages, their actions and the static files. Handlers stay thin: read
 * the view, ask the state or a service, render. Failures become error pages in the layout.
 */
import type { Identity } from "../http/auth/identity.ts";
import type { Context } from "hono";
import type { App, Pages } from "../http/deps.ts";
import { optionalCount, optionalSeconds } from "../http/params.ts";
import * as v from "valibot";
import { StalkError } from "../errors.ts";
import { serveAsset } from "./assets.ts";
import { BrokerPageView, QueueTable } from "./broker_page.tsx";
import type { LiveView } from "./live.ts";
import type { WebDeps } from "./deps.ts";
import { ErrorPageView } from "./error_page.tsx";
import { rerunOf } from "./run_again.ts";
import { forRole, pageContext } from "./page_context.ts";
import { checkForgery, PAGE_HEADERS } from "./security.ts";
import { TaskBody, TaskPageView } from "./task_page.tsx";
import { prepareView, readTasksPage, stateCounts } from "./tasks_page_data.ts";
import { FreshNotice, Pager, StateChips, TaskRow, TaskRows, TasksPageView } from "./tasks_page.tsx";
import { isLiveHead, parseTasksView, viewQuery } from "./tasks_view.ts";
import { workerRows } from "./worker_rows.ts";
import { Dashboard, WorkersPageView } from "./workers_page.tsx";
import { parseWorkersView, workersQuery } from "./workers_view.ts";
import {
  WORKER_TABS,
  WorkerBody,
  type WorkerPageData,
  WorkerPageView,
  WorkerStatus,
  type WorkerTab,
} from "./worker_page.tsx";
import { workflowOf } from "./workflow.ts";

type Handler = (c: Context) => Response | Promise<Response>;

/** Resolves once `ready()` holds, or after `ms` milliseconds whatever happens. */
async function until(ready: () => boolean, ms: number): Promise<void> {
  for (const end = Date.now() + ms; !ready() && Date.now() < end;) {
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** An HTML response with the page headers. */
function html(c: Context, body: unknown, status = 200): Response {
  return c.html(`<!DOCTYPE html>${String(body)}`, status as 200, PAGE_HEADERS);
}

/** True when the caller wants a page rather than JSON (a browser navigating, not an API). */
export function wantsHtml(c: Context): boolean {
  const path = c.req.path;
  if (path === "/api" || path.startsWith("/api/")) return false;
  return (c.req.header("Accept") ?? "").includes("text/html");
}

/** The error page for `error`, with the status it maps to. */
export function errorPage(c: Context, deps: WebDeps, error: unknown): Response {
  const status = error instanceof StalkError ? error.status : 500;
  const message = error instanceof StalkError ? error.message : "Internal server error";
  const headers = error instanceof StalkError ? error.headers : {};
  const response = html(
    c,
    <ErrorPageView ctx={pageContext(c, deps)} status={status} message={message} />,
    status,
  );
  for (const [name, value] of Object.entries(headers)) response.headers.set(name, value);
  return response;
}

const TaskForm = v.object({
  csrf: v.optional(v.string()),
  action: v.picklist(
    ["revoke", "terminate", "abort", "rerun"],
    "expected revoke, terminate, abort or rerun",
  ),
  signal: v.optional(
    v.picklist(
      ["SIGTERM", "SIGKILL", "SIGINT", "SIGQUIT", "SIGHUP", "SIGUSR1"],
      "expected a signal such as SIGTERM",
    ),
  ),
});

const text = v.optional(v.pipe(v.string(), v.maxLength(1024, "expected at most 1024 characters")));

const WorkerForm = v.object({
  csrf: v.optional(v.string()),
  action: v.picklist(
    [
      "pool_grow",
      "pool_shrink",
      "autoscale",
      "pool_restart",
      "add_consumer",
      "cancel_consumer",
      "rate_limit",
      "time_limit",
      "shutdown",
    ],
    "expected a worker action such as pool_grow",
  ),
  // Numbers as the API reads them (`src/http/params.ts`).
  n: optionalCount,
  min: optionalCount,
  max: optionalCount,
  queue: text,
  task: text,
  ratelimit: text,
  soft: optionalSeconds,
  hard: optionalSeconds,
});

/** Reads a form body through `schema`; a bad field is a 400 naming it. */
async function readForm<S extends v.GenericSchema>(
  c: Context,
  schema: S,
): Promise<v.InferOutput<S>> {
  let body: Record<string, unknown> = {};
  try {
    body = await c.req.parseBody();
  } catch (error) {
    throw new StalkError("bad_request", `Invalid form body: ${(error as Error).message}`);
  }
  const result = v.safeParse(schema, body);
  if (result.success) return result.output;
  const issue = result.issues[0];
  const key = v.getDotPath(issue) ?? "field";
  throw new StalkError(
    "bad_request",
    `Invalid '${key}': ${issue.message}, got '${String(body[key] ?? "")}'`,
  );
}

/** Registers the pages on `app`. */
export function registerWebRoutes(app: App, deps: WebDeps): void {
  const { state, options } = deps;
  const defaults = options.tasksColumns;

  /** The tasks view of the request's query; checkboxes send one `columns` per ticked box. */
  const readView = (c: Context) =>
    parseTasksView((name) => {
      const values = c.req.queries(name);
      return name === "columns" && values && values.length > 1 ? values.join(",") : values?.[0];
    }, defaults);

  /** Renders a page; its failures render as error pages. */
  const showPage = async (c: Context, render: () => Response | Promise<Response>) => {
    try {
      return await render();
    } catch (error) {
      return errorPage(c, deps, error);
    }
  };
  /** A page handler whose failures render as error pages. */
  const page = (handler: Handler): Handler => (c) => showPage(c, () => handler(c));

  /**
   * Runs an action: refuses unauthorised requests before reading anything else, then reads the
   * form with `schema` and refuses a forged one, then answers the browser code with the message
   * as text, or a plain form with a redirect. With `go`, the browser code is told to go to `back`
   * too (the task "run again" created).
   */
  const act = async <S extends v.GenericSchema<unknown, { csrf?: string }>>(
    c: Context,
    schema: S,
    run: (form: v.InferOutput<S>) => Promise<{ message: string; back: string; go?: boolean }>,
  ) => {
    const fetched = c.req.header("X-Stalk-Fetch") === "1";
    try {
      const ctx = pageContext(c, deps);
      if (!ctx.canAct) {
        if (options.readOnly) deps.control.guardWrite();
        throw new StalkError("forbidden", ctx.noActionReason ?? "Actions are disabled");
      }
      const form = await readForm(c, schema);
      checkForgery(c, form.csrf, options.secret);
      const { message, back, go } = await run(form);
      if (fetched) {
        const headers = go ? { ...PAGE_HEADERS, "X-Stalk-Location": back } : PAGE_HEADERS;
        return c.text(message, 200, headers);
      }
      return c.redirect(back, 303);
    } catch (error) {
      if (!fetched) return errorPage(c, deps, error);
      const status = error instanceof StalkError ? error.status : 500;
      const message = error instanceof StalkError ? error.message : "Internal server error";
      return c.text(message, status as 400, PAGE_HEADERS);
    }
  };

  /** The dashboard view of the request's query. */
  const readWorkersView = (c: Context) => parseWorkersView((name) => c.req.query(name));

  const workersPage = page((c) => {
    const ctx = pageContext(c, deps);
    const view = readWorkersView(c);
    const stream = deps.live && options.autoRefresh
      ? ctx.paths.to("/stream/workers", workersQuery(view))
      : undefined;
    return html(
      c,
      <WorkersPageView rows={workerRows(deps)} view={view} ctx={ctx} stream={stream} />,
    );
  });
  app.get("/", workersPage);
  app.get("/workers", workersPage);

  app.get(
    "/tasks",
    page(async (c) => {
      const ctx = pageContext(c, deps);
      const view = readView(c);
      await prepareView(state, view);
      const workers = workerRows(deps).map((row) => row.name);
      return html(
        c,
        <TasksPageView
          ctx={ctx}
          view={view}
          page={readTasksPage(state, view)}
          defaults={defaults}
          stateCounts={stateCounts(state)}
          workers={workers}
          taskNames={state.taskTypes()}
          stream={deps.live
            ? ctx.paths.to("/stream/tasks", {
              ...viewQuery(view, defaults),
              since: deps.live.received,
            })
            : undefined}
        />,
      );
    }),
  );

  const taskData = (id: string) => {
    const task = state.task(id);
    if (!task) throw new StalkError("not_found", `Unknown task '${id}'`);
    let canAbort = false;
    try {
      deps.tasks?.requireBackend();
      canAbort = deps.tasks !== undefined;
    } catch {
      canAbort = false;
    }
    const rerun = deps.tasks ? rerunOf(task) : { reason: "Stalk cannot publish tasks here" };
    return { task, workflow: workflowOf(task, (uuid) => state.task(uuid)), canAbort, rerun };
  };

  app.get(
    "/task/:id{.+}",
    (c) =>
      showPage(c, () => {
        const data = taskData(c.req.param("id"));
        const ctx = pageContext(c, deps);
        const stream = deps.live
          ? ctx.paths.to(`/stream/task/${encodeURIComponent(data.task.uuid)}`)
          : undefined;
        return html(c, <TaskPageView data={data} ctx={ctx} stream={stream} />);
      }),
  );

  app.post(
    "/task/:id{.+}",
    (c) =>
      act(c, TaskForm, async (form) => {
        const id = c.req.param("id");
        const data = taskData(id);
        const paths = pageContext(c, deps).paths;
        const back = paths.task(id);
        if (form.action === "rerun") {
          deps.control.guardWrite();
          if (!deps.tasks || "reason" in data.rerun) {
            const reason = "reason" in data.rerun ? data.rerun.reason : "no task publisher";
            throw new StalkError("bad_request", `Cannot run '${id}' again: ${reason}`);
          }
          const { name, args, kwargs, queue } = data.rerun.rerun;
          const sent = await deps.tasks.send(name, { args, kwargs, options: { queue } }, {
            checkRegistered: false,
          });
          // Its page exists once its task-sent event is back: wait briefly so the browser lands on it.
          await until(() => state.task(sent.taskId) !== undefined, 3000);
          return {
            message: `Sent '${name}' again as '${sent.taskId}'`,
            back: paths.task(sent.taskId),
            go: true,
          };
        }
        if (form.action === "abort") {
          if (!deps.tasks) {
            throw new StalkError("not_implemented", "Aborting needs a result backend");
          }
          deps.control.guardWrite();
          await deps.tasks.abort(id);
          return { message: `Aborted '${id}'`, back };
        }
        const terminate = form.action === "terminate";
        const signal = form.signal ?? "SIGTERM";
        const result = await deps.control.revoke(id, { terminate, signal });
        return {
          message: terminate ? `${result.message}, terminating with ${signal}` : result.message,
          back,
        };
      }),
  );

  const workerData = (name: string, tab: string | undefined): WorkerPageData => {
    const events = state.worker(name);
    const info = deps.inspector.get(name);
    if (!events && !info) throw new StalkError("not_found", `Unknown worker '${name}'`);
    const known = (WORKER_TABS as readonly string[]).includes(tab ?? "");
    const counts = events ? deps.counts.get(name) : undefined;
    return { name, events, info, counts, tab: known ? tab as WorkerTab : "pool" };
  };

  /**
   * Asks the worker again when its cached answer is older than this, as Flower does on each
   * visit, so the tabs are not a minute stale (tasks processed since, a pool just grown).
   */
  const STALE_S = 5;
  /** How long the page waits for that answer before it renders what it has. */
  const FRESH_WAIT_MS = 1000;

  app.get(
    "/worker/:name{.+}",
    (c) =>
      showPage(c, async () => {
        const name = c.req.param("name");
        if (c.req.query("refresh")) {
          workerData(name, undefined);
          await deps.inspector.refresh(name, { forced: true });
        } else if (state.worker(name)?.status) {
          const at = deps.inspector.get(name)?.timestamp ?? 0;
          if (deps.now() - at > STALE_S) {
            // Never longer than the wait: a worker that does not answer still gets its page.
            let timer: ReturnType<typeof setTimeout> | undefined;
            await Promise.race([
              deps.inspector.refresh(name),
              new Promise((resolve) => timer = setTimeout(resolve, FRESH_WAIT_MS)),
            ]);
            clearTimeout(timer);
          }
        }
        const data = workerData(name, c.req.query("tab"));
        const ctx = forRole(pageContext(c, deps), c, "admin");
        const stream = deps.live
          ? ctx.paths.to(`/stream/worker/${encodeURIComponent(name)}`, { tab: data.tab })
          : undefined;
        return html(c, <WorkerPageView data={data} ctx={ctx} stream={stream} />);
      }),
  );

  app.post(
    "/worker/:name{.+}",
    (c) =>
      act(c, WorkerForm, async (form) => {
        const name = c.req.param("name");
        workerData(name, undefined);
        const back = pageContext(c, deps).paths.worker(name);
        const control = deps.control;
        const need = <T,>(value: T | undefined, field: string): T => {
          const given = typeof value === "string" ? value.trim() : value;
          if (given === undefined || given === "") {
            throw new StalkError("bad_request", `Missing '${field}'`);
          }
          return given as T;
        };
        let result: { message: string };
        switch (form.action) {
          case "pool_grow":
            result = await control.poolGrow(name, form.n ?? 1);
            break;
          case "pool_shrink":
            result = await control.poolShrink(name, form.n ?? 1);
            break;
          case "autoscale":
            result = await control.autoscale(
              name,
              need(form.min, "min"),
              need(form.max, "max"),
            );
            break;
          case "pool_restart":
            result = await control.poolRestart(name);
            break;
          case "add_consumer":
            result = await control.addConsumer(name, need(form.queue, "queue"));
            break;
          case "cancel_consumer":
            result = await control.cancelConsumer(name, need(form.queue, "queue"));
            break;
          case "rate_limit":
            result = await control.rateLimit(
              name,
              need(form.task, "task"),
              need(form.ratelimit, "ratelimit"),
            );
            break;
          case "time_limit":
            result = await control.timeLimit(
              name,
              need(form.task, "task"),
              form.soft,
              form.hard,
            );
            break;
          case "shutdown":
            result = await control.shutdown(name);
            break;
        }
        // The cache shows the change (queues, pool) once the worker is asked again.
        if (form.action !== "shutdown") void deps.inspector.refresh(name, { forced: true });
        return { message: result.message, back };
      }),
  );

  app.get(
    "/broker",
    page(async (c) => {
      const ctx = pageContext(c, deps);
      const queues = await deps.queueLengths();
      const stream = deps.live ? ctx.paths.to("/stream/broker") : undefined;
      return html(
        c,
        <BrokerPageView ctx={ctx} broker={options.broker} queues={queues} stream={stream} />,
      );
    }),
  );

  app.get("/static/:name", (c) => serveAsset(c, c.req.param("name")));

  const live = deps.live;
  if (!live) return;

  /** The event stream of `view`, resumed after `Last-Event-ID` when the browser sends one. */
  const sse = (c: Context, view: LiveView) =>
    c.body(live.open(view, c.req.header("Last-Event-ID")), 200, {
      ...PAGE_HEADERS,
      "Content-Type": "text/event-stream; charset=utf-8",
      "X-Accel-Buffering": "no",
    });
  /**
   * Whom a stream renders for: browsers share a render only when they are the same caller, since
   * a page's actions, its form token and its sign-out link are the caller's own (a cookie session
   * carries no Authorization header).
   */
  const who = (c: Context) => {
    const identity = c.get("identity") as Identity | undefined;
    const caller = identity ? `${identity.via}:${identity.role}:${identity.name}` : "";
    return `${caller}\n${c.req.header("Authorization") ?? ""}`;
  };

  app.get("/stream/workers", (c) => {
    const view = readWorkersView(c);
    return sse(c, {
      key: `workers\n${new URL(c.req.url).search}\n${who(c)}`,
      render: () =>
        String(<Dashboard rows={workerRows(deps)} view={view} ctx={pageContext(c, deps)} />),
    });
  });

  app.get("/stream/tasks", (c) => {
    const view = readView(c);
    const since = Number(c.req.query("since") ?? live.received) || 0;
    const headOfList = isLiveHead(view);
    // Off the head of the list the rows stay put: the ones the page showed are refreshed in place.
    const shown = headOfList ? [] : readTasksPage(state, view).tasks.map((task) => task.uuid);
    // Browsers on the same view share a render: the head of the list whatever their `since`
    // (it is not shown there), another view when it also shows the same rows since the same count.
    const same = Object.entries(viewQuery(view, defaults))
      .filter(([, value]) => value !== undefined).map(([name, value]) => `${name}=${value}`)
      .join("&");
    const key = headOfList ? `${same}` : `${same}\n${since}\n${shown.join(",")}`;
    return sse(c, {
      key: `tasks\n${key}\n${who(c)}`,
      render: () => {
        const ctx = pageContext(c, deps);
        const chips = (
          <StateChips view={view} ctx={ctx} defaults={defaults} counts={stateCounts(state)} />
        );
        if (!headOfList) {
          const href = ctx.paths.to(
            "/tasks",
            viewQuery(view, defaults, { offset: 0, sortBy: "received", descending: true }),
          );
          const rows = shown.map((uuid) => state.task(uuid)).filter((task) => task !== undefined);
          return String(
            <>
              <FreshNotice count={live.received - since} href={href} />
              {chips}
              <table>
                <tbody>{rows.map((task) => <TaskRow task={task} view={view} ctx={ctx} />)}</tbody>
              </table>
            </>,
          );
        }
        const page = readTasksPage(state, view);
        return String(
          <>
            {chips}
            <table>
              <TaskRows page={page} view={view} ctx={ctx} />
            </table>
            <Pager page={page} view={view} ctx={ctx} defaults={defaults} />
          </>,
        );
      },
    });
  });

  app.get("/stream/task/:id{.+}", (c) => {
    const id = c.req.param("id");
    return sse(c, {
      key: `task\n${id}\n${who(c)}`,
      task: id,
      render: () => {
        if (!state.task(id)) return "";
        return String(<TaskBody data={taskData(id)} ctx={pageContext(c, deps)} />);
      },
    });
  });

  app.get("/stream/worker/:name{.+}", (c) => {
    const name = c.req.param("name");
    const tab = c.req.query("tab");
    return sse(c, {
      key: `worker\n${name}\n${tab}\n${who(c)}`,
      pollMs: 1000,
      render: () => {
        if (!state.worker(name) && !deps.inspector.get(name)) return "";
        const ctx = forRole(pageContext(c, deps), c, "admin");
        const data = workerData(name, tab);
        return String(
          <>
            <WorkerStatus data={data} ctx={ctx} />
            <WorkerBody data={data} ctx={ctx} />
          </>,
        );
      },
    });
  });

  app.get("/stream/broker", (c) =>
    sse(c, {
      key: "broker",
      pollMs: 1000,
      render: async () => String(<QueueTable queues={await deps.queueLengths()} />),
    }));
}

/** The web UI as the pages `createApp` serves beside the API (`AppDeps.web`). */
export function webPages(deps: WebDeps): Pages {
  return {
    urlPrefix: deps.options.urlPrefix,
    register: (app) => registerWebRoutes(app, deps),
    errorPage: (c, error) => wantsHtml(c) ? errorPage(c, deps, error) : undefined,
  };
}
