// Issue 11, the web UI in a real browser (Debian's chromium through playwright-core) against
// Stalk and a real Celery worker: pages render real data without console errors, update live,
// send actions that reach the worker, show hostile task data as text, work under a URL prefix,
// and refuse what read-only mode and other sites must not do. Screenshots of every page, light
// and dark, go to .test-tmp/screenshots/.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import {
  api,
  type BrokerFixture,
  brokerFixture,
  celeryClient,
  CONTROL_BEFORE_HEART,
  type Stalk,
  startStalk,
  startWorker,
  type TaskToSend,
  waitFor,
  waitForTaskState,
  type Worker,
  workerStatus,
} from "./_harness/mod.ts";
import { repoRoot } from "./_harness/paths.ts";

const SHOTS = join(repoRoot, ".test-tmp", "screenshots");
const XSS = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>'];
/** Escapes `text` for a RegExp. */
const literal = (text: string) => new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));

describe("web UI in a browser", () => {
  let broker: BrokerFixture;
  let stalk: Stalk;
  /** Read-only, under --url_prefix=flower. */
  let locked: Stalk;
  let worker: Worker;
  /** A second worker on a queue of its own, so the dashboard has rows to sort. */
  let second: Worker;
  /** Sends events but never answers inspection (remote control disabled). */
  let mute: Worker;
  const secondQueue = `web-second-${Date.now().toString(36)}`;
  let browser: Browser;
  let ids: { add: string; error: string; xss: string };

  /** Sends tasks through a real Celery client; returns their ids. */
  const send = async (...tasks: TaskToSend[]) =>
    (await celeryClient({ broker: broker.brokerUrl, send: tasks })).ids;

  /** A page that fails the test on any console error, page error or dialog. */
  const open = async (scheme: "light" | "dark" = "light", width = 1280, confirm = false) => {
    const page = await browser.newPage({ colorScheme: scheme, viewport: { width, height: 900 } });
    const problems: string[] = [];
    page.on("console", (m) => m.type() === "error" && problems.push(`console: ${m.text()}`));
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    page.on("dialog", (d) => {
      if (confirm && d.type() === "confirm") return void d.accept();
      problems.push(`dialog: ${d.type()} ${d.message()}`);
      void d.dismiss();
    });
    return { page, problems };
  };

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    broker = await brokerFixture();
    [stalk, locked, worker, browser] = await Promise.all([
      startStalk({ brokerUrl: broker.brokerUrl }),
      startStalk({ brokerUrl: broker.brokerUrl, args: ["--url_prefix=flower", "--read_only"] }),
      startWorker({
        brokerUrl: broker.brokerUrl,
        name: "web",
        concurrency: 2,
        env: CONTROL_BEFORE_HEART,
      }),
      chromium.launch({ executablePath: "/usr/bin/chromium" }),
    ]);
    [second, mute] = await Promise.all([
      startWorker({
        brokerUrl: broker.brokerUrl,
        name: "web2",
        pool: "solo",
        queues: [secondQueue],
        env: CONTROL_BEFORE_HEART,
      }),
      startWorker({
        brokerUrl: broker.brokerUrl,
        name: "mute",
        pool: "solo",
        queues: [`${secondQueue}-mute`],
        env: { STALK_E2E_NO_REMOTE_CONTROL: "1" },
      }),
    ]);
    await waitFor(async () => {
      const status = await workerStatus(stalk.url);
      return status[worker.name] && status[second.name] && status[mute.name];
    }, { message: "the workers to be seen" });
    // The worker page shows inspect data (stats, conf, queues): wait until it has answered one,
    // since a loaded worker can miss Stalk's first inspection.
    await waitFor(async () => {
      const response = await api<Record<string, { stats?: unknown; conf?: unknown }>>(
        stalk.url,
        "/api/workers?refresh=true",
      );
      const info = response.json?.[worker.name];
      return response.status === 200 && info?.stats !== undefined && info.conf !== undefined;
    }, { timeout: 20_000, message: "the worker to answer an inspection" });
    const [add, error, xss, onSecond] = await send(
      { name: "tasks.add", args: [20, 22] },
      { name: "tasks.error", args: ["boom"] },
      { name: "tasks.echo", args: XSS },
      { name: "tasks.add", args: [1, 1], options: { queue: secondQueue } },
    );
    ids = { add, error, xss };
    await waitForTaskState(stalk.url, onSecond, "SUCCESS");
    await waitForTaskState(stalk.url, add, "SUCCESS");
    await waitForTaskState(stalk.url, error, "FAILURE");
    await waitForTaskState(stalk.url, xss, "SUCCESS");
    await waitFor(async () => {
      const response = await fetch(`${locked.url}/flower/api/task/info/${xss}`);
      return response.ok && (await response.json()).state === "SUCCESS";
    }, { message: "the prefixed Stalk to see the task succeed" });
  });

  after(async () => {
    await browser?.close();
    await Promise.allSettled([
      stalk?.stop(),
      locked?.stop(),
      worker?.stop(),
      second?.stop(),
      mute?.stop(),
    ]);
    await broker?.remove();
  });

  test("every page renders real data without console errors, light and dark", async () => {
    const pages: [string, string, RegExp][] = [
      ["workers", "/workers", literal(worker.name)],
      ["tasks", "/tasks", /tasks\.add/],
      ["task", `/task/${ids.error}`, /ValueError/],
      ["broker", "/broker", /celery/],
      ["worker", `/worker/${encodeURIComponent(worker.name)}`, /max-concurrency/],
      ["worker-queues", `/worker/${encodeURIComponent(worker.name)}?tab=queues`, /celery/],
      [
        "worker-tasks",
        `/worker/${encodeURIComponent(worker.name)}?tab=tasks`,
        /Reserved \(/,
      ],
      ["worker-limits", `/worker/${encodeURIComponent(worker.name)}?tab=limits`, /tasks\.nap/],
      ["worker-config", `/worker/${encodeURIComponent(worker.name)}?tab=config`, /broker_url/],
      ["worker-system", `/worker/${encodeURIComponent(worker.name)}?tab=system`, /utime/],
      ["worker-broker", `/worker/${encodeURIComponent(worker.name)}?tab=broker`, /hostname/],
      ["worker-other", `/worker/${encodeURIComponent(worker.name)}?tab=other`, /uptime/],
      ["worker-mute", `/worker/${encodeURIComponent(mute.name)}`, /has not answered inspection/],
    ];
    for (const scheme of ["light", "dark"] as const) {
      const { page, problems } = await open(scheme);
      for (const [name, path, expected] of pages) {
        const response = await page.goto(stalk.url + path);
        assert.equal(response?.status(), 200, path);
        assert.match(await page.locator("main").innerText(), expected, path);
        await page.screenshot({ path: join(SHOTS, `${name}-${scheme}.png`), fullPage: true });
      }
      // State colours must read without colour too: the tasks page in greyscale.
      // (A page of its own lets the test inject the filter past the CSP.)
      const grey = await browser.newPage({ colorScheme: scheme, bypassCSP: true });
      await grey.setViewportSize({ width: 1280, height: 900 });
      await grey.goto(`${stalk.url}/tasks`);
      await grey.addStyleTag({ content: "html { filter: grayscale(1); }" });
      await grey.screenshot({ path: join(SHOTS, `tasks-grey-${scheme}.png`), fullPage: true });
      await grey.close();
      await page.setViewportSize({ width: 390, height: 800 });
      for (const [name, path] of [["tasks", "/tasks"], ["workers", "/workers"]]) {
        await page.goto(`${stalk.url}${path}`);
        await page.screenshot({ path: join(SHOTS, `${name}-phone-${scheme}.png`), fullPage: true });
        const width = Number(await page.evaluate("document.documentElement.scrollWidth"));
        assert.ok(width <= 390, `${path} fits a phone's width (${width} px)`);
      }
      const missing = await page.goto(`${stalk.url}/task/no-such-task`);
      assert.equal(missing?.status(), 404);
      await page.screenshot({ path: join(SHOTS, `not-found-${scheme}.png`) });
      assert.deepEqual(
        problems.filter((p) => !/404/.test(p)),
        [],
        "only the 404 page's own status is logged",
      );
      await page.close();
    }
  });

  test("hostile args show as text and open no dialog", async () => {
    const { page, problems } = await open();
    await page.goto(`${stalk.url}/task/${ids.xss}`);
    const text = await page.locator("main").innerText();
    for (const value of XSS) assert.ok(text.includes(value), `shows ${value}`);
    await page.goto(`${stalk.url}/tasks?columns=name,args,result`);
    assert.ok((await page.locator("main").innerText()).includes(XSS[0]));
    assert.equal(await page.locator("main img[src=x], main script").count(), 0);
    assert.deepEqual(problems, []);
    await page.close();
  });

  /** The key of the selected row, once one is. */
  const selectedKey = (page: Page) =>
    page.locator("table.list tr[aria-selected=true]").getAttribute("data-key");

  for (const [path, rowsOf] of [["/tasks", "task"], ["/workers", "worker"]] as const) {
    test(`keyboard on ${path}: / focuses search, j/k and arrows move, Enter opens`, async () => {
      const { page, problems } = await open();
      await page.goto(stalk.url + path);
      const keys = await page.locator("table.list tbody tr[data-key]").evaluateAll((rows) =>
        rows.map((row) => row.getAttribute("data-key")!)
      );
      assert.ok(keys.length >= 3, `${path} lists at least 3 rows: ${keys}`);
      await page.keyboard.press("/");
      assert.equal(await page.locator("input[type=search]:focus").count(), 1);
      // Keys typed in the box are text, not moves.
      await page.keyboard.type("j");
      assert.equal(await page.locator("input[type=search]").inputValue(), "j");
      assert.equal(await page.locator("tr[aria-selected=true]").count(), 0);
      await page.keyboard.press("Escape");
      assert.equal(await page.locator("input[type=search]:focus").count(), 0);
      await page.keyboard.press("j");
      assert.equal(await selectedKey(page), keys[0]);
      await page.keyboard.press("ArrowDown");
      await page.keyboard.press("j");
      assert.equal(await selectedKey(page), keys[2]);
      await page.keyboard.press("k");
      assert.equal(await selectedKey(page), keys[1]);
      await page.keyboard.press("ArrowUp");
      assert.equal(await selectedKey(page), keys[0]);
      await page.keyboard.press("ArrowDown");
      const target = rowsOf === "task"
        ? `/task/${keys[1]}`
        : `/worker/${encodeURIComponent(keys[1])}`;
      await Promise.all([page.waitForURL(`**${target}`), page.keyboard.press("Enter")]);
      assert.deepEqual(problems, []);
      await page.close();
    });
  }

  test("the workers dashboard searches and sorts by every column, the view in the URL", async () => {
    const { page, problems } = await open();
    const names = () =>
      page.locator("#worker-rows tr[data-key]").evaluateAll((rows) =>
        rows.map((row) => row.getAttribute("data-key")!)
      );
    await page.goto(`${stalk.url}/workers`);
    await page.locator("#live[data-live=on]").waitFor();
    const all = [worker.name, second.name, mute.name];
    assert.deepEqual([...(await names())].sort(), [...all].sort());
    // web ran 3 tasks, web2 one, mute none: Processed sorts them so, most first, then round.
    await Promise.all([
      page.waitForURL((url) => url.searchParams.get("sort_by") === "-processed"),
      page.locator("th a", { hasText: "Processed" }).click(),
    ]);
    assert.deepEqual(await names(), [worker.name, second.name, mute.name]);
    assert.equal(
      await page.locator("th[aria-sort=descending]").innerText(),
      "PROCESSED",
      "the sorted column says so",
    );
    await Promise.all([
      page.waitForURL((url) => url.searchParams.get("sort_by") === "processed"),
      page.locator("th a", { hasText: "Processed" }).click(),
    ]);
    assert.deepEqual(await names(), [mute.name, second.name, worker.name]);
    // Every column's header sorts, the URL holding it.
    for (
      const label of [
        "Worker",
        "Status",
        "Active",
        "Failed",
        "Succeeded",
        "Retried",
        "Load average",
      ]
    ) {
      const link = page.locator("thead th a", { hasText: new RegExp(`^${label}$`, "i") });
      const href = (await link.getAttribute("href"))!;
      await Promise.all([
        page.waitForURL((url) => url.pathname + url.search === href),
        link.click(),
      ]);
      assert.equal(await page.locator("thead th[aria-sort]").count(), 1, label);
      assert.match(await page.locator("thead th[aria-sort]").innerText(), new RegExp(label, "i"));
      assert.deepEqual([...(await names())].sort(), [...all].sort(), `${label} keeps every row`);
    }
    // The search narrows the rows and keeps the sort; the URL alone gives the same view.
    await page.goto(`${stalk.url}/workers?sort_by=-succeeded`);
    await page.locator("input[type=search]").fill("web");
    await Promise.all([
      page.waitForURL((url) => url.searchParams.get("search") === "web"),
      page.keyboard.press("Enter"),
    ]);
    assert.equal(new URL(page.url()).searchParams.get("sort_by"), "-succeeded");
    assert.deepEqual(await names(), [worker.name, second.name]);
    assert.match(await page.locator("tfoot").innerText(), /Total of 2 \/ 3/);
    await page.screenshot({ path: join(SHOTS, "workers-search-light.png"), fullPage: true });
    const shared = page.url();
    await page.goto(shared);
    assert.equal(await page.locator("input[type=search]").inputValue(), "web");
    assert.deepEqual(await names(), [worker.name, second.name]);
    // A live update keeps the view: a task on web2 lands in its row, the filter holding.
    await page.locator("#live[data-live=on]").waitFor();
    const before = Number(
      await page.locator(`tr[data-key="${second.name}"] td`).nth(3).innerText(),
    );
    await send({ name: "tasks.add", args: [2, 2], options: { queue: secondQueue } });
    await waitFor(
      async () =>
        Number(await page.locator(`tr[data-key="${second.name}"] td`).nth(3).innerText()) ===
          before + 1,
      { timeout: 15_000, message: "web2's processed count to go up live" },
    );
    assert.deepEqual(await names(), [worker.name, second.name]);
    await page.locator("input[type=search]").fill("no-such-worker");
    await page.keyboard.press("Enter");
    await page.waitForURL((url) => url.searchParams.get("search") === "no-such-worker");
    assert.match(await page.locator("#worker-rows").innerText(), /No worker matches/);
    const bad = await page.goto(`${stalk.url}/workers?sort_by=pid`);
    assert.equal(bad?.status(), 400);
    assert.deepEqual(problems.filter((p) => !/400/.test(p)), []);
    await page.close();
  });

  test("the worker page has every Flower tab, with the worker's own data", async () => {
    const { page, problems } = await open();
    const base = `${stalk.url}/worker/${encodeURIComponent(worker.name)}`;
    await page.goto(base);
    const tabs = await page.locator("nav.tabs a").allInnerTexts();
    assert.deepEqual(tabs, [
      "Pool",
      "Broker",
      "Queues",
      "Tasks",
      "Limits",
      "Config",
      "System",
      "Other",
    ]);
    const stats = (await api<Record<string, { stats: Record<string, unknown> }>>(
      stalk.url,
      `/api/workers?workername=${encodeURIComponent(worker.name)}`,
    )).json![worker.name].stats;
    const brokerStats = stats.broker as Record<string, unknown>;
    await page.goto(`${base}?tab=broker`);
    const brokerTab = await page.locator("#worker").innerText();
    for (const key of ["hostname", "port", "transport", "virtual_host"]) {
      assert.match(brokerTab, new RegExp(`${key}\\s+${String(brokerStats[key])}`), key);
    }
    assert.equal(
      String(brokerStats.port),
      process.env.STALK_E2E_BROKER === "redis" ? "6379" : "5672",
    );
    await page.goto(`${base}?tab=other`);
    const other = await page.locator("#worker").innerText();
    assert.match(other, /clock\s+\d+/);
    assert.match(other, /uptime\s+\d+/);
    assert.doesNotMatch(other, /rusage|prefetch_count/, "what other tabs show is not repeated");
    // Opened, the page asks the worker again: the processed totals include the tasks just run.
    await page.goto(`${base}?tab=tasks`);
    assert.match(await page.locator("#worker").innerText(), /tasks\.add\s+\d+/);
    assert.deepEqual(problems, []);
    await page.close();
  });

  test("a worker that does not answer inspection shows what its events know, and why", async () => {
    const { page, problems } = await open();
    for (const tab of ["pool", "broker", "config", "other"]) {
      const started = Date.now();
      const response = await page.goto(
        `${stalk.url}/worker/${encodeURIComponent(mute.name)}?tab=${tab}`,
      );
      assert.equal(response?.status(), 200, tab);
      assert.ok(Date.now() - started < 5000, "a silent worker does not hold its page up");
      const text = await page.locator("#worker").innerText();
      assert.match(text, /sends events but has not answered inspection/, tab);
      assert.match(text, /worker_enable_remote_control/, tab);
      assert.match(text, /Software\s+py-celery/, `${tab}: what events know`);
      assert.match(text, /Last heartbeat/, tab);
    }
    assert.match(await page.locator("#worker-status").innerText(), /Online/);
    assert.deepEqual(problems, []);
    await page.close();
  });

  test("without a login provider the layout offers no sign-out", async () => {
    const { page } = await open();
    await page.goto(`${stalk.url}/workers`);
    assert.equal(await page.getByRole("link", { name: "Sign out" }).count(), 0);
    await page.close();
  });

  test("the search box runs the API's search, keeps it in the URL and shows its errors", async () => {
    const { page, problems } = await open();
    /** Submits `query` from the box; returns the listed task ids. */
    const search = async (query: string) => {
      await page.locator("input[type=search]").fill(query);
      await Promise.all([
        page.waitForURL((url) => url.searchParams.get("search") === query),
        page.keyboard.press("Enter"),
      ]);
      const url = new URL(page.url());
      assert.equal(url.searchParams.get("search"), query, "the URL holds the query");
      assert.equal(url.searchParams.get("sort_by"), "received", "and the rest of the view");
      assert.equal(await page.locator("input[type=search]").inputValue(), query);
      return await page.locator("tr[data-key]").evaluateAll((rows) =>
        rows.map((row) => row.getAttribute("data-key")!)
      );
    };
    const apiIds = async (query: string) =>
      Object.keys(
        (await api<Record<string, unknown>>(
          stalk.url,
          `/api/tasks?sort_by=received&search=${encodeURIComponent(query)}`,
        )).json ?? {},
      );
    await page.goto(`${stalk.url}/tasks?sort_by=received`);
    const cases: [string, string[], string[]][] = [
      ["name:tasks.add OR state:FAILURE", [ids.add, ids.error], [ids.xss]],
      ['"alert(1)"', [ids.xss], [ids.add, ids.error]],
      ["tasks.error -state:SUCCESS", [ids.error], [ids.add, ids.xss]],
      [`uuid:${ids.add.slice(0, 8)}`, [ids.add], [ids.error, ids.xss]],
    ];
    for (const [query, shown, hidden] of cases) {
      const listed = await search(query);
      assert.deepEqual(listed, await apiIds(query), `${query}: the API's answer, in its order`);
      for (const id of shown) assert.ok(listed.includes(id), `${query} lists ${id}`);
      for (const id of hidden) assert.ok(!listed.includes(id), `${query} leaves out ${id}`);
    }

    const bad = "state:FAILURE AND (name:tasks.add";
    const refused = await api<{ error: string }>(
      stalk.url,
      `/api/tasks?search=${encodeURIComponent(bad)}`,
    );
    assert.equal(refused.status, 400);
    assert.deepEqual(await search(bad), [], "a refused search lists nothing");
    const alert = page.getByRole("alert");
    assert.equal(
      await alert.locator("strong").innerText(),
      `Search not understood: ${refused.json!.error}`,
    );
    assert.equal(await page.locator("input[type=search][aria-invalid=true]").count(), 1);
    await page.screenshot({ path: join(SHOTS, "tasks-search-error-light.png") });
    // The view is bookmarkable: reopened from its URL, the same error shows.
    await page.goto(page.url());
    assert.match(await page.getByRole("alert").innerText(), /Search not understood/);
    assert.ok((await search("name:tasks.add")).includes(ids.add), "fixed, the rows are back");
    assert.equal(await page.getByRole("alert").count(), 0);
    assert.deepEqual(problems, []);
    await page.close();
  });

  test("a new task appears without reload and its page follows its state live", async () => {
    const { page, problems } = await open();
    await page.goto(`${stalk.url}/tasks`);
    await page.locator("#live[data-live=on]").waitFor();
    const [id] = await send({ name: "tasks.nap", args: [1.5] });
    await page.locator(`tr[data-key="${id}"]`).waitFor({ timeout: 10_000 });
    await page.goto(`${stalk.url}/task/${id}`);
    await page.locator("#task .badge.s-SUCCESS").waitFor({ timeout: 15_000 });
    assert.deepEqual(problems, []);
    await page.close();
  });

  test("off the head of the list rows keep their place and take their new state; chips count live", async () => {
    const { page, problems } = await open();
    const [running] = await send({ name: "tasks.nap", args: [2.5] });
    await waitForTaskState(stalk.url, running, "STARTED");
    await page.goto(`${stalk.url}/tasks?taskname=tasks.nap&sort_by=name`);
    await page.locator("#live[data-live=on]").waitFor();
    const keys = () =>
      page.locator("#rows tr[data-key]").evaluateAll((rows) =>
        rows.map((row) => row.getAttribute("data-key"))
      );
    const order = await keys();
    assert.ok(order.includes(running));
    const count = async (state: string) =>
      Number((await page.locator(`#chips [data-state=${state}]`).innerText()).replace(/\D/g, ""));
    const all = await count("ALL");
    // The running task finishes: its row changes where it stands.
    await page.locator(`tr[data-key="${running}"] .badge.s-SUCCESS`).waitFor({ timeout: 15_000 });
    // A new task is counted, not inserted under the cursor.
    const [added] = await send({ name: "tasks.add", args: [1, 1] });
    await waitForTaskState(stalk.url, added, "SUCCESS");
    await page.locator("#fresh.shown").waitFor({ timeout: 10_000 });
    await waitFor(async () => (await count("ALL")) === all + 1, {
      message: "the All chip to count the new task",
    });
    assert.equal(await page.locator(`tr[data-key="${added}"]`).count(), 0);
    assert.deepEqual(await keys(), order, "no row moved");
    assert.deepEqual(problems, []);
    await page.close();
  });

  test("terminate and revoke from the task page reach the worker", async () => {
    const { page } = await open("light", 1280, true);
    const [long, later] = await send(
      { name: "tasks.nap", args: [60] },
      { name: "tasks.nap", args: [1], options: { countdown: 60 } },
    );
    await waitForTaskState(stalk.url, long, "STARTED");
    await page.goto(`${stalk.url}/task/${long}`);
    // The stream's first patch replaces the form: act on the one that stays.
    await page.locator("html[data-patches]").waitFor();
    await page.locator("select[name=signal]").selectOption("SIGKILL");
    await page.getByRole("button", { name: "Terminate" }).click();
    await waitForTaskState(stalk.url, long, ["REVOKED", "FAILURE"]);
    // The worker reports the killed task revoked, or failed with WorkerLostError after it.
    await page.locator("#task .badge.s-REVOKED, #task .badge.s-FAILURE").first()
      .waitFor({ timeout: 15_000 });

    await waitForTaskState(stalk.url, later, "RECEIVED");
    await page.goto(`${stalk.url}/task/${later}`);
    await page.locator("html[data-patches]").waitFor();
    await page.getByRole("button", { name: "Revoke" }).click();
    await page.locator(".toast").filter({ hasText: "Revoked" }).waitFor();
    await waitFor(async () => {
      const info = await api<Record<string, { revoked?: string[] }>>(
        stalk.url,
        `/api/workers?workername=${encodeURIComponent(worker.name)}&refresh=true`,
      );
      return info.json?.[worker.name]?.revoked?.includes(later);
    }, { timeout: 10_000, message: "the worker to list the task as revoked" });
    await page.close();
  });

  test("run again from a task page sends the same task, which the worker runs", async () => {
    const { page, problems } = await open("light", 1280, true);
    await page.goto(`${stalk.url}/task/${ids.add}`);
    await page.locator("html[data-patches]").waitFor();
    await Promise.all([
      page.waitForURL((url) => /\/task\//.test(url.pathname) && !url.pathname.endsWith(ids.add)),
      page.getByRole("button", { name: "Run again" }).click(),
    ]);
    const again = decodeURIComponent(new URL(page.url()).pathname.split("/").at(-1)!);
    assert.notEqual(again, ids.add);
    // The worker ran it: its own task-succeeded event carries the same answer.
    await page.locator("#task .badge.s-SUCCESS").waitFor({ timeout: 15_000 });
    const info = await api<Record<string, unknown>>(stalk.url, `/api/task/info/${again}`);
    assert.equal(info.json?.name, "tasks.add");
    assert.equal(info.json?.args, "[20, 22]");
    assert.equal(info.json?.result, "42");
    assert.equal(info.json?.worker, worker.name);
    assert.deepEqual(problems, []);
    await page.close();
  });

  test("under --url_prefix every link and stream works; read-only offers and takes no action", async () => {
    const { page, problems } = await open();
    const base = `${locked.url}/flower`;
    const hrefs = new Set<string>();
    for (const path of ["/workers", "/tasks", `/task/${ids.xss}`, "/broker"]) {
      await page.goto(base + path);
      await page.locator("#live[data-live=on]").waitFor();
      assert.equal(await page.locator("form[method=post]").count(), 0, `${path} has no action`);
      for (
        const href of await page.locator("a[href]").evaluateAll((as) =>
          as.map((a) => a.getAttribute("href")!)
        )
      ) {
        assert.match(href, /^\/flower\//, href);
        hrefs.add(href);
      }
    }
    for (const href of hrefs) {
      const response = await fetch(locked.url + href);
      await response.body?.cancel();
      assert.equal(response.status, 200, href);
    }
    const forged = await page.evaluate(async (url) => {
      const response = await fetch(url, {
        method: "POST",
        body: new URLSearchParams({ action: "revoke" }),
        headers: { "X-Stalk-Fetch": "1" },
      });
      return response.status;
    }, `${base}/task/${ids.xss}`);
    assert.equal(forged, 403);
    assert.deepEqual(problems.filter((p) => !/403/.test(p)), []);
    await page.close();
  });

  test("a cross-site form POST is refused", async () => {
    const { page } = await open();
    await page.goto(`${stalk.url}/worker/${encodeURIComponent(worker.name)}`);
    const token = await page.locator("input[name=csrf]").first().inputValue();
    const evil: Server = createServer((_, response) => {
      response.setHeader("Content-Type", "text/html");
      response.end(
        `<form method="post" action="${stalk.url}/task/${ids.add}">` +
          `<input name="csrf" value="${token}"><input name="action" value="revoke"></form>` +
          `<script>document.forms[0].submit()</script>`,
      );
    });
    await new Promise<void>((resolve) => evil.listen(0, "127.0.0.1", resolve));
    try {
      const port = (evil.address() as AddressInfo).port;
      const [response] = await Promise.all([
        page.waitForResponse((r) => r.request().method() === "POST"),
        page.goto(`http://localhost:${port}/`),
      ]);
      assert.equal(response.status(), 403);
      assert.match(await response.text(), /Refused a cross-site request/);
    } finally {
      evil.close();
    }
    await page.close();
  });
});
