/**
 * Task publishing and result routes (`flower/api/tasks.py`): `apply`, `async-apply`,
 * `send-task`, `result` and `abort`. They parse the JSON body and parameters, call the
 * TaskRunner and shape Flower's `{"task-id", "state", "result", "traceback"}` replies.
 */
import type { Context } from "hono";
import * as v from "valibot";
import type { TaskRunner } from "../../backend/task_runner.ts";
import { parseTaskRequest, type TaskRequest } from "../../celery/task_options.ts";
import type { TaskOutcome } from "../../celery/task_result.ts";
import { badRequest, StalkError } from "../../errors.ts";
import type { AppDeps, Register } from "../app.ts";
import { optionalSeconds, parseQuery } from "../params.ts";

const Timeout = v.object({ timeout: optionalSeconds });

/** Registers the publishing and result routes. */
export function registerPublishRoutes(route: Register, deps: AppDeps): void {
  const runner = (): TaskRunner => {
    if (deps.tasks) return deps.tasks;
    throw new StalkError("not_implemented", "Publishing tasks is not available in this server");
  };
  const param = (c: Context, name: string) => c.req.param(name) ?? "";

  /** Guards, then reads the body: 403 in read-only mode before anything else. */
  const prepare = async (c: Context): Promise<{ tasks: TaskRunner; request: TaskRequest }> => {
    deps.control.guardWrite();
    const tasks = runner();
    return { tasks, request: parseTaskRequest(await readJsonBody(c)) };
  };

  route("POST", "/api/task/apply/:name{.+}", async (c) => {
    const { tasks, request } = await prepare(c);
    const { timeout } = parseQuery(c, Timeout);
    const seconds = timeout ?? tasks.applyTimeout;
    const { ready, outcome } = await tasks.apply(param(c, "name"), request, seconds);
    return ready ? c.json(finished(outcome)) : c.json(timedOut(outcome, seconds), 504);
  });

  route("POST", "/api/task/async-apply/:name{.+}", async (c) => {
    const { tasks, request } = await prepare(c);
    const sent = await tasks.send(param(c, "name"), request, true);
    return c.json({ "task-id": sent.taskId, state: sent.state });
  });

  route("POST", "/api/task/send-task/:name{.+}", async (c) => {
    const { tasks, request } = await prepare(c);
    const sent = await tasks.send(param(c, "name"), request, false);
    return c.json({ "task-id": sent.taskId, state: sent.state });
  });

  route("GET", "/api/task/result/:id{.+}", async (c) => {
    const { timeout } = parseQuery(c, Timeout);
    const { ready, outcome } = await runner().result(param(c, "id"), timeout);
    if (ready) return c.json(finished(outcome));
    if (timeout) return c.json(timedOut(outcome, timeout), 504);
    return c.json({ "task-id": outcome.taskId, state: outcome.state });
  });

  route("POST", "/api/task/abort/:id{.+}", async (c) => {
    deps.control.guardWrite();
    const id = param(c, "id");
    await runner().abort(id);
    return c.json({ message: `Aborted '${id}'` });
  });
}

/** Reads an optional JSON body; an empty body is `undefined`, malformed JSON a 400. */
async function readJsonBody(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw badRequest(
      `Invalid JSON body: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

/** Flower's reply for a ready task: `traceback` only on FAILURE. */
function finished(outcome: TaskOutcome): Record<string, unknown> {
  const body: Record<string, unknown> = {
    "task-id": outcome.taskId,
    state: outcome.state,
    result: outcome.result,
  };
  if (outcome.state === "FAILURE") body.traceback = outcome.traceback;
  return body;
}

/** The 504 body: the error, and enough to poll `/api/task/result` later. */
function timedOut(outcome: TaskOutcome, seconds: number): Record<string, unknown> {
  return {
    error: `Task '${outcome.taskId}' did not finish within ${seconds} s`,
    "task-id": outcome.taskId,
    state: outcome.state,
  };
}
