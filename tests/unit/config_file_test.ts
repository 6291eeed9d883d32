import { test } from "node:test";
import assert from "node:assert/strict";
import { ConfigFileError, optionText, parseConfigFile } from "../../src/config_file.ts";

test("literal assignments as Flower's docs write them become name/value pairs with lines", () => {
  const text = [
    "# Stalk reads this without Python",
    "port = 5555",
    "basic_auth = [\"alice:secret\", 'bob:pw']",
    "broker_api = 'http://guest:guest@localhost:15672/api/'",
    "",
    "read_only = True  # a comment",
    "max_tasks = 10_000",
    "inspect_timeout = 1500.5",
    "address = None",
    "broker_transport_options = {",
    '    "global_keyprefix": "app:",',
    '    "priority_steps": [0, 3, 6, 9],',
    "}",
    "offset = -3",
    'text = "a" \\',
    '  "b"',
    "pair = (1, 'x')",
    "raw = r'C:\\dir'",
    "doc = '''two",
    "lines'''",
  ].join("\n");
  const parsed = parseConfigFile(text, "flowerconfig.py");
  assert.deepEqual(parsed.map((a) => [a.name, a.value, a.line]), [
    ["port", 5555, 2],
    ["basic_auth", ["alice:secret", "bob:pw"], 3],
    ["broker_api", "http://guest:guest@localhost:15672/api/", 4],
    ["read_only", true, 6],
    ["max_tasks", 10000, 7],
    ["inspect_timeout", 1500.5, 8],
    ["address", null, 9],
    ["broker_transport_options", { global_keyprefix: "app:", priority_steps: [0, 3, 6, 9] }, 10],
    ["offset", -3, 14],
    ["text", "ab", 15],
    ["pair", [1, "x"], 17],
    ["raw", "C:\\dir", 18],
    ["doc", "two\nlines", 19],
  ]);
});

test("escapes in strings are Python's", () => {
  const [{ value }] = parseConfigFile("s = 'a\\tb\\n\\x41\\u00e9\\\\'", "f.py");
  assert.equal(value, "a\tb\nA\u00e9\\");
});

test("any other Python is refused with the file, the line and its text", () => {
  const cases: [string, number, RegExp][] = [
    ["import os\nport = 1", 1, /import os/],
    ["port = 1\nport = int('5555')", 2, /'int' is not a literal/],
    ["x = os.environ['P']", 1, /'os' is not a literal/],
    ["port = 1 + 2", 1, /not a literal assignment/],
    ["if True:\n  port = 1", 1, /not a literal assignment/],
    ["port = 'open", 1, /not closed/],
    ["a = b = 1", 1, /'b' is not a literal/],
  ];
  for (const [text, line, pattern] of cases) {
    assert.throws(() => parseConfigFile(text, "conf.py"), (error: unknown) => {
      assert.ok(error instanceof ConfigFileError, String(error));
      assert.match(error.message, new RegExp(`^conf\\.py line ${line}: `));
      assert.match(error.message, pattern);
      return true;
    }, text);
  }
});

test("a format_task function is refused with the reason", () => {
  const text = "def format_task(task):\n    return task\n";
  assert.throws(
    () => parseConfigFile(text, "flowerconfig.py"),
    /line 1: .*'def format_task\(task\):'.*format_task takes a Python function/,
  );
});

test("values become option text: lists joined with commas, dicts as JSON, None unset", () => {
  assert.equal(optionText(["a:b", "c:d"]), "a:b,c:d");
  assert.equal(optionText(true), "true");
  assert.equal(optionText(5555), "5555");
  assert.equal(optionText({ a: [1] }), '{"a":[1]}');
  assert.equal(optionText(null), undefined);
});
