/**
 * The one place where failures become HTTP responses: a JSON body `{"error": "..."}` (plus the
 * error's details, e.g. a search position) with the status of the StalkError, and a generic 500
 * (logged, never a stack trace) for anything else.
 */
import type { Context } from "hono";
import { StalkError } from "../errors.ts";
import { describeError, log } from "../log.ts";
import { redactUrl } from "../celery/redact_url.ts";
import { jsonResponse } from "./json.ts";

/** Turns any thrown value into the response a client sees. */
export function errorResponse(error: unknown, c: Context): Response {
  if (error instanceof StalkError) {
    // A message may quote a URL from a client library's error; never return its password.
    return jsonResponse(
      c,
      { error: redactUrl(error.message), ...error.details },
      error.status as 400,
      error.headers,
    );
  }
  log.error(`Unhandled error on ${c.req.method} ${c.req.path}: ${describeError(error)}`);
  return jsonResponse(c, { error: "Internal server error" }, 500);
}
