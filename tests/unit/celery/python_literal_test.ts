import { test } from "node:test";
import assert from "node:assert/strict";
import { literalDictItems, literalJson } from "../../../src/celery/python_literal.ts";

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

test("literalJson reads back the JSON value behind a repr, and refuses what JSON cannot carry", () => {
  const cases: [string, unknown][] = [
    ["[]", []],
    ["()", []],
    ["(1,)", [1]],
    ["[20, 22]", [20, 22]],
    ["[-1.5, 1e-3, 0, -0.25]", [-1.5, 0.001, 0, -0.25]],
    ["['a\\nb', \"it's\", 'caf\\xe9', '\\u2603']", ["a\nb", "it's", "café", "☃"]],
    ["{'__proto__': 1, 'k': {'n': None, 't': True, 'f': False}}", {
      ["__proto__"]: 1,
      k: { n: null, t: true, f: false },
    }],
    ["  [1 , [2, (3, 4)] ,]  ", [1, [2, [3, 4]]]],
  ];
  for (const [text, value] of cases) assert.deepEqual(literalJson(text), { value }, text);
  const proto = literalJson("{'__proto__': {'polluted': 1}}")!.value as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(proto), Object.prototype, "no prototype is set");
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  for (
    const text of [
      "",
      "[1, 2...",
      "[1 2]",
      "[,]",
      "(1)",
      "b'x'",
      "{1, 2}",
      "{1: 2}",
      "1.0",
      "1e3",
      "0x10",
      "07",
      "9007199254740993",
      "1+2j",
      "inf",
      "[1] x",
      "[".repeat(100) + "]".repeat(100),
    ]
  ) {
    assert.equal(literalJson(text), null, text);
  }
});
