/** @jsxImportSource hono/jsx */
/** Small pieces shared by the pages: state badges, times, folded values, action forms, tables. */
import type { Child } from "hono/jsx";
import { formatTime, isoTime, relativeTime } from "./format.ts";
import type { PageContext } from "./page_context.ts";

const KNOWN_STATES = new Set([
  "PENDING",
  "RECEIVED",
  "STARTED",
  "SUCCESS",
  "FAILURE",
  "RETRY",
  "REVOKED",
  "REJECTED",
]);

/** A task state as a badge whose colour, glyph and word all say it (readable in grey). */
export function StateBadge({ state }: { state: string }) {
  const css = KNOWN_STATES.has(state) ? `s-${state}` : "s-other";
  return <span class={`badge ${css}`}>{state}</span>;
}

/** A worker's liveness as a badge. */
export function StatusBadge({ online }: { online: boolean }) {
  return (
    <span class={`badge ${online ? "s-online" : "s-offline"}`}>
      {online ? "Online" : "Offline"}
    </span>
  );
}

/**
 * A point in time: exact UTC time, or relative ("3 minutes ago", kept fresh by the browser)
 * with the exact time on hover.
 */
export function Time(
  { at, ctx, natural }: { at: number | null; ctx: PageContext; natural?: boolean },
) {
  if (at === null) return <span class="muted">—</span>;
  const exact = `${formatTime(at)} UTC`;
  if (natural ?? ctx.naturalTime) {
    return (
      <time datetime={isoTime(at)} title={exact} data-relative="">
        {relativeTime(at, ctx.now)}
      </time>
    );
  }
  return <time datetime={isoTime(at)} title={relativeTime(at, ctx.now)}>{formatTime(at)}</time>;
}

/** Longer than this, or on several lines, a value is folded behind its first line. */
const FOLD_CHARS = 400;

/** A value from a task (args, result, traceback…): monospace, wrapped, folded when long. */
export function Value({ text, open }: { text: string | null; open?: boolean }) {
  if (text === null) return <span class="null">—</span>;
  const lines = text.split("\n");
  if (text.length <= FOLD_CHARS && lines.length <= 12) return <pre class="value">{text}</pre>;
  const head = lines[0].length > 120 ? `${lines[0].slice(0, 120)}…` : lines[0];
  return (
    <details class="fold" open={open}>
      <summary>{`${head} (${text.length.toLocaleString("en-US")} characters)`}</summary>
      <pre class="value">{text}</pre>
    </details>
  );
}

/** Props of {@linkcode ActionForm}. */
export interface ActionFormProps {
  ctx: PageContext;
  /** The page path the form posts to (under the prefix). */
  action: string;
  /** The `action` field: which action this form asks for. */
  name: string;
  /** Asked in a confirmation dialog before sending. */
  confirm?: string;
  /** Where to go once the action succeeded. */
  then?: string;
  children?: Child;
}

/** A POST form carrying the anti-forgery token; the browser code sends it in the background. */
export function ActionForm({ ctx, action, name, confirm, then, children }: ActionFormProps) {
  return (
    <form method="post" action={action} class="action" data-confirm={confirm} data-then={then}>
      <input type="hidden" name="csrf" value={ctx.token} />
      <input type="hidden" name="action" value={name} />
      {children}
    </form>
  );
}

/** One table row per item, or for no item one row across `columns` cells that says `empty`. */
export function rowsOr<T>(
  items: readonly T[],
  columns: number,
  empty: Child,
  row: (item: T) => Child,
): Child {
  if (items.length > 0) return items.map((item) => row(item));
  return (
    <tr>
      <td class="empty" colspan={columns}>{empty}</td>
    </tr>
  );
}

/** A scrolling panel with one table: `head` holds the header row's cells, `children` the rows. */
export function TablePanel({ id, head, children }: { id?: string; head: Child; children?: Child }) {
  return (
    <div id={id} class="panel scroll">
      <table>
        <thead>
          <tr>{head}</tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}
