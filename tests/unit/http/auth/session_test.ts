import { test } from "node:test";
import assert from "node:assert/strict";
import { CookieSigner, localPath } from "../../../../src/http/auth/session.ts";

test("a signed payload verifies until its expiry, on the fake clock", async () => {
  let now = 1_000;
  const signer = new CookieSigner("a-long-enough-secret", () => now);
  const value = await signer.sign({ email: "a@example.com" }, 60);
  assert.deepEqual(await signer.verify(value), { email: "a@example.com", exp: 1_060 });
  now = 1_059;
  assert.ok(await signer.verify(value));
  now = 1_060;
  assert.equal(await signer.verify(value), undefined, "expired at exp");
});

test("a tampered payload or signature, another secret, or garbage does not verify", async () => {
  const signer = new CookieSigner("a-long-enough-secret", () => 0);
  const value = await signer.sign({ email: "a@example.com" }, 60);
  const [body, mac] = value.split(".");
  const forgedBody = btoa(JSON.stringify({ email: "boss@example.com", exp: 60 })).replace(
    /=+$/,
    "",
  );
  for (
    const bad of [
      `${forgedBody}.${mac}`,
      `${body}.${mac.slice(0, -2)}xx`,
      `${body}.${mac}.extra`,
      "not a cookie",
      "",
      undefined,
    ]
  ) {
    assert.equal(await signer.verify(bad), undefined, String(bad));
  }
  assert.equal(await new CookieSigner("another-secret-entirely", () => 0).verify(value), undefined);
});

test("next must be a path on this server", () => {
  assert.equal(localPath("/tasks?state=FAILURE"), "/tasks?state=FAILURE");
  for (
    const bad of [
      "https://elsewhere.example",
      "//elsewhere.example/x",
      "/\\elsewhere.example",
      "javascript:alert(1)",
      "tasks",
      "/a\nLocation: x",
      "",
      undefined,
    ]
  ) {
    assert.equal(localPath(bad), "/", String(bad));
  }
});
