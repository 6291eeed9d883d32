import { test } from "node:test";
import assert from "node:assert/strict";
import type { SearchNode } from "../../../src/search/ast.ts";
import { parseSearch } from "../../../src/search/parse.ts";
import { SearchError } from "../../../src/search/search_error.ts";

const text = (value: string, field: string | null = null): SearchNode =>
  ({ kind: "text", field, value }) as SearchNode;
const and = (...children: SearchNode[]): SearchNode => ({ kind: "and", children });
const or = (...children: SearchNode[]): SearchNode => ({ kind: "or", children });
const not = (child: SearchNode): SearchNode => ({ kind: "not", child });
const range = (
  field: string,
  low: number,
  lowInclusive: boolean,
  high: number,
  highInclusive: boolean,
) => ({ kind: "compare", field, low, lowInclusive, high, highInclusive }) as SearchNode;

const JAN_1 = Date.UTC(2026, 0, 1) / 1000;

const VALID: [string, SearchNode][] = [
  ["", { kind: "all" }],
  ["   ", { kind: "all" }],
  ["first", text("first")],
  ["First", text("first")],
  ["first second", and(text("first"), text("second"))],
  ["first AND second", and(text("first"), text("second"))],
  ["first OR second", or(text("first"), text("second"))],
  ["first OR second third", or(text("first"), and(text("second"), text("third")))],
  ["(first OR second) third", and(or(text("first"), text("second")), text("third"))],
  ["first (first second)", and(text("first"), text("second"))],
  ["first OR first", text("first")],
  ["first and second", and(text("first"), text("and"), text("second"))],
  ['"AND" "NOT"', and(text("and"), text("not"))],
  ['args:"hello world"', text("hello world", "args")],
  ['"args:hello world"', text("hello world", "args")],
  ['say"hi there"', text("sayhi there")],
  ['"a (b) c"', text("a (b) c")],
  ['"say \\"hi\\""', text('say "hi"')],
  ["back\\\\slash", text("back\\slash")],
  ["NAME:tasks.fetch", text("tasks.fetch", "name")],
  ["worker:celery@host", text("celery@host", "worker")],
  ["result:timeout", text("timeout", "result")],
  ["kwargs:priority", text("priority", "kwargs")],
  ["exception:boom", text("boom", "exception")],
  ["foo:bar", text("foo:bar")],
  ["stateSTARTED", text("statestarted")],
  ["state:STARTED", { kind: "state", value: "started" }],
  ["state:X", { kind: "state", value: "x" }],
  ["kwargs:k=1", { kind: "pair", pair: "k=1" }],
  ['"kwargs:K = One"', { kind: "pair", pair: "k=one" }],
  ['kwargs:label="some value"', { kind: "pair", pair: "label=some value" }],
  ["kwargs:a=", { kind: "pair", pair: "a=" }],
  ["uuid:AB", { kind: "uuid", value: "ab" }],
  ["root:Abc-1", { kind: "root", id: "Abc-1" }],
  ["parent:p1", { kind: "parent", id: "p1" }],
  ["NOT first", not(text("first"))],
  ["-first", not(text("first"))],
  ["NOT NOT first", text("first")],
  ["--first", text("first")],
  ["-(first OR second)", not(or(text("first"), text("second")))],
  ["first -state:SUCCESS", and(text("first"), not({ kind: "state", value: "success" }))],
  ["first OR NOT second", or(text("first"), not(text("second")))],
  ['"-first"', text("-first")],
  ["name:-first", text("-first", "name")],
  ["first-second", text("first-second")],
  ["runtime>5", range("runtime", 5, false, Infinity, true)],
  ["runtime>=5", range("runtime", 5, true, Infinity, true)],
  ["runtime<0.5", range("runtime", -Infinity, true, 0.5, false)],
  ["runtime<=1e2", range("runtime", -Infinity, true, 100, true)],
  ["retries=1", range("retries", 1, true, 1, true)],
  ["retries:1", range("retries", 1, true, 1, true)],
  ["RETRIES:>=1", range("retries", 1, true, Infinity, true)],
  ["clock>-3", range("clock", -3, false, Infinity, true)],
  ["received>2026-01-01T10:00", range("received", JAN_1 + 36000, false, Infinity, true)],
  ["received<2026-01-01", range("received", -Infinity, true, JAN_1, false)],
  ["received:2026-01-01", range("received", JAN_1, true, JAN_1 + 86400, false)],
  ["started=2026-01-01T10:00", range("started", JAN_1 + 36000, true, JAN_1 + 36060, false)],
  ["failed=2026-01-01T10:00:05", range("failed", JAN_1 + 36005, true, JAN_1 + 36006, false)],
  ["succeeded>=2026-01-01T10:00:05.5Z", range("succeeded", JAN_1 + 36005.5, true, Infinity, true)],
  ["sent>2026-01-01T12:00+02:00", range("sent", JAN_1 + 36000, false, Infinity, true)],
  ['timestamp<"2026-01-01 10:00"', range("timestamp", -Infinity, true, JAN_1 + 36000, false)],
  ["revoked>1767225600", range("revoked", JAN_1, false, Infinity, true)],
  ["((((( first )))))", text("first")],
  ["(first) ".repeat(42), text("first")],
  ["a".repeat(2048), text("a".repeat(2048))],
];

