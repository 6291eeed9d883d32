import { test } from "node:test";
import assert from "node:assert/strict";
import { loadConfig } from "../../../../../src/config.ts";
import { oauthLoginFor } from "../../../../../src/http/auth/oauth/from_config.ts";

const FULL = [
  "--auth=.*@example.com",
  "--oauth2_key=id",
  "--oauth2_secret=secret",
  "--oauth2_redirect_uri=https://stalk.example.com/login",
];

function config(argv: string[], env: Record<string, string> = {}) {
  const command = loadConfig(argv, env, () => undefined);
  return command.kind === "run" ? command.config : assert.fail("not a run command");
}

test("no --auth_provider, no OAuth login", () => {
  assert.equal(oauthLoginFor(config([]), () => {}), undefined);
});

test("a provider without its options stops start-up naming each one missing", () => {
  assert.throws(
    () => oauthLoginFor(config(["--auth_provider=google", "--oauth2_key=id"]), () => {}),
    /--auth_provider=google needs --auth, --oauth2_secret, --oauth2_redirect_uri/,
  );
  assert.throws(
    () => oauthLoginFor(config(["--auth_provider=oidc", ...FULL]), () => {}),
    /--oauth2_issuer/,
  );
  assert.throws(
    () => oauthLoginFor(config(["--auth_provider=okta", ...FULL]), () => {}),
    /FLOWER_OAUTH2_OKTA_BASE_URL/,
  );
});

test("without --cookie_secret a random one is used, with a warning", () => {
  const warnings: string[] = [];
  assert.ok(oauthLoginFor(config(["--auth_provider=google", ...FULL]), (w) => warnings.push(w)));
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /logins end when Stalk restarts and differ between replicas/);
  const quiet: string[] = [];
  oauthLoginFor(
    config(["--auth_provider=google", ...FULL, "--cookie_secret=0123456789abcdef0123"]),
    (w) => quiet.push(w),
  );
  assert.deepEqual(quiet, []);
});

test("roles come from --auth_admin, then --auth_operator, else viewer", () => {
  const login = oauthLoginFor(
    config([
      "--auth_provider=google",
      ...FULL,
      "--auth_operator=.*@example.com",
      "--auth_admin=boss@example.com|lead@example.com",
    ]),
    () => {},
  )!;
  assert.equal(login.roleOf("boss@example.com"), "admin");
  assert.equal(login.roleOf("dev@example.com"), "operator");
  const viewers = oauthLoginFor(config(["--auth_provider=google", ...FULL]), () => {})!;
  assert.equal(viewers.roleOf("dev@example.com"), "viewer");
});
