/** @jsxImportSource hono/jsx */
/**
 * The web UI's routes: the pages, their actions and the static files. Handlers stay thin: read
 * the view, ask the state or a service, render. Failures become error pages in the layout.
 */
import type { Context } from "hono";
import type { App } from "../http/deps.ts";
import * as v from "valibot";
import { StalkError } from "../errors.ts";
import { serveAsset } from "./assets.ts";
import { BrokerPageView } from "./broker_page.tsx";
import type { WebDeps } from "./deps.ts";
import { ErrorPageView } from "./error_page.tsx";
import { pageContext } from "./page_context.ts";
import { checkForgery, PAGE_HEADERS } from "./security.ts";
import { TaskPageView } from "./task_page.tsx";
import { readTasksPage } from "./tasks_page_data.ts";
import { TasksPageView } from "./tasks_page.tsx";
import { parseTasksView } from "./tasks_view.ts";
import { workerRows } from "./worker_rows.ts";
import { WorkersPageView } from "./workers_page.tsx";
import { workflowOf } from "./workflow.ts";

type Handler = (c: Context) => Response | Promise<Response>;

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

const Revoke = v.object({
  csrf: v.optional(v.string()),
  action: v.picklist(["revoke", "terminate", "abort"], "expected revoke, terminate or abort"),
  signal: v.optional(
    v.picklist(
      ["SIGTERM", "SIGKILL", "SIGINT", "SIGQUIT", "SIGHUP", "SIGUSR1"],
      "expected a signal such as SIGTERM",
    ),
  ),
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

  /** A page handler whose failures render as error pages. */
  const page = (handler: Handler): Handler => async (c) => {
    try {
      return await handler(c);
    } catch (error) {
      return errorPage(c, deps, error);
    }
  };

  /**
   * An action handler: refuses forged or unauthorised requests before reading anything else,
   * then answers the browser code with the message as text, or a plain form with a redirect.
   */
  const action =
    (run: (c: Context) => Promise<{ message: string; back: string }>): Handler => async (c) => {
      const fetched = c.req.header("X-Stalk-Fetch") === "1";
      try {
        const ctx = pageContext(c, deps);
        if (!ctx.canAct) {
          if (options.readOnly) deps.control.guardWrite();
          throw new StalkError("forbidden", ctx.noActionReason ?? "Actions are disabled");
        }
        const { message, back } = await run(c);
        if (fetched) return c.text(message, 200, PAGE_HEADERS);
        return c.redirect(back, 303);
      } catch (error) {
        if (!fetched) return errorPage(c, deps, error);
        const status = error instanceof StalkError ? error.status : 500;
        const message = error instanceof StalkError ? error.message : "Internal server error";
        return c.text(message, status as 400, PAGE_HEADERS);
      }
    };

  const workersPage = page((c) => {
    const ctx = pageContext(c, deps);
    return html(c, <WorkersPageView rows={workerRows(deps)} ctx={ctx} />);
  });
  app.get("/", workersPage);
  app.get("/workers", workersPage);

  app.get(
    "/tasks",
    page((c) => {
      const ctx = pageContext(c, deps);
      const view = parseTasksView((name) => {
        const values = c.req.queries(name);
        // Checkboxes send one `columns` per ticked box.
        return name === "columns" && values && values.length > 1 ? values.join(",") : values?.[0];
      }, defaults);
      const stateCounts: Record<string, number> = { ALL: state.taskCount };
      for (const s of ["RECEIVED", "STARTED", "SUCCESS", "FAILURE", "RETRY", "REVOKED"]) {
        stateCounts[s] = state.countTasks({ offset: 0, descending: false, state: s });
      }
      const workers = workerRows(deps).map((row) => row.name);
      return html(
        c,
        <TasksPageView
          ctx={ctx}
          view={view}
          page={readTasksPage(state, view)}
          defaults={defaults}
          stateCounts={stateCounts}
          workers={workers}
          taskNames={state.taskTypes()}
          stream=""
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
    return { task, workflow: workflowOf(task, (uuid) => state.task(uuid)), canAbort };
  };

  app.get(
    "/task/:id{.+}",
    page((c) => {
      const data = taskData(c.req.param("id") ?? "");
      return html(c, <TaskPageView data={data} ctx={pageContext(c, deps)} stream="" />);
    }),
  );

  app.post(
    "/task/:id{.+}",
    action(async (c) => {
      const id = c.req.param("id") ?? "";
      const form = await readForm(c, Revoke);
      checkForgery(c, form.csrf, options.secret);
      taskData(id);
      const back = pageContext(c, deps).paths.task(id);
      if (form.action === "abort") {
        if (!deps.tasks) throw new StalkError("not_implemented", "Aborting needs a result backend");
        deps.control.guardWrite();
        await deps.tasks.abort(id);
        return { message: `Aborted '${id}'`, back };
      }
      const terminate = form.action === "terminate";
      const signal = form.signal ?? "SIGTERM";
      const result = await deps.control.revoke(id, terminate, signal);
      return {
        message: terminate ? `${result.message}, terminating with ${signal}` : result.message,
        back,
      };
    }),
  );

  app.get(
    "/broker",
    page(async (c) => {
      const ctx = pageContext(c, deps);
      const queues = await deps.queueLengths();
      return html(c, <BrokerPageView ctx={ctx} broker={options.broker} queues={queues} />);
    }),
  );

  app.get("/static/:name", (c) => serveAsset(c, c.req.param("name")));
}
