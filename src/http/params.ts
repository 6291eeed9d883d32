/**
 * Validation of query-string and form parameters with valibot. A failure becomes a 400 that
 * names the parameter and quotes the value.
 */
import type { Context } from "hono";
import * as v from "valibot";
import { strtobool } from "../celery/strtobool.ts";
import { badRequest } from "../errors.ts";
import { describeError } from "../log.ts";

/** A schema over parameter texts: every entry takes an optional string. */
export type ParamSchema = v.ObjectSchema<
  Record<string, v.GenericSchema<string | undefined, unknown>>,
  undefined
>;

/** Reads the query string of `c` through `schema`; throws a 400 StalkError on bad input. */
export function parseQuery<S extends ParamSchema>(c: Context, schema: S): v.InferOutput<S> {
  return readParams((name) => c.req.query(name), schema);
}

/** Reads each parameter of `schema` from `query` through it; throws a 400 StalkError on bad input. */
export function readParams<S extends ParamSchema>(
  query: (name: string) => string | undefined,
  schema: S,
): v.InferOutput<S> {
  const raw: Record<string, string | undefined> = {};
  for (const key of Object.keys(schema.entries)) raw[key] = query(key);
  return parseParams(raw, schema);
}

/**
 * Reads parameters from the query string or a form body, as Tornado's `get_argument` does
 * (the query string wins), through `schema`.
 */
export async function parseForm<S extends ParamSchema>(
  c: Context,
  schema: S,
): Promise<v.InferOutput<S>> {
  const raw: Record<string, string | undefined> = {};
  const type = c.req.header("Content-Type") ?? "";
  let form: Record<string, unknown> = {};
  if (
    type.startsWith("application/x-www-form-urlencoded") || type.startsWith("multipart/form-data")
  ) {
    try {
      form = await c.req.parseBody();
    } catch (error) {
      throw badRequest(
        `Invalid form body: ${describeError(error)}`,
      );
    }
  }
  for (const key of Object.keys(schema.entries)) {
    const fromForm = form[key];
    raw[key] = c.req.query(key) ?? (typeof fromForm === "string" ? fromForm : undefined);
  }
  return parseParams(raw, schema);
}

function parseParams<S extends ParamSchema>(
  raw: Record<string, string | undefined>,
  schema: S,
): v.InferOutput<S> {
  const result = v.safeParse(schema, raw);
  if (result.success) return result.output;
  const issue = result.issues[0];
  const key = v.getDotPath(issue) ?? "parameter";
  if (raw[key] === undefined) throw badRequest(`Missing parameter '${key}'`);
  throw badRequest(`Invalid '${key}': ${issue.message}, got '${raw[key]}'`);
}

/**
 * An optional number whose text must match `pattern`; an empty value counts as absent and a
 * mismatch fails with `message`.
 */
function optionalNumber(pattern: RegExp, message: string) {
  return v.optional(
    v.pipe(
      v.string(),
      v.trim(),
      v.transform((text) => (text === "" ? undefined : text)),
      v.optional(v.pipe(v.string(), v.regex(pattern, message), v.transform(Number))),
    ),
  );
}

/**
 * A `sort_by` text: one of `columns`, optionally prefixed with `-` for descending; empty counts
 * as absent.
 */
export function sortByParam(columns: readonly string[]) {
  return v.optional(
    v.pipe(
      v.string(),
      v.trim(),
      v.check(
        (s) => s === "" || columns.includes(s.replace(/^-/, "")),
        `expected one of ${columns.join(", ")}, optionally prefixed with '-'`,
      ),
    ),
  );
}

/** An optional non-negative integer; an empty value counts as absent. */
export const optionalCount = optionalNumber(/^\d+$/, "expected a non-negative integer");

/** An optional integer that may be negative (Flower clamps a negative offset to 0). */
export const optionalInteger = optionalNumber(/^-?\d+$/, "expected an integer");

/** A required non-empty text parameter. */
export const requiredText = v.pipe(
  v.string("is required"),
  v.trim(),
  v.minLength(1, "must not be empty"),
);

/** An optional non-negative number of seconds; an empty value counts as absent. */
export const optionalSeconds = optionalNumber(
  /^\d+(\.\d+)?$/,
  "expected a non-negative number of seconds",
);

/** An optional boolean in Python's `strtobool` spellings. */
export const optionalBool = v.optional(
  v.pipe(
    v.string(),
    // An empty value counts as false, as Tornado's empty argument does in Flower.
    v.transform((text) => (text.trim() === "" ? false : strtobool(text))),
    v.boolean("expected a boolean"),
  ),
);

/** An optional filter value where Flower's literal `All` and an empty value mean no filter. */
export const optionalFilter = v.optional(
  v.pipe(
    v.string(),
    v.transform((text) => (text === "" || text === "All" ? undefined : text)),
  ),
);

/** A `%Y-%m-%d %H:%M` time in UTC, as epoch seconds. */
export const optionalMinute = v.optional(
  v.pipe(
    v.string(),
    v.trim(),
    v.transform((text) => (text === "" ? undefined : text)),
    v.optional(
      v.pipe(
        v.string(),
        v.regex(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/, "expected a UTC time as YYYY-MM-DD HH:MM"),
        v.transform(parseUtcMinute),
        v.number("expected a valid UTC time as YYYY-MM-DD HH:MM"),
      ),
    ),
  ),
);

/** Parses `YYYY-MM-DD HH:MM` as UTC; NaN-free: returns undefined for impossible dates. */
export function parseUtcMinute(text: string): number | undefined {
  const [date, time] = text.split(" ");
  const [year, month, day] = date.split("-").map(Number);
  const [hour, minute] = time.split(":").map(Number);
  const ms = Date.UTC(year, month - 1, day, hour, minute);
  const check = new Date(ms);
  if (
    check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 ||
    check.getUTCDate() !== day || check.getUTCHours() !== hour || check.getUTCMinutes() !== minute
  ) {
    return undefined;
  }
  return ms / 1000;
}
