/** The dashboard's rows: every worker known from events or from inspection, by name. */
import type { WebDeps } from "./deps.ts";
import type { WorkerRow } from "./workers_view.ts";

const collator = new Intl.Collator("en", { numeric: true, sensitivity: "base" });

/** One row per worker, in natural name order (`w2` before `w10`). */
export function workerRows(deps: Pick<WebDeps, "state" | "inspector" | "counts">): WorkerRow[] {
  const rows = new Map<string, WorkerRow>();
  for (const worker of deps.state.workers()) {
    rows.set(worker.hostname, {
      name: worker.hostname,
      online: worker.status,
      active: worker.active,
      counts: deps.counts.get(worker.hostname),
      loadavg: worker.loadavg,
    });
  }
  for (const [name, info] of Object.entries(deps.inspector.all())) {
    if (rows.has(name)) continue;
    rows.set(name, {
      name,
      online: false,
      active: Array.isArray(info.active) ? info.active.length : null,
      counts: deps.counts.get(name),
      loadavg: null,
    });
  }
  return [...rows.values()].sort((a, b) => collator.compare(a.name, b.name));
}
