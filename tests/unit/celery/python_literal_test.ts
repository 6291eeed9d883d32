import { test } from "node:test";
import assert from "node:assert/strict";
import { literalDictItems } from "../../../src/celery/python_literal.ts";

/**
 * Reprs as Celery writes `kwargsrepr`, and what Flower reads from them: `ast.literal_eval`, then
 * `str()` of keys and values, None as "" (checked against CPython 3.11).
 */
const CASES: [string, Record<string, string> | null][] = [
  ["{}", {}],
  ["{'k': 3}", { k: "3" }],
  ["{'retry': True, 'priority': 5}", { retry: "True", priority: "5" }],
  [
    "{'locale': 'en_GB', 'tracking': {'campaign': 'spring', 'ab': 'b'}}",
    { locale: "en_GB", tracking: "{'campaign': 'spring', 'ab': 'b'}" },
  ],
  ["{'a': None}", { a: "" }],
  ["{'a': 'it\\'s'}", { a: "it's" }],
  ["{'a': \"it's\"}", { a: "it's" }],
  ["{'a': '\\n\\x41\\u00e9'}", { a: "\nA\u00e9" }],
  ["{'a': [1, 2], 'b': (1,), 'c': {1, 2}}", { a: "[1, 2]", b: "(1,)", c: "{1, 2}" }],
  ["{'a': -0.0015, 'b': (1+2j), 'c': b'x'}", { a: "-0.0015", b: "(1+2j)", c: "b'x'" }],
  ["{1: 'one'}", { "1": "one" }],
  ["{'a': 1, 'a': 2}", { a: "2" }],
  ["{'a': 1,}", { a: "1" }],
  ["  {'a' : 1}  ", { a: "1" }],
  ["{'a': r'\\d'}", { a: "\\d" }],
  ["{'a': [{'b': (None, False)}, []]}", { a: "[{'b': (None, False)}, []]" }],
  // Not literal dicts: no pairs.
  ["{'a': 'xxx...", null],
  ["{'a': datetime.datetime(2020, 1, 1)}", null],
  ["(1, 2)", null],
  ["{'a': inf}", null],
  ["{'a': 1} x", null],
  ["{'a' 1}", null],
  ["{'a': [1, 2}", null],
  ["{'a': {1: 2, 3}}", null],
  ["", null],
];

for (const [text, expected] of CASES) {
  test(`the kwargs repr ${text || "''"} reads as ${JSON.stringify(expected)}`, () => {
    const items = literalDictItems(text);
    assert.deepEqual(items === null ? null : Object.fromEntries(items), expected);
  });
}
