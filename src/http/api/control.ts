/** Worker and task control routes (`flower/api/control.py`): validate, call WorkerControl, reply. */
import * as v from "valibot";
import type { AppDeps, Register } from "../app.ts";
import {
  optionalBool,
  optionalCount,
  optionalSeconds,
  parseForm,
  requiredText,
} from "../params.ts";

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
export function registerControlRoutes(route: Register, deps: AppDeps): void {
  const control = deps.control;
  const pathName = (c: { req: { param(name: string): string | undefined } }) =>
    c.req.param("name") ?? "";

  route(
    "POST",
    "/api/worker/shutdown/:name{.+}",
    async (c) => c.json(await control.shutdown(pathName(c))),
  );
  route(
    "POST",
    "/api/worker/pool/restart/:name{.+}",
    async (c) => c.json(await control.poolRestart(pathName(c))),
  );
  route("POST", "/api/worker/pool/grow/:name{.+}", async (c) => {
    const { n } = await parseForm(c, PoolSize);
    return c.json(await control.poolGrow(pathName(c), n ?? 1));
  });
  route("POST", "/api/worker/pool/shrink/:name{.+}", async (c) => {
    const { n } = await parseForm(c, PoolSize);
    return c.json(await control.poolShrink(pathName(c), n ?? 1));
  });
  route("POST", "/api/worker/pool/autoscale/:name{.+}", async (c) => {
    const { min, max } = await parseForm(c, Autoscale);
    return c.json(await control.autoscale(pathName(c), min, max));
  });
  route("POST", "/api/worker/queue/add-consumer/:name{.+}", async (c) => {
    const { queue } = await parseForm(c, Queue);
    return c.json(await control.addConsumer(pathName(c), queue));
  });
  route("POST", "/api/worker/queue/cancel-consumer/:name{.+}", async (c) => {
    const { queue } = await parseForm(c, Queue);
    return c.json(await control.cancelConsumer(pathName(c), queue));
  });

  route("POST", "/api/task/timeout/:name{.+}", async (c) => {
    const { workername, soft, hard } = await parseForm(c, Timeout);
    return c.json(await control.timeLimit(workername, pathName(c), soft, hard));
  });
  route("POST", "/api/task/rate-limit/:name{.+}", async (c) => {
    const { workername, ratelimit } = await parseForm(c, RateLimit);
    return c.json(await control.rateLimit(workername, pathName(c), ratelimit));
  });
  route("POST", "/api/task/revoke/:name{.+}", async (c) => {
    const { terminate, signal } = await parseForm(c, Revoke);
    return c.json(await control.revoke(pathName(c), terminate ?? false, signal || "SIGTERM"));
  });
}
