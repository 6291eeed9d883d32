import { test } from "node:test";
import assert from "node:assert/strict";
import { StalkError } from "../../../../../src/errors.ts";
import { OidcClient } from "../../../../../src/http/auth/oauth/oidc_client.ts";

/** A client for an issuer on a loopback port nothing listens on. */
const unreachable = () =>
  new OidcClient({
    issuer: "http://127.0.0.1:9",
    clientId: "stalk",
    clientSecret: "secret-that-must-not-leak",
    redirectUri: "http://127.0.0.1:5555/login",
    scope: "openid email",
  });

test("an unreachable issuer is a 503 at the start and at the callback, never a refusal", async () => {
  const isUnavailable = (error: unknown) =>
    error instanceof StalkError && error.status === 503 &&
    /Cannot reach the identity provider/.test(error.message) &&
    !error.message.includes("secret-that-must-not-leak");
  await assert.rejects(unreachable().start(), isUnavailable);
  // After a restart between the start and the callback, discovery first runs at the callback.
  const url = new URL("http://127.0.0.1:5555/login?code=c&state=s");
  await assert.rejects(
    unreachable().finish(url, { state: "s", verifier: "v", nonce: "n" }),
    isUnavailable,
  );
});