for (const [query, expected] of VALID) {
  test(`'${query.slice(0, 40)}' parses to ${JSON.stringify(expected).slice(0, 80)}`, () => {
    assert.deepEqual(parseSearch(query), expected);
  });
}

/** [query, message (without the position), position or undefined]. */
const INVALID: [string, string, number | undefined][] = [
  ["ab", "Substring search terms must contain at least 3 characters", 0],
  ["first ab", "Substring search terms must contain at least 3 characters", 6],
  ['" ab "', "Substring search terms must contain at least 3 characters", 0],
  ["name:ab", "Substring search terms must contain at least 3 characters", 0],
  ["or", "Substring search terms must contain at least 3 characters", 0],
  ["name:", "Search qualifier requires a value", 0],
  ["first state:", "Search qualifier requires a value", 6],
  ["runtime>", "Search qualifier requires a value", 0],
  ["first OR", "OR must be followed by a search term", 6],
  ["first OR OR second", "OR must be followed by a search term", 6],
  ["(first OR) second", "OR must be followed by a search term", 7],
  ["first AND", "AND must be followed by a search term", 6],
  ["first AND OR second", "AND must be followed by a search term", 6],
  ["OR first", "Expected a search term", 0],
  ["AND first", "Expected a search term", 0],
  [") first", "Expected a search term", 0],
  ["first )", "Unexpected ')'", 6],
  ["NOT", "NOT must be followed by a search term", 0],
  ["first NOT", "NOT must be followed by a search term", 6],
  ["NOT OR first", "NOT must be followed by a search term", 0],
  ["(NOT) first", "NOT must be followed by a search term", 1],
  ["-", "Negation with '-' needs a term right after it", 0],
  ["first - second", "Negation with '-' needs a term right after it", 6],
  ["-)", "Negation with '-' must be followed by a search term", 0],
  ["()", "Empty group", 0],
  ["first ( )", "Empty group", 6],
  ["(first", "Missing closing parenthesis", 0],
  ["first (second (third)", "Missing closing parenthesis", 6],
  ['"first', "Unterminated quoted phrase", 0],
  ['first args:"second', "Unterminated quoted phrase", 6],
  ['""', "Empty search term", 0],
  ['first ""', "Empty search term", 6],
  ["first\0x", "Search terms cannot contain NUL characters", 0],
  ["runtime>abc", "Invalid number 'abc' for 'runtime'", 0],
  ["retries>=1x", "Invalid number '1x' for 'retries'", 0],
  [
    "first received>2026-13-01",
    "Invalid time '2026-13-01' for 'received': expected YYYY-MM-DD[THH:MM[:SS]][Z|±HH:MM] (UTC by default) or epoch seconds",
    6,
  ],
  ["((((((first))))))", "Query nesting exceeds 5 levels", 5],
  ["a".repeat(2049), "Query exceeds 2048 characters", undefined],
  [` ${"a".repeat(2048)} `, "", -1],
  ["(first) ".repeat(43), "Query exceeds 128 tokens", undefined],
  ["x ".repeat(128) + "x", "Query exceeds 128 tokens", undefined],
  // Positions count in the query as given, leading spaces included.
  ["  first OR", "OR must be followed by a search term", 8],
  ["\tab", "Substring search terms must contain at least 3 characters", 1],
];

for (const [query, message, position] of INVALID) {
  if (position === -1) {
    test("the length limit counts the query after trimming", () => {
      assert.ok(!(parseSearch(query) instanceof SearchError));
    });
    continue;
  }
  test(`'${query.slice(0, 30)}' is rejected: ${message.slice(0, 50)} at ${position}`, () => {
    const error = parseSearch(query);
    assert.ok(error instanceof SearchError, `expected an error, got ${JSON.stringify(error)}`);
    assert.equal(error.message, message);
    assert.equal(error.position, position);
  });
}

test("an error reads as Flower's QuerySyntaxError does", () => {
  assert.equal(
    (parseSearch("first OR") as SearchError).describe(),
    "OR must be followed by a search term at position 6.",
  );
  assert.equal(
    (parseSearch("a".repeat(2049)) as SearchError).describe(),
    "Query exceeds 2048 characters.",
  );
});

test("128 tokens are allowed, parentheses and operators counted", () => {
  const query = Array.from({ length: 64 }, (_, i) => `t${i}x`).join(" OR ");
  assert.equal((query.match(/\S+/g) ?? []).length, 127);
  assert.ok(!(parseSearch(query) instanceof SearchError));
  assert.ok(parseSearch(`${query} OR`) instanceof SearchError);
  assert.ok(!(parseSearch(`${query} x${"y".repeat(3)}`) instanceof SearchError));
});
