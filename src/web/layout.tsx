/** @jsxImportSource hono/jsx */
/** The shell of every page: head, top bar, broker banner and the main area. */
import type { Child } from "hono/jsx";
import { ASSETS } from "./assets.ts";
import type { PageContext } from "./page_context.ts";

/** Which top-level section a page belongs to, for the highlighted link. */
export type Section = "workers" | "tasks" | "broker" | "none";

/** Props of {@linkcode Layout}. */
export interface LayoutProps {
  ctx: PageContext;
  title: string;
  section: Section;
  /** The page's event stream, when it updates live. */
  stream?: string;
  children?: Child;
}

const NAV: [Section, string, string][] = [
  ["workers", "/workers", "Workers"],
  ["tasks", "/tasks", "Tasks"],
  ["broker", "/broker", "Broker"],
];

/** A whole HTML page. */
export function Layout({ ctx, title, section, stream, children }: LayoutProps) {
  const { paths } = ctx;
  const css = ASSETS["style.css"];
  const js = ASSETS["app.js"];
  const icon = ASSETS["icon.svg"];
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        <title>{`${title} · Stalk`}</title>
        <link rel="icon" href={paths.asset("icon.svg", icon.version)} type="image/svg+xml" />
        <link rel="stylesheet" href={paths.asset("style.css", css.version)} />
        <script src={paths.asset("app.js", js.version)} defer></script>
      </head>
      <body>
        <header class="topbar">
          <a class="brand" href={paths.to("/")}>
            <img src={paths.asset("icon.svg", icon.version)} alt="" width="24" height="24" />
            <span>Stalk</span>
          </a>
          <nav class="nav" aria-label="Sections">
            {NAV.map(([key, path, label]) => (
              <a href={paths.to(path)} aria-current={key === section ? "page" : undefined}>
                {label}
              </a>
            ))}
          </nav>
          <div class="spacer"></div>
          {stream
            ? <span id="live" class="live" data-live="off" role="status">Connecting…</span>
            : null}
          {ctx.session
            ? (
              <span class="who">
                <span class="hide-narrow muted" title="Signed in">{ctx.session.name}</span>
                <a class="button" href={ctx.session.signOut}>Sign out</a>
              </span>
            )
            : null}
        </header>
        {ctx.broker.connected ? null : (
          <div class="banner" role="alert">
            {`Broker unavailable${ctx.broker.reason ? `: ${ctx.broker.reason}` : ""}. `}
            Showing what Stalk knew before; actions will fail until it is back.
          </div>
        )}
        <main data-stream={stream}>{children}</main>
      </body>
    </html>
  );
}
