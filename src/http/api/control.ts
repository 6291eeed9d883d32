/** Worker and task control routes (`flower/api/control.py`): validate, call WorkerControl, reply. */
import * as v from "valibot";
import type { App, ControlRouteDeps } from "../deps.ts";
import {
  optionalBool,
  optionalCount,
  optionalSeconds,
  parseForm,
  requiredText,
} from "../params.ts";
import { jsonResponse } from "../json.ts";

const count = v.pipe(
  v.string(),
  v.trim(),
  v.regex(/^\d+$/, "expected a non-negative integer"),
  v.transform(Number),
);
const PoolSize = v.object({ n: optionalCount });
const Autoscale = v.object({ min: count, max: count });
const Queue = v.object({ queue: requiredText });
const Timeout = v.object({
  workername: requiredText,
  soft: optionalSeconds,
  hard: optionalSeconds,
});
const RateLimit = v.object({ workername: requiredText, ratelimit: requiredText });
const Revoke = v.object({
  terminate: optionalBool,
  signal: v.optional(
    v.pipe(
      v.string(),
      v.trim(),
      v.regex(/^(SIG)?[A-Z0-9]+$|^\d+$/i, "expected a signal name such as SIGTERM or a number"),
    ),
  ),
});

/** Registers the control routes. */
export function registerControlRoutes(app: App, deps: ControlRouteDeps): void {
  const control = deps.control;
  app.post(
    "/api/worker/shutdown/:name{.+}",
    async (c) => jsonResponse(c, await control.shutdown(c.req.param("name"))),
  );
  app.post(
    "/api/worker/pool/restart/:name{.+}",
    async (c) => jsonResponse(c, await control.poolRestart(c.req.param("name"))),
  );
  app.post("/api/worker/pool/grow/:name{.+}", async (c) => {
    const { n } = await parseForm(c, PoolSize);
    return jsonResponse(c, await control.poolGrow(c.req.param("name"), n ?? 1));
  });
  app.post("/api/worker/pool/shrink/:name{.+}", async (c) => {
    const { n } = await parseForm(c, PoolSize);
    return jsonResponse(c, await control.poolShrink(c.req.param("name"), n ?? 1));
  });
  app.post("/api/worker/pool/autoscale/:name{.+}", async (c) => {
    const { min, max } = await parseForm(c, Autoscale);
    return jsonResponse(c, await control.autoscale(c.req.param("name"), min, max));
  });
  app.post("/api/worker/queue/add-consumer/:name{.+}", async (c) => {
    const { queue } = await parseForm(c, Queue);
    return jsonResponse(c, await control.addConsumer(c.req.param("name"), queue));
  });
  app.post("/api/worker/queue/cancel-consumer/:name{.+}", async (c) => {
    const { queue } = await parseForm(c, Queue);
    return jsonResponse(c, await control.cancelConsumer(c.req.param("name"), queue));
  });

  app.post("/api/task/timeout/:name{.+}", async (c) => {
    const { workername, soft, hard } = await parseForm(c, Timeout);
    return jsonResponse(c, await control.timeLimit(workername, c.req.param("name"), soft, hard));
  });
  app.post("/api/task/rate-limit/:name{.+}", async (c) => {
    const { workername, ratelimit } = await parseForm(c, RateLimit);
    return jsonResponse(c, await control.rateLimit(workername, c.req.param("name"), ratelimit));
  });
  app.post("/api/task/revoke/:name{.+}", async (c) => {
    const { terminate, signal } = await parseForm(c, Revoke);
    return jsonResponse(
      c,
      await control.revoke(c.req.param("name"), { terminate, signal: signal || undefined }),
    );
  });
}
