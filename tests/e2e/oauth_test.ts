// Issue 12, OAuth login: the oidc, Google, Okta and GitLab configurations against a real OpenID
// provider (npm oidc-provider) on loopback, driven hop by hop with fetch and a cookie jar.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { CookieSigner } from "../../src/http/auth/session.ts";
import { type BrokerFixture, brokerFixture, type Stalk } from "./_harness/mod.ts";
import { TestBrowser } from "./_oidc/browser.ts";
import { startGithub, type TestGithub } from "./_oidc/github.ts";
import { CLIENT_SECRET, startProvider, type TestProvider } from "./_oidc/provider.ts";
import { COOKIE_SECRET, startLoginStalks } from "./_oidc/stalks.ts";
const ALICE = { email: "alice@example.com", email_verified: true };
const BOSS = { email: "boss@example.com", email_verified: true };

describe("OAuth login against a real OpenID provider", () => {
  let broker: BrokerFixture;
  let idp: TestProvider;
  let github: TestGithub;
  const stalks: Record<string, Stalk> = {};

  before(async () => {
    [broker, idp, github] = await Promise.all([
      brokerFixture(),
      startProvider(),
      startGithub("stalk-github", CLIENT_SECRET),
    ]);
    // GitLab's groups API, answered for the holder of a token the provider issued.
    idp.routes.set(
      "/api/v4/groups",
      (email) =>
        email === ALICE.email ? [{ full_path: "acme/dev" }, { full_path: "acme/ops" }] : [
          { full_path: "acme/dev" },
        ],
    );
    Object.assign(
      stalks,
      await startLoginStalks(broker.brokerUrl, idp, github, {
        oidc: { kind: "oidc" },
        google: { kind: "google" },
        okta: { kind: "okta" },
        github: { kind: "github" },
        gitlab: {
          kind: "gitlab",
          env: { FLOWER_GITLAB_AUTH_ALLOWED_GROUPS: "acme/ops, acme/sre" },
        },
      }),
    );
  });

  after(async () => {
    await Promise.allSettled(Object.values(stalks).map((stalk) => stalk.stop()));
    await Promise.allSettled([idp?.close(), github?.close()]);
    await broker?.remove();
  });

  /** Logs `user` in on `stalk` from `/login?next=`; returns the browser and the last hop. */
  async function login(stalk: Stalk, user: typeof ALICE, next = "/tasks?state=FAILURE") {
    idp.as(user);
    const browser = new TestBrowser();
    const hop = await browser.go(
      `${stalk.url}/login?next=${encodeURIComponent(next)}`,
      (url) => url.startsWith(stalk.url) && !url.startsWith(`${stalk.url}/login`),
    );
    return { browser, hop };
  }

  for (const kind of ["oidc", "google", "okta", "gitlab"]) {
    test(`${kind}: login lands on next, and the session opens the API as a viewer`, async () => {
      const stalk = stalks[kind];
      const { browser, hop } = await login(stalk, ALICE);
      assert.equal(hop.status, 302, hop.text);
      assert.equal(hop.location, `${stalk.url}/tasks?state=FAILURE`);
      const tasks = await browser.hop(`${stalk.url}/api/tasks`);
      assert.equal(tasks.status, 200, tasks.text);
      const shutdown = await browser.hop(`${stalk.url}/api/worker/shutdown/w@x`, {
        method: "POST",
      });
      assert.equal(shutdown.status, 403);
      assert.match(shutdown.text, /needs the admin role; 'alice@example\.com' has the viewer/);
    });
  }

  test("the session cookie is HttpOnly and SameSite=Lax, with the session's Max-Age", async () => {
    idp.as(ALICE);
    const browser = new TestBrowser();
    const stalk = stalks.oidc;
    let hop = await browser.hop(`${stalk.url}/login`);
    while (hop.location && !hop.location.startsWith(`${stalk.url}/login?`)) {
      hop = await browser.hop(hop.location);
    }
    const response = await fetch(hop.location!, {
      redirect: "manual",
      headers: { Cookie: `stalk_login=${browser.cookie(stalk.url, "stalk_login")}` },
    });
    const cookie = response.headers.getSetCookie().find((c) => c.startsWith("stalk_session="));
    assert.ok(cookie, "a session cookie is set");
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Lax/);
    assert.match(cookie, /Max-Age=43200/);
    assert.doesNotMatch(cookie, /Secure/, "plain HTTP without --xheaders is not secure");
    await response.body?.cancel();
  });

  test("an --auth_admin e-mail may shut a worker down (404: there is none)", async () => {
    const { browser } = await login(stalks.oidc, BOSS);
    const shutdown = await browser.hop(`${stalks.oidc.url}/api/worker/shutdown/w@x`, {
      method: "POST",
    });
    assert.equal(shutdown.status, 404, shutdown.text);
  });

  test("an e-mail outside --auth gets 403 and no session", async () => {
    const { browser, hop } = await login(stalks.oidc, {
      email: "mallory@evil.example",
      email_verified: true,
    });
    assert.equal(hop.status, 403, hop.text);
    assert.match(hop.text, /access denied to 'mallory@evil\.example'/);
    assert.equal(browser.cookie(stalks.oidc.url, "stalk_session"), undefined);
  });

  test("gitlab: a user outside FLOWER_GITLAB_AUTH_ALLOWED_GROUPS is refused", async () => {
    const { browser, hop } = await login(stalks.gitlab, {
      email: "carol@example.com",
      email_verified: true,
    });
    assert.equal(hop.status, 403, hop.text);
    assert.match(hop.text, /'carol@example\.com' is in none of the allowed GitLab groups/);
    assert.equal(browser.cookie(stalks.gitlab.url, "stalk_session"), undefined);
  });

  /** A GitHub login from `/login?next=/workers` for an account with `emails`. */
  function githubLogin(emails: { email: string; verified: boolean; primary: boolean }[]) {
    github.as(emails);
    const browser = new TestBrowser();
    const stalk = stalks.github;
    return browser.go(
      `${stalk.url}/login?next=/workers`,
      (url) => url.startsWith(stalk.url) && !url.startsWith(`${stalk.url}/login`),
    ).then((hop) => ({
      browser,
      hop,
    }));
  }

  test("github: the verified e-mail --auth allows logs in and lands on next", async () => {
    const { browser, hop } = await githubLogin([
      { email: "me@gmail.example", verified: true, primary: true },
      { email: "alice@example.com", verified: true, primary: false },
    ]);
    assert.equal(hop.status, 302, hop.text);
    assert.equal(hop.location, `${stalks.github.url}/workers`);
    const tasks = await browser.hop(`${stalks.github.url}/api/tasks`);
    assert.equal(tasks.status, 200, tasks.text);
  });

  test("github: an allowed but unverified e-mail is refused", async () => {
    const { hop } = await githubLogin([
      { email: "alice@example.com", verified: false, primary: true },
    ]);
    assert.equal(hop.status, 403, hop.text);
    assert.match(hop.text, /not verified/);
  });

  test("github: a wrong PKCE verifier is refused by the token endpoint", async () => {
    github.as([{ email: "alice@example.com", verified: true, primary: true }]);
    const browser = new TestBrowser();
    const stalk = stalks.github;
    const hop = await browser.go(
      `${stalk.url}/login`,
      (url) => url.startsWith(`${stalk.url}/login?`),
    );
    const signer = new CookieSigner(COOKIE_SECRET);
    const genuine = await signer.verify(browser.cookie(stalk.url, "stalk_login"));
    const forged = await signer.sign({ ...genuine, verifier: "y".repeat(43) }, 600);
    const response = await fetch(hop.location!, {
      redirect: "manual",
      headers: { Cookie: `stalk_login=${forged}` },
    });
    assert.equal(response.status, 403);
    assert.match(await response.text(), /refused the code/);
  });

  test("an unverified e-mail is refused", async () => {
    const { hop } = await login(stalks.oidc, { email: "new@example.com", email_verified: false });
    assert.equal(hop.status, 403, hop.text);
    assert.match(hop.text, /not verified/);
  });

  test("next=https://elsewhere.example lands on / instead", async () => {
    const { hop } = await login(stalks.oidc, ALICE, "https://elsewhere.example/x");
    assert.equal(hop.location, `${stalks.oidc.url}/`);
    const { hop: slashes } = await login(stalks.oidc, ALICE, "//elsewhere.example/x");
    assert.equal(slashes.location, `${stalks.oidc.url}/`);
  });

  /** Runs a login up to the provider's redirect back to Stalk; returns that callback URL. */
  async function callbackUrl(browser: TestBrowser, stalk: Stalk): Promise<string> {
    idp.as(ALICE);
    const hop = await browser.go(
      `${stalk.url}/login?next=/`,
      (url) => url.startsWith(`${stalk.url}/login?`),
    );
    assert.ok(hop.location?.startsWith(`${stalk.url}/login?`), hop.text);
    return hop.location!;
  }

  test("a callback without the browser's login cookie (missing state) fails", async () => {
    const url = await callbackUrl(new TestBrowser(), stalks.oidc);
    const hop = await new TestBrowser().hop(url);
    assert.equal(hop.status, 403);
    assert.match(hop.text, /did not start the login/);
  });

  test("a replayed callback fails, even with the login cookie kept", async () => {
    const browser = new TestBrowser();
    const url = await callbackUrl(browser, stalks.oidc);
    const flow = browser.cookie(stalks.oidc.url, "stalk_login");
    assert.equal((await browser.hop(url)).status, 302);
    const replay = await fetch(url, {
      redirect: "manual",
      headers: { Cookie: `stalk_login=${flow}` },
    });
    assert.equal(replay.status, 403);
    assert.match(await replay.text(), /already completed/);
  });

  test("another browser's state (a foreign state) fails", async () => {
    const mine = new TestBrowser();
    const theirs = new TestBrowser();
    await callbackUrl(mine, stalks.oidc);
    const url = await callbackUrl(theirs, stalks.oidc);
    const hop = await mine.hop(url);
    assert.equal(hop.status, 403);
    assert.match(hop.text, /does not match this login/);
  });

  test("a wrong PKCE verifier is refused by the provider, and the login fails", async () => {
    const browser = new TestBrowser();
    const url = await callbackUrl(browser, stalks.oidc);
    const signer = new CookieSigner(COOKIE_SECRET);
    const genuine = await signer.verify(browser.cookie(stalks.oidc.url, "stalk_login"));
    const forged = await signer.sign({ ...genuine, verifier: "x".repeat(43) }, 600);
    const response = await fetch(url, {
      redirect: "manual",
      headers: { Cookie: `stalk_login=${forged}` },
    });
    assert.equal(response.status, 403);
    assert.match(await response.text(), /refused the code/);
  });

  test("a tampered or expired session cookie is refused", async () => {
    const stalk = stalks.oidc;
    const signer = new CookieSigner(COOKIE_SECRET);
    const { browser } = await login(stalk, ALICE);
    const good = browser.cookie(stalk.url, "stalk_session")!;
    const tampered = good.slice(0, 5) + (good[5] === "A" ? "B" : "A") + good.slice(6);
    const expired = await signer.sign({ email: ALICE.email, sid: "s1" }, -1);
    for (const cookie of [tampered, expired]) {
      const response = await fetch(`${stalk.url}/api/tasks`, {
        headers: { Cookie: `stalk_session=${cookie}` },
      });
      assert.equal(response.status, 401);
      await response.body?.cancel();
    }
  });

  test("a page without a session redirects to /login with the page as next", async () => {
    const response = await fetch(`${stalks.oidc.url}/tasks?x=1`, {
      redirect: "manual",
      headers: { Accept: "text/html" },
    });
    assert.equal(response.status, 302);
    assert.equal(response.headers.get("location"), "/login?next=%2Ftasks%3Fx%3D1");
    await response.body?.cancel();
  });

  test("/logout ends the session, even for a copy of the cookie kept elsewhere", async () => {
    const stalk = stalks.oidc;
    const { browser } = await login(stalk, ALICE);
    const kept = browser.cookie(stalk.url, "stalk_session");
    const out = await browser.hop(`${stalk.url}/logout`);
    assert.equal(out.status, 200);
    assert.match(out.text, /Signed out/);
    assert.equal(browser.cookie(stalk.url, "stalk_session"), undefined);
    const response = await fetch(`${stalk.url}/api/tasks`, {
      headers: { Cookie: `stalk_session=${kept}` },
    });
    assert.equal(response.status, 401);
    await response.body?.cancel();
  });
});
