/**
 * The one error type of Stalk. Services throw it; the HTTP layer turns it into a response in
 * one place (`src/http/on_error.ts`), so a status travels with every expected failure.
 */

/** Why an action failed; each kind picks the HTTP status. Clients see the status and message. */
export type ErrorKind =
  | "bad_request"
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "method_not_allowed"
  | "payload_too_large"
  | "not_implemented"
  | "unavailable"
  | "timeout"
  | "internal";

const STATUS: Record<ErrorKind, number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  payload_too_large: 413,
  not_implemented: 501,
  unavailable: 503,
  timeout: 504,
  internal: 500,
};

/** An expected failure with the HTTP status it maps to. */
export class StalkError extends Error {
  readonly status: number;
  /** Extra response headers, e.g. `Allow` or `WWW-Authenticate`. */
  readonly headers: Record<string, string>;
  /** Extra members of the JSON body beside `error`, e.g. a search error's `position`. */
  readonly details: Record<string, unknown>;

  constructor(
    kind: ErrorKind,
    message: string,
    options: {
      cause?: unknown;
      headers?: Record<string, string>;
      details?: Record<string, unknown>;
    } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = "StalkError";
    this.status = STATUS[kind];
    this.headers = options.headers ?? {};
    this.details = options.details ?? {};
  }
}

/** Shorthand for a 400 naming the parameter that failed. */
export function badRequest(message: string): StalkError {
  return new StalkError("bad_request", message);
}

/** Shorthand for a 404. */
export function notFound(message: string): StalkError {
  return new StalkError("not_found", message);
}
