/** `GET /api/workers` (`flower/api/workers.py`): the inspect cache, or liveness with `status`. */
import * as v from "valibot";
import { notFound } from "../../errors.ts";
import type { App, WorkerRouteDeps } from "../deps.ts";
import { optionalBool, parseQuery } from "../params.ts";

const ListWorkersParams = v.object({
  status: optionalBool,
  refresh: optionalBool,
  workername: v.optional(v.pipe(v.string(), v.trim())),
});

/** Registers the worker read routes. */
export function registerWorkerRoutes(app: App, deps: WorkerRouteDeps): void {
  app.get("/api/workers", async (c) => {
    const params = parseQuery(c, ListWorkersParams);
    const name = params.workername || undefined;
    if (params.status) return c.json(deps.state.workerStatus());
    if (params.refresh) await deps.inspector.refresh(name, { forced: true });
    if (name) {
      const info = deps.inspector.get(name);
      if (!info) throw notFound(`Unknown worker '${name}'`);
      return c.json({ [name]: info });
    }
    return c.json(deps.inspector.all());
  });

  app.get("/api/queues/length", async (c) => {
    return c.json({ active_queues: await deps.queueLengths() });
  });
}
