/** `GET /api/workers` (`flower/api/workers.py`): the inspect cache, or liveness with `status`. */
import * as v from "valibot";
import { notFound } from "../../errors.ts";
import type { App, WorkerRouteDeps } from "../deps.ts";
import { optionalBool, parseQuery } from "../params.ts";
import { jsonResponse } from "../json.ts";

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
    if (params.status) return jsonResponse(c, deps.state.workerStatus());
    if (params.refresh) await deps.inspector.refresh(name, { forced: true });
    if (name) {
      const info = deps.inspector.get(name);
      if (!info) throw notFound(`Unknown worker '${name}'`);
      return jsonResponse(c, { [name]: info });
    }
    return jsonResponse(c, deps.inspector.all());
  });

  app.get("/api/queues/length", async (c) => {
    return jsonResponse(c, { active_queues: await deps.queueLengths() });
  });
}
