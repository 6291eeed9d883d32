/**
 * The one writer of JSON answers. Flower (Tornado) sends `application/json; charset=UTF-8`;
 * clients and Flower's own UI compare the header, so every JSON body goes out through here.
 */
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** Flower's JSON content type, exactly. */
export const JSON_CONTENT_TYPE = "application/json; charset=UTF-8";

/** A JSON answer: `body` serialised, or sent as it is when already JSON text or a stream. */
export function jsonResponse(
  c: Context,
  body: unknown,
  status: ContentfulStatusCode = 200,
  headers: Record<string, string> = {},
): Response {
  const payload = typeof body === "string" || body instanceof ReadableStream
    ? body
    : JSON.stringify(body);
  return c.body(payload, status, { ...headers, "Content-Type": JSON_CONTENT_TYPE });
}
