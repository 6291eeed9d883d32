/** `GET /api/workers`: worker liveness from events (`status=true`). */
import * as v from "valibot";
import { StalkError } from "../../errors.ts";
import type { AppDeps, Register } from "../app.ts";
import { optionalBool, parseQuery } from "../params.ts";

const ListWorkersParams = v.object({
  status: optionalBool,
  refresh: optionalBool,
  workername: v.optional(v.string()),
});

/** Registers the worker read routes. */
export function registerWorkerRoutes(route: Register, deps: AppDeps): void {
  route("GET", "/api/workers", (c) => {
    const params = parseQuery(c, ListWorkersParams);
    if (params.status) return c.json(deps.state.workerStatus());
    // TODO(#3): the inspect-backed forms (whole cache, workername, refresh).
    throw new StalkError(
      "not_implemented",
      "Worker inspection is not available yet: only /api/workers?status=true is served",
    );
  });
}
