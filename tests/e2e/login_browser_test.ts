// Issue 12 in a real browser (Debian's chromium through playwright-core): the OAuth logins
// against a real OpenID provider (npm oidc-provider, with a sign-in form the browser fills in)
// and the GitHub stand-in, through every redirect; refusals; logout; session expiry; and the
// roles as the UI shows them and as the server enforces them, with a real Celery worker.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { CookieSigner } from "../../src/http/auth/session.ts";
import {
  api,
  type BrokerFixture,
  brokerFixture,
  celeryClient,
  CONTROL_BEFORE_HEART,
  sleep,
  type Stalk,
  startWorker,
  waitFor,
  type Worker,
} from "./_harness/mod.ts";
import { tempDir } from "./_harness/temp_dir.ts";
import { makeCertificates, type TestCertificates } from "./_harness/tls_certs.ts";
import { startGithub, type TestGithub } from "./_oidc/github.ts";
import { CLIENT_SECRET, startProvider, type TestProvider } from "./_oidc/provider.ts";
import { COOKIE_SECRET, startLoginStalks } from "./_oidc/stalks.ts";

const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];
/** A viewer token: the test's own reads, and proof that tokens work beside an OAuth login. */
const TOKEN = randomBytes(32).toString("hex");
const SHORT_TTL = 60;

