/** @jsxImportSource hono/jsx */
/** Error pages (404 unknown task or worker, 503 broker down, …) in the same layout. */
import { Layout } from "./layout.tsx";
import type { PageContext } from "./page_context.ts";

const TITLES: Record<number, string> = {
  400: "Bad request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not found",
  405: "Method not allowed",
  500: "Internal error",
  501: "Not implemented",
  503: "Unavailable",
  504: "Timed out",
};

/** A page saying what went wrong, with a way back. */
export function ErrorPageView(
  { ctx, status, message }: { ctx: PageContext; status: number; message: string },
) {
  const title = TITLES[status] ?? "Error";
  return (
    <Layout ctx={ctx} title={title} section="none">
      <div class="error-page">
        <div class="code">{String(status)}</div>
        <h1>{title}</h1>
        <p>{message}</p>
        <p>
          <a href={ctx.paths.to("/workers")}>Workers</a>
          {" · "}
          <a href={ctx.paths.to("/tasks")}>Tasks</a>
          {" · "}
          <a href={ctx.paths.to("/broker")}>Broker</a>
        </p>
      </div>
    </Layout>
  );
}
