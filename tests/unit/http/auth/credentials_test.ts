import { test } from "node:test";
import assert from "node:assert/strict";
import { parseBasicUser } from "../../../../src/http/auth/basic.ts";
import { parseTokenFile } from "../../../../src/http/auth/tokens.ts";

const HASH = "a".repeat(64);

test("a Flower user:password entry is an admin, and a role= prefix lowers it", () => {
  assert.deepEqual(parseBasicUser("ada:pw"), { user: "ada", pair: "ada:pw", role: "admin" });
  assert.deepEqual(parseBasicUser("viewer=vera:p=w"), {
    user: "vera",
    pair: "vera:p=w",
    role: "viewer",
  });
  assert.equal(parseBasicUser("operator=otto:x").role, "operator");
});

test("an = in the password, or before something that is no role, is part of the pair", () => {
  assert.deepEqual(parseBasicUser("ops:s3cr=et"), {
    user: "ops",
    pair: "ops:s3cr=et",
    role: "admin",
  });
  assert.deepEqual(parseBasicUser("team=a:pw"), {
    user: "team=a",
    pair: "team=a:pw",
    role: "admin",
  });
});

test("a token file lists name, role and hash; comments and blank lines are skipped", () => {
  const tokens = parseTokenFile(
    `# CI\n\nci operator sha256:${HASH}  # deploys\nro viewer sha256:${HASH}\n`,
  );
  assert.deepEqual(tokens.map((t) => [t.name, t.role, t.digest.length]), [
    ["ci", "operator", 32],
    ["ro", "viewer", 32],
  ]);
});

test("a malformed token line is an error naming the line", () => {
  assert.throws(() => parseTokenFile("ci operator"), /line 1: expected 'name role/);
  assert.throws(() => parseTokenFile(`\nci boss sha256:${HASH}`), /line 2: unknown role 'boss'/);
  assert.throws(() => parseTokenFile("ci admin plain-secret"), /line 1: expected the token's hash/);
  assert.throws(
    () => parseTokenFile(`ci admin sha256:${HASH}\nci viewer sha256:${HASH}`),
    /line 2: token name 'ci' appears twice/,
  );
});