describe("login in a browser", () => {
  let broker: BrokerFixture;
  let idp: TestProvider;
  let github: TestGithub;
  let worker: Worker;
  let browser: Browser;
  let stalks: Record<string, Stalk> = {};
  let certs: TestCertificates;
  const tokens = tempDir("stalk-login-tokens");
  /** The session on the short-lived Stalk, signed in before the tests run. */
  let expiring: { context: BrowserContext; cookie: string; at: number };

  /** A read through the API with the viewer token. */
  const read = <T>(stalk: Stalk, path: string) =>
    api<T>(stalk.url, path, { headers: { Authorization: `Bearer ${TOKEN}` } });

  /** A new browser (its own cookies) whose page fails the test on any page error. */
  async function open({ ignoreHTTPSErrors = false } = {}) {
    // The HTTPS Stalk's certificate comes from the test's own CA, which chromium does not know.
    const context = await browser.newContext({ ignoreHTTPSErrors });
    const page = await context.newPage();
    const problems: string[] = [];
    const visited: string[] = [];
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    page.on("request", (r) => r.isNavigationRequest() && visited.push(r.url()));
    page.on("dialog", (d) => void d.accept());
    return { context, page, problems, visited };
  }

  /**
   * Opens `path` on `stalk`, signs in at the provider's form as `email`, and returns Stalk's
   * answer to the provider's redirect back (the callback).
   */
  async function signIn(
    page: Page,
    stalk: Stalk,
    email: string,
    { path = "/tasks?state=FAILURE", verified = true } = {},
  ) {
    await page.goto(`${stalk.url}${path}`);
    await page.getByLabel("E-mail").fill(email);
    if (!verified) await page.getByLabel("Verified").uncheck();
    const callback = page.waitForResponse((r) =>
      r.url().startsWith(stalk.url) && new URL(r.url()).searchParams.has("code")
    );
    await page.getByRole("button", { name: "Sign in" }).click();
    const response = await callback;
    await page.waitForLoadState();
    return response;
  }

  /** The session cookie the browser holds for `stalk`, if any. */
  const sessionCookie = async (context: BrowserContext, stalk: Stalk) =>
    (await context.cookies(stalk.url)).find((c) => c.name === "stalk_session");

  before(async () => {
    const hash = createHash("sha256").update(TOKEN).digest("hex");
    writeFileSync(join(tokens.path, "tokens"), `e2e-reader viewer sha256:${hash}\n`);
    [broker, idp, github, certs] = await Promise.all([
      brokerFixture(),
      startProvider({ form: true }),
      startGithub("stalk-github", CLIENT_SECRET),
      makeCertificates(),
    ]);
    idp.routes.set(
      "/api/v4/groups",
      (email) =>
        email === "carol@example.com" ? [{ full_path: "acme/dev" }] : [
          { full_path: "acme/ops" },
        ],
    );
    [stalks, worker, browser] = await Promise.all([
      startLoginStalks(broker.brokerUrl, idp, github, {
        oidc: {
          kind: "oidc",
          args: ["--auth_operator=otto@example.com", `--api_tokens=${tokens.path}/tokens`],
        },
        short: { kind: "oidc", args: [`--session_ttl=${SHORT_TTL}`] },
        prefixed: { kind: "oidc", prefix: "flower" },
        https: { kind: "oidc", tls: { cert: certs.serverCert, key: certs.serverKey } },
        google: { kind: "google" },
        okta: { kind: "okta" },
        gitlab: { kind: "gitlab", env: { FLOWER_GITLAB_AUTH_ALLOWED_GROUPS: "acme/ops" } },
        github: { kind: "github" },
      }),
      startWorker({
        brokerUrl: broker.brokerUrl,
        name: "login",
        concurrency: 2,
        env: CONTROL_BEFORE_HEART,
      }),
      chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: CHROMIUM_ARGS }),
    ]);
    await waitFor(async () => {
      const seen = await read<Record<string, boolean>>(stalks.oidc, "/api/workers?status=true");
      return seen.json?.[worker.name];
    }, { message: "the worker to be seen" });
    // Signed in now and looked at last, once the session has run out.
    const { context, page } = await open();
    assert.equal((await signIn(page, stalks.short, "alice@example.com")).status(), 302);
    const cookie = await sessionCookie(context, stalks.short);
    assert.ok(cookie, "the short session is open");
    expiring = { context, cookie: cookie.value, at: Date.now() };
  });

  after(async () => {
    await browser?.close();
    await Promise.allSettled([
      ...Object.values(stalks).map((stalk) => stalk.stop()),
      worker?.stop(),
      idp?.close(),
      github?.close(),
    ]);
    await broker?.remove();
    tokens.remove();
    certs?.remove();
  });

  for (const kind of ["oidc", "google", "okta", "gitlab"]) {
    test(`${kind}: a page asks for a login, and the sign-in lands back on it`, async () => {
      const stalk = stalks[kind];
      const { context, page, problems, visited } = await open();
      const response = await signIn(page, stalk, "alice@example.com");
      assert.equal(response.status(), 302);
      assert.equal(page.url(), `${stalk.url}/tasks?state=FAILURE`);
      assert.ok(
        visited.includes(`${stalk.url}/login?next=%2Ftasks%3Fstate%3DFAILURE`),
        `${visited}`,
      );
      await page.locator("table.list").waitFor();
      const cookie = await sessionCookie(context, stalk);
      assert.ok(cookie?.httpOnly && cookie.sameSite === "Lax" && !cookie.secure, `${cookie}`);
      const left = cookie.expires - Date.now() / 1000;
      assert.ok(left > 43_100 && left <= 43_200, `the session lasts 12 h, ${left} s left`);
      assert.deepEqual(problems, []);
      await context.close();
    });
  }

  test("github: the browser goes to GitHub and back, and lands on next", async () => {
    github.as([{ email: "alice@example.com", verified: true, primary: true }]);
    const { context, page, visited } = await open();
    await page.goto(`${stalks.github.url}/workers`);
    assert.equal(page.url(), `${stalks.github.url}/workers`);
    assert.ok(visited.some((url) => url.startsWith(`${github.url}/login/oauth/authorize?`)));
    await page.getByText(worker.name).first().waitFor();
    await context.close();
  });

  test("under --url_prefix the login keeps the prefix all the way", async () => {
    const stalk = stalks.prefixed;
    const { context, page } = await open();
    const response = await signIn(page, stalk, "alice@example.com", { path: "/flower/tasks" });
    assert.equal(response.status(), 302);
    assert.equal(page.url(), `${stalk.url}/flower/tasks`);
    await page.locator("table.list").waitFor();
    const signOut = page.getByRole("link", { name: "Sign out" });
    assert.equal(await signOut.getAttribute("href"), "/flower/logout");
    await signOut.click();
    await page.getByRole("heading", { name: "Signed out" }).waitFor();
    assert.equal(await sessionCookie(context, stalk), undefined);
    await context.close();
  });

  test("over HTTPS (--certfile) the login's cookies are Secure", async () => {
    const stalk = stalks.https;
    const { context, page } = await open({ ignoreHTTPSErrors: true });
    const flow = page.waitForResponse((r) => r.url() === `${stalk.url}/login?next=%2Ftasks`);
    const response = await signIn(page, stalk, "alice@example.com", { path: "/tasks" });
    assert.match((await (await flow).allHeaders())["set-cookie"], /stalk_login=.*Secure/);
    assert.equal(response.status(), 302);
    assert.equal(page.url(), `${stalk.url}/tasks`);
    const cookie = await sessionCookie(context, stalk);
    assert.ok(cookie?.secure && cookie.httpOnly, `${JSON.stringify(cookie)}`);
    await context.close();
  });

  /** Asserts the callback was refused with `reason` on the page, and no session was made. */
  async function refused(stalk: Stalk, email: string, reason: RegExp, verified = true) {
    const { context, page } = await open();
    const response = await signIn(page, stalk, email, { verified });
    assert.equal(response.status(), 403);
    assert.match(await page.locator("body").innerText(), reason);
    assert.equal(await sessionCookie(context, stalk), undefined);
    await context.close();
  }

  test("an e-mail outside --auth sees a 403 page and gets no session", async () => {
    await refused(stalks.oidc, "mallory@evil.example", /access denied to 'mallory@evil\.example'/);
  });

  test("an unverified e-mail is refused", async () => {
    await refused(stalks.oidc, "alice@example.com", /not verified/, false);
  });

  test("gitlab: a user outside the allowed groups is refused", async () => {
    await refused(stalks.gitlab, "carol@example.com", /in none of the allowed GitLab groups/);
  });

  test("next=https://elsewhere.example lands on this server's / instead", async () => {
    for (const next of ["https://elsewhere.example/x", "//elsewhere.example/x"]) {
      const { context, page } = await open();
      const path = `/login?next=${encodeURIComponent(next)}`;
      assert.equal((await signIn(page, stalks.oidc, "alice@example.com", { path })).status(), 302);
      assert.equal(page.url(), `${stalks.oidc.url}/`);
      await context.close();
    }
  });

  test("a callback works once, and only in the browser that started the login", async () => {
    const stalk = stalks.oidc;
    const mine = await open();
    // Playwright cannot hold a redirect's target, so the callback is read on its way through.
    let callback = "";
    mine.page.on("request", (r) => {
      const url = new URL(r.url());
      if (url.pathname === "/login" && url.searchParams.has("code")) callback = r.url();
    });
    assert.equal((await signIn(mine.page, stalk, "alice@example.com")).status(), 302);
    assert.ok(callback && (await sessionCookie(mine.context, stalk)));
    const replay = await mine.page.goto(callback);
    assert.equal(replay?.status(), 403, "the same callback again");

    // Another browser that started its own login is handed this one's callback (login CSRF).
    const theirs = await open();
    await theirs.page.goto(`${stalk.url}/login`);
    await theirs.page.getByLabel("E-mail").waitFor();
    const foreign = await theirs.page.goto(callback);
    assert.equal(foreign?.status(), 403);
    assert.match(await theirs.page.locator("body").innerText(), /does not match this login/);
    assert.equal(await sessionCookie(theirs.context, stalk), undefined);
    await Promise.all([mine.context.close(), theirs.context.close()]);
  });

  test("a tampered or expired session cookie sends the browser to sign in", async () => {
    const stalk = stalks.oidc;
    const signer = new CookieSigner(COOKIE_SECRET);
    const good = await signer.sign({ email: "alice@example.com", sid: "t" }, 3600);
    const tampered = good.replace(/^(.{5})(.)/, (_, a, b) => a + (b === "A" ? "B" : "A"));
    const expired = await signer.sign({ email: "alice@example.com", sid: "e" }, -1);
    for (const value of [tampered, expired]) {
      const { context, page } = await open();
      await context.addCookies([{ name: "stalk_session", value, url: stalk.url }]);
      await page.goto(`${stalk.url}/tasks`);
      await page.getByLabel("E-mail").waitFor();
      assert.ok(page.url().startsWith(idp.issuer), page.url());
      await context.close();
    }
  });

  test("/logout ends the session: a signed-out page, and the next page asks again", async () => {
    const stalk = stalks.oidc;
    const { context, page, visited } = await open();
    await signIn(page, stalk, "alice@example.com");
    const kept = (await sessionCookie(context, stalk))!.value;
    // Every page names who is signed in and offers to sign out.
    assert.match(await page.locator("header .who").innerText(), /alice@example\.com/);
    await page.getByRole("link", { name: "Sign out" }).click();
    await page.getByRole("heading", { name: "Signed out" }).waitFor();
    assert.equal(await sessionCookie(context, stalk), undefined);
    const copy = await fetch(`${stalk.url}/api/tasks`, {
      headers: { Cookie: `stalk_session=${kept}` },
    });
    assert.equal(copy.status, 401, "a copy of the cookie kept elsewhere is refused too");
    await copy.body?.cancel();
    visited.length = 0;
    await page.getByRole("link", { name: "Sign in again" }).click();
    await page.waitForLoadState();
    assert.ok(visited.some((url) => url.startsWith(`${idp.issuer}/auth?`)), `${visited}`);
    await context.close();
  });

  /** Sends a task that runs for a minute; returns its id once the worker has started it. */
  async function longTask(): Promise<string> {
    const [id] = (await celeryClient({
      broker: broker.brokerUrl,
      send: [{ name: "tasks.nap", args: [60] }],
    })).ids;
    await waitFor(async () => {
      const task = await read<{ state?: string }>(stalks.oidc, `/api/task/info/${id}`);
      return task.json?.state === "STARTED";
    }, { timeout: 20_000, message: `task ${id} to start` });
    return id;
  }

  /** POSTs `path` from inside the page, with its cookies, as a crafted form would. */
  const post = (page: Page, path: string, body = "") =>
    page.evaluate(async ([path, body]) => {
      const response = await fetch(path, {
        method: "POST",
        body,
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
      });
      return { status: response.status, text: await response.text() };
    }, [path, body]);

  test("a viewer sees no action buttons, and the server refuses the actions anyway", async () => {
    const stalk = stalks.oidc;
    const id = await longTask();
    const { context, page } = await open();
    await signIn(page, stalk, "alice@example.com", { path: `/task/${id}` });
    await page.getByText("may look but not act: actions need the operator role").waitFor();
    assert.equal(await page.getByRole("button", { name: /Revoke|Terminate/ }).count(), 0);
    await page.goto(`${stalk.url}/worker/${encodeURIComponent(worker.name)}`);
    assert.equal(await page.getByRole("button", { name: /Shut down|Grow/ }).count(), 0);

    const api = await post(page, `/api/task/revoke/${id}`, "terminate=true");
    assert.equal(api.status, 403);
    assert.match(api.text, /needs the operator role; 'alice@example\.com' has the viewer role/);
    const form = await post(page, `/task/${id}`, "action=terminate&signal=SIGKILL");
    assert.equal(form.status, 403);
    await sleep(500);
    const task = await read<{ state?: string }>(stalk, `/api/task/info/${id}`);
    assert.equal(task.json?.state, "STARTED", "the task still runs");
    await context.close();
  });

  test("an operator may terminate a task from its page, but not act on workers", async () => {
    const stalk = stalks.oidc;
    const id = await longTask();
    const { context, page } = await open();
    await signIn(page, stalk, "otto@example.com", {
      path: `/worker/${encodeURIComponent(worker.name)}`,
    });
    await page.getByText("these actions need the admin role").first().waitFor();
    assert.equal(await page.getByRole("button", { name: /Shut down|Grow/ }).count(), 0);
    const grow = await post(page, `/api/worker/pool/grow/${encodeURIComponent(worker.name)}?n=1`);
    assert.equal(grow.status, 403);
    assert.match(grow.text, /needs the admin role; 'otto@example\.com' has the operator role/);

    await page.goto(`${stalk.url}/task/${id}`);
    await page.locator("html[data-patches]").waitFor();
    await page.locator("select[name=signal]").selectOption("SIGKILL");
    await page.getByRole("button", { name: "Terminate" }).click();
    await waitFor(async () => {
      const task = await read<{ state?: string }>(stalk, `/api/task/info/${id}`);
      return ["REVOKED", "FAILURE"].includes(task.json?.state ?? "");
    }, { timeout: 15_000, message: `task ${id} to be terminated` });
    await context.close();
  });

  test("an admin sees the worker's controls and may grow its pool", async () => {
    const stalk = stalks.oidc;
    const { context, page } = await open();
    await signIn(page, stalk, "boss@example.com", {
      path: `/worker/${encodeURIComponent(worker.name)}`,
    });
    await page.getByRole("button", { name: "Shut down" }).waitFor();
    // A live patch may replace the form: act once the first one has come, if one comes.
    await page.locator("html[data-patches]").waitFor({ timeout: 5_000 }).catch(() => {});
    await page.getByRole("button", { name: "Grow" }).click();
    const toast = page.locator(".toast");
    await toast.waitFor();
    assert.doesNotMatch(await toast.getAttribute("class") ?? "", /bad/, await toast.innerText());
    await context.close();
  });

  test(`a session ends after --session_ttl=${SHORT_TTL}, even if the cookie is kept`, async () => {
    const stalk = stalks.short;
    const left = expiring.at + SHORT_TTL * 1000 + 1500 - Date.now();
    if (left > 0) await sleep(left);
    const page = await expiring.context.newPage();
    const visited: string[] = [];
    page.on("request", (r) => r.isNavigationRequest() && visited.push(r.url()));
    // The browser dropped the cookie at its Max-Age; put it back, as a copy kept would be.
    await expiring.context.addCookies([
      { name: "stalk_session", value: expiring.cookie, url: stalk.url, expires: -1 },
    ]);
    const copy = await fetch(`${stalk.url}/api/tasks`, {
      headers: { Cookie: `stalk_session=${expiring.cookie}` },
    });
    assert.equal(copy.status, 401);
    await copy.body?.cancel();
    await page.goto(`${stalk.url}/tasks`);
    assert.ok(visited.includes(`${stalk.url}/login?next=%2Ftasks`), `${visited}`);
    await expiring.context.close();
  });
});
