/**
 * One term token to a term: Flower's qualifiers and limits (`_parse_term`), and Stalk's
 * `exception:`, `uuid:`, `root:`, `parent:` and comparisons (`runtime>5`, `received:>=2026-01-01`).
 */
import { TASK_TIME_FIELDS } from "../celery/events.ts";
import type { NumberField, Term, TextField, TimeField } from "./ast.ts";
import { fold } from "./fold.ts";
import { SearchFailure } from "./search_error.ts";
import { parseNumber, parseTime } from "./times.ts";
import type { Token } from "./tokenize.ts";

/** Shortest substring term, after trimming (Flower's `MIN_SUBSTRING_LENGTH`). */
export const MIN_SUBSTRING_LENGTH = 3;

const TEXT_FIELDS: ReadonlySet<string> = new Set<TextField>([
  "name",
  "worker",
  "args",
  "kwargs",
  "result",
  "exception",
]);
const TIME_FIELDS: ReadonlySet<string> = new Set<TimeField>(TASK_TIME_FIELDS);
const NUMBER_FIELDS: ReadonlySet<string> = new Set<NumberField>(["runtime", "retries", "clock"]);
const OTHER_FIELDS: ReadonlySet<string> = new Set(["state", "uuid", "root", "parent"]);

const COMPARISON = /^([A-Za-z_]+)(>=|<=|>|<|=)([^]*)$/;
const OPERATOR = /^(>=|<=|>|<|=)?([^]*)$/;

/** The term `token` (a TERM) stands for; throws a SearchFailure at its position when invalid. */
export function parseTerm(token: Token): Term {
  const text = token.value;
  const at = token.position;
  if (text.includes("\0")) {
    throw new SearchFailure("Search terms cannot contain NUL characters", at);
  }
  let field: string | null = null;
  let value = text;
  const colon = text.indexOf(":");
  if (colon >= 0) {
    const candidate = text.slice(0, colon).toLowerCase();
    if (isField(candidate)) {
      field = candidate;
      value = text.slice(colon + 1);
    }
  }
  if (field === null) {
    const m = COMPARISON.exec(text);
    if (m && isComparable(m[1].toLowerCase())) {
      return comparison(m[1].toLowerCase(), m[2], m[3], at);
    }
    if (text === "-") throw new SearchFailure("Negation with '-' needs a term right after it", at);
  }
  if (value === "") throw new SearchFailure("Search qualifier requires a value", at);
  if (field !== null && isComparable(field)) {
    const [, op = "=", rest] = OPERATOR.exec(value)!;
    return comparison(field, op, rest, at);
  }
  switch (field) {
    case "state":
      return { kind: "state", value: fold(value) };
    case "uuid":
      return { kind: "uuid", value: fold(value) };
    case "root":
    case "parent":
      return { kind: field, id: value };
    case "kwargs":
      if (value.includes("=")) return { kind: "pair", pair: queryPair(fold(value)) };
  }
  if (value.trim().length < MIN_SUBSTRING_LENGTH) {
    throw new SearchFailure(
      `Substring search terms must contain at least ${MIN_SUBSTRING_LENGTH} characters`,
      at,
    );
  }
  return { kind: "text", field: field as TextField | null, value: fold(value) };
}

/** `key=value` with both sides trimmed, as Flower's `_kwargs_query_pair`. */
function queryPair(value: string): string {
  const eq = value.indexOf("=");
  return `${value.slice(0, eq).trim()}=${value.slice(eq + 1).trim()}`;
}

function isField(name: string): boolean {
  return TEXT_FIELDS.has(name) || OTHER_FIELDS.has(name) || isComparable(name);
}

function isComparable(name: string): boolean {
  return TIME_FIELDS.has(name) || NUMBER_FIELDS.has(name);
}

/**
 * The range `field op text` selects. A time is the instant it names (missing parts are zero);
 * only equality (`received:2026-01-01`, `received=…T10:00`) takes the whole period written.
 */
function comparison(field: string, op: string, text: string, at: number): Term {
  if (text === "") throw new SearchFailure("Search qualifier requires a value", at);
  let value: number;
  let span = 0;
  if (TIME_FIELDS.has(field)) {
    const time = parseTime(text);
    if (!time) {
      throw new SearchFailure(
        `Invalid time '${text}' for '${field}': expected YYYY-MM-DD[THH:MM[:SS]][Z|±HH:MM] (UTC by default) or epoch seconds`,
        at,
      );
    }
    value = time.at;
    span = time.span;
  } else {
    const number = parseNumber(text);
    if (number === undefined) {
      throw new SearchFailure(`Invalid number '${text}' for '${field}'`, at);
    }
    value = number;
  }
  const end = value + span;
  const f = field as TimeField | NumberField;
  const range = (low: number, lowInclusive: boolean, high: number, highInclusive: boolean) => ({
    kind: "compare" as const,
    field: f,
    low,
    lowInclusive,
    high,
    highInclusive,
  });
  switch (op) {
    case ">":
      return range(value, false, Infinity, true);
    case ">=":
      return range(value, true, Infinity, true);
    case "<":
      return range(-Infinity, true, value, false);
    case "<=":
      return range(-Infinity, true, value, true);
    default:
      return span > 0 ? range(value, true, end, false) : range(value, true, value, true);
  }
}
