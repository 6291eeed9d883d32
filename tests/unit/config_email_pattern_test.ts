import { test } from "node:test";
import assert from "node:assert/strict";
import { emailMatcher, emailPatternProblem } from "../../src/config_email_pattern.ts";

test("Flower's restricted syntax: one '*', never with '|', never in the domain", () => {
  assert.equal(emailPatternProblem("a@x.com|b@y.com"), undefined);
  assert.equal(emailPatternProblem(".*@example.com"), undefined);
  assert.equal(emailPatternProblem(".*@.*.com"), "at most one '*' is allowed");
  assert.equal(emailPatternProblem(".*@x.com|b@y.com"), "'*' and '|' cannot be combined");
  assert.equal(emailPatternProblem("me@.*.com"), "'*' is not allowed in the domain");
  assert.match(emailPatternProblem("") ?? "", /expected/);
});

test("a list matches its members exactly", () => {
  const match = emailMatcher("a@x.com|b@y.com");
  assert.equal(match("a@x.com"), true);
  assert.equal(match("a@x.com.evil.org"), false);
  assert.equal(match("xa@x.com"), false);
});

test(".* matches a local part only (CVE-2022-30034)", () => {
  const match = emailMatcher(".*@example.com");
  assert.equal(match("anyone.here+tag@example.com"), true);
  assert.equal(match("a@evil.org@example.com"), false, "no @ in the local part");
  assert.equal(match("a@example.com.evil.org"), false);
  assert.equal(match("a@exampleXcom"), false, "the dot is literal");
});

test("anything else must equal the e-mail", () => {
  const match = emailMatcher("ops@example.com");
  assert.equal(match("ops@example.com"), true);
  assert.equal(match("OPS@example.com"), false);
});
