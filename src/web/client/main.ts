/// <reference lib="dom" />
/**
 * The little code the pages run in the browser: keyboard navigation, live patches from the
 * page's event stream, confirmations, action forms sent in the background, and relative times.
 * Everything it inserts is HTML rendered (and escaped) by the server, or plain text.
 */
import { relativeTime } from "../format.ts";

const INPUTS = new Set(["INPUT", "TEXTAREA", "SELECT"]);

/** Rows that the keyboard moves through: those of the page's main table. */
function rows(): HTMLTableRowElement[] {
  return [...document.querySelectorAll<HTMLTableRowElement>("table.list tbody tr[data-href]")];
}

function selected(): HTMLTableRowElement | undefined {
  return rows().find((row) => row.getAttribute("aria-selected") === "true");
}

function select(row: HTMLTableRowElement | undefined): void {
  for (const other of rows()) other.removeAttribute("aria-selected");
  if (!row) return;
  row.setAttribute("aria-selected", "true");
  row.scrollIntoView({ block: "nearest" });
}

function move(step: number): void {
  const all = rows();
  if (all.length === 0) return;
  const current = selected();
  const index = current ? all.indexOf(current) + step : step > 0 ? 0 : all.length - 1;
  select(all[Math.max(0, Math.min(all.length - 1, index))]);
}

document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  const target = event.target as HTMLElement | null;
  if (target && (INPUTS.has(target.tagName) || target.isContentEditable)) {
    if (event.key === "Escape") target.blur();
    return;
  }
  const key = event.key;
  if (key === "/") {
    const search = document.querySelector<HTMLInputElement>("input[type=search]");
    if (search) {
      event.preventDefault();
      search.focus();
      search.select();
    }
  } else if (key === "j" || key === "ArrowDown" || key === "k" || key === "ArrowUp") {
    if (rows().length === 0) return;
    event.preventDefault();
    move(key === "j" || key === "ArrowDown" ? 1 : -1);
  } else if (key === "Enter") {
    const row = selected();
    if (row?.dataset.href) location.assign(row.dataset.href);
  }
});

document.addEventListener("click", (event) => {
  const target = event.target as HTMLElement;
  if (target.closest("a, button, input, select, label, summary, details")) return;
  const row = target.closest<HTMLTableRowElement>("table.list tbody tr[data-href]");
  if (row?.dataset.href) location.assign(row.dataset.href);
});

function refreshTimes(): void {
  const now = Date.now() / 1000;
  for (const time of document.querySelectorAll<HTMLTimeElement>("time[data-relative]")) {
    const at = Date.parse(time.dateTime) / 1000;
    if (Number.isFinite(at)) time.textContent = relativeTime(at, now);
  }
}
setInterval(refreshTimes, 15_000);

/**
 * Replaces each element of `html` that has an id (the outermost ones: table parts come wrapped
 * in a `<table>` so that they parse) with its namesake in the page.
 */
function patch(html: string): void {
  const keep = selected()?.dataset.key;
  const template = document.createElement("template");
  template.innerHTML = html;
  const fragments = [...template.content.querySelectorAll("[id]")].filter((element) =>
    !element.parentElement?.closest("[id]")
  );
  for (const fresh of fragments) {
    const old = document.getElementById(fresh.id);
    // Never pull a form field from under the user's fingers; the next patch catches up.
    const focus = document.activeElement;
    if (old && focus && INPUTS.has(focus.tagName) && old.contains(focus)) continue;
    if (old) old.replaceWith(fresh);
  }
  if (keep) select(rows().find((row) => row.dataset.key === keep));
  refreshTimes();
  // Counted for tests and for anyone curious how lively the page is.
  const root = document.documentElement;
  root.dataset.patches = String(Number(root.dataset.patches ?? 0) + 1);
}

function setLive(state: "on" | "lost" | "off"): void {
  const badge = document.getElementById("live");
  if (!badge) return;
  badge.dataset.live = state;
  badge.textContent = state === "on" ? "Live" : state === "lost" ? "Reconnecting…" : "Paused";
}

function connect(url: string): void {
  const source = new EventSource(url);
  source.addEventListener("open", () => setLive("on"));
  source.addEventListener("error", () => setLive("lost"));
  source.addEventListener("patch", (event) => patch((event as MessageEvent<string>).data));
  addEventListener("pagehide", () => source.close());
}

const stream = document.querySelector<HTMLElement>("main[data-stream]")?.dataset.stream;
if (stream) connect(stream);

function toast(text: string, bad: boolean): void {
  document.querySelector(".toast")?.remove();
  const box = document.createElement("div");
  box.className = bad ? "toast bad" : "toast";
  box.setAttribute("role", "status");
  box.textContent = text;
  document.body.append(box);
  setTimeout(() => box.remove(), 6000);
}

document.addEventListener("submit", (event) => {
  const form = event.target as HTMLFormElement;
  const question = form.dataset.confirm;
  if (question && !confirm(question)) {
    event.preventDefault();
    return;
  }
  if (!form.classList.contains("action")) return;
  event.preventDefault();
  const body = new FormData(form);
  const submitter = (event as SubmitEvent).submitter as HTMLButtonElement | null;
  if (submitter?.name) body.set(submitter.name, submitter.value);
  for (const button of form.querySelectorAll("button")) button.disabled = true;
  // An input named "action" shadows the form's own property: read the attribute.
  fetch(form.getAttribute("action") ?? location.href, {
    method: "POST",
    body: new URLSearchParams(body as unknown as Record<string, string>),
    headers: { "X-Stalk-Fetch": "1" },
    credentials: "same-origin",
  })
    .then(async (response) => {
      toast(await response.text(), !response.ok);
      // The server names the page to go to when the action made one (run again's new task).
      const next = response.headers.get("X-Stalk-Location") ?? form.dataset.then;
      if (response.ok && next) location.assign(next);
    })
    .catch((error: unknown) => toast(`Request failed: ${String(error)}`, true))
    .finally(() => {
      for (const button of form.querySelectorAll("button")) button.disabled = false;
    });
});
