/**
 * Task publishing and result routes (`flower/api/tasks.py`): `apply`, `async-apply`,
 * `send-task`, `result` and `abort`. They parse the JSON body and parameters, call the
 * TaskRunner and shape Flower's `{"task-id", "state", "result", "traceback"}` replies.
 */
import type { Context } from "hono";
import * as v from "valibot";
import {
  InvalidTaskRequest,
  parseTaskRequest,
  type TaskRequest,
} from "../../celery/task_options.ts";
import type { TaskOutcome } from "../../celery/task_result.ts";
import { badRequest } from "../../errors.ts";
import { describeError } from "../../log.ts";
import type { App, PublishRouteDeps } from "../deps.ts";
import { optionalSeconds, parseQuery } from "../params.ts";
import { jsonResponse } from "../json.ts";

const Timeout = v.object({ timeout: optionalSeconds });

/** Registers the publishing and result routes. */
export function registerPublishRoutes(app: App, deps: PublishRouteDeps): void {
  const { tasks } = deps;

  /** Guards, then reads the body: 403 in read-only mode before anything else. */
  const prepare = async (c: Context): Promise<TaskRequest> => {
    deps.control.guardWrite();
    const body = await readJsonBody(c);
    try {
      return parseTaskRequest(body);
    } catch (error) {
      if (error instanceof InvalidTaskRequest) throw badRequest(error.message);
      throw error;
    }
  };

  app.post("/api/task/apply/:name{.+}", async (c) => {
    const request = await prepare(c);
    const { timeout } = parseQuery(c, Timeout);
    const seconds = timeout ?? tasks.applyTimeout;
    const { ready, outcome } = await tasks.apply(c.req.param("name"), request, seconds);
    return ready
      ? jsonResponse(c, finished(outcome))
      : jsonResponse(c, timedOut(outcome, seconds), 504);
  });

  app.post("/api/task/async-apply/:name{.+}", async (c) => {
    const request = await prepare(c);
    const sent = await tasks.send(c.req.param("name"), request, { checkRegistered: true });
    return jsonResponse(c, { "task-id": sent.taskId, state: sent.state });
  });

  app.post("/api/task/send-task/:name{.+}", async (c) => {
    const request = await prepare(c);
    const sent = await tasks.send(c.req.param("name"), request, { checkRegistered: false });
    return jsonResponse(c, { "task-id": sent.taskId, state: sent.state });
  });

  app.get("/api/task/result/:id{.+}", async (c) => {
    const { timeout } = parseQuery(c, Timeout);
    const { ready, outcome } = await tasks.result(c.req.param("id"), timeout);
    if (ready) return jsonResponse(c, finished(outcome));
    if (timeout) return jsonResponse(c, timedOut(outcome, timeout), 504);
    return jsonResponse(c, { "task-id": outcome.taskId, state: outcome.state });
  });

  app.post("/api/task/abort/:id{.+}", async (c) => {
    deps.control.guardWrite();
    const id = c.req.param("id");
    await tasks.abort(id);
    return jsonResponse(c, { message: `Aborted '${id}'` });
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
      `Invalid JSON body: ${describeError(error)}`,
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
