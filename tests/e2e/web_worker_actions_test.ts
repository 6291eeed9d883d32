// Issue 11, the worker page's actions driven in a real browser (Debian's chromium through
// playwright-core) against real Celery workers. Each action is checked by its effect on the
// worker, asked through Stalk's API (a fresh inspection) or Celery's own inspect, never only by
// the button or the toast: grow and shrink change the pool's processes, add-consumer makes the
// worker run a task from a new queue and cancel stops it consuming, rate and time limits are
// what the worker reports, pool restart replaces its processes, autoscale sets its autoscaler,
// and shutdown (after a confirmation) ends the worker process while its page turns Offline.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
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
  waitFor,
  waitForTaskState,
  type Worker,
  workerStatus,
} from "./_harness/mod.ts";

interface WorkerInfo {
  stats?: {
    pool?: { processes?: number[] };
    autoscaler?: { min?: number; max?: number };
  };
  active_queues?: { name: string }[];
  registered?: string[];
}

describe("worker page actions in a browser", () => {
  const rand = () => randomBytes(3).toString("hex");
  const opsQueue = `web-ops-${rand()}`;
  let broker: BrokerFixture;
  let stalk: Stalk;
  /** Prefork, 2 processes, on the default queue. */
  let pool: Worker;
  /** Prefork with --autoscale=3,1 and pool restarts allowed, on a private queue; shut down last. */
  let ops: Worker;
  let browser: Browser;

  /** Stalk's fresh inspection of `worker` (the API asks the worker again). */
  const inspect = async (worker: Worker): Promise<WorkerInfo> => {
    const response = await api<Record<string, WorkerInfo>>(
      stalk.url,
      `/api/workers?refresh=true&workername=${encodeURIComponent(worker.name)}`,
    );
    assert.equal(response.status, 200, response.text);
    return response.json?.[worker.name] ?? {};
  };
  const processes = async (worker: Worker) => (await inspect(worker)).stats?.pool?.processes ?? [];
  const queues = async (worker: Worker) =>
    ((await inspect(worker)).active_queues ?? []).map((queue) => queue.name);

  /** Celery's own `inspect registered <items>` of `worker`: the entry of `task`. */
  const registered = async (worker: Worker, task: string, items: string[]) => {
    const reply = await celeryClient({
      broker: broker.brokerUrl,
      send: [],
      inspect: { method: "registered", args: items, destination: [worker.name] },
    });
    const entries = (reply.inspect?.[worker.name] ?? []) as string[];
    return entries.find((entry) => entry === task || entry.startsWith(`${task} `)) ?? "";
  };

  /** The worker's page on `tab`, with its stream connected; dialogs are accepted unless told. */
  const open = async (worker: Worker, tab: string, dialogs: "accept" | "dismiss" = "accept") => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    const asked: string[] = [];
    page.on("console", (m) => m.type() === "error" && problems.push(`console: ${m.text()}`));
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    page.on("dialog", (d) => {
      asked.push(d.message());
      void (dialogs === "accept" ? d.accept() : d.dismiss());
    });
    await page.goto(`${stalk.url}/worker/${encodeURIComponent(worker.name)}?tab=${tab}`);
    await page.locator("#live[data-live=on]").waitFor();
    return { page, problems, asked };
  };

  /** Clicks `button` and waits for the toast with the worker's answer; returns its text. */
  const act = async (page: Page, click: () => Promise<void>) => {
    await page.locator(".toast").evaluateAll((toasts) => toasts.forEach((t) => t.remove()));
    await click();
    const toast = page.locator(".toast");
    await toast.waitFor({ timeout: 10_000 });
    return {
      text: await toast.innerText(),
      bad: await toast.evaluate((t) => t.classList.contains("bad")),
    };
  };

  before(async () => {
    broker = await brokerFixture();
    [stalk, pool, ops, browser] = await Promise.all([
      startStalk({ brokerUrl: broker.brokerUrl }),
      startWorker({
        brokerUrl: broker.brokerUrl,
        name: "webpool",
        concurrency: 2,
        env: CONTROL_BEFORE_HEART,
      }),
      startWorker({
        brokerUrl: broker.brokerUrl,
        name: "webops",
        queues: [opsQueue],
        extraArgs: ["--autoscale=3,1"],
        env: { ...CONTROL_BEFORE_HEART, STALK_E2E_POOL_RESTARTS: "1" },
      }),
      chromium.launch({ executablePath: "/usr/bin/chromium" }),
    ]);
    await waitFor(async () => {
      const status = await workerStatus(stalk.url);
      return status[pool.name] && status[ops.name];
    }, { timeout: 15_000, message: "both workers to be seen" });
    // The pages show inspect data: wait until each worker has answered one inspection.
    await waitFor(
      async () => (await inspect(pool)).stats && (await inspect(ops)).stats,
      { timeout: 20_000, message: "both workers to answer an inspection" },
    );
  });

  after(async () => {
    await browser?.close();
    await Promise.allSettled([stalk?.stop(), pool?.stop(), ops?.stop()]);
    await broker?.remove();
  });

  test("grow and shrink on the pool tab change the worker's processes, and the page follows", async () => {
    assert.equal((await processes(pool)).length, 2);
    const { page, problems } = await open(pool, "pool");
    await page.getByLabel("Processes").fill("2");
    const grown = await act(page, () => page.getByRole("button", { name: "Grow" }).click());
    assert.equal(grown.bad, false, grown.text);
    await waitFor(async () => (await processes(pool)).length === 4, {
      timeout: 10_000,
      message: "the pool to have 4 processes",
    });
    // The page patches itself with the new inspection (no reload).
    const pids = await processes(pool);
    await waitFor(async () => {
      const text = await page.locator("#worker").innerText();
      return pids.every((pid) => text.includes(String(pid)));
    }, { timeout: 10_000, message: "the page to list the 4 processes" });

    await page.getByLabel("Processes").fill("1");
    const shrunk = await act(page, () => page.getByRole("button", { name: "Shrink" }).click());
    assert.equal(shrunk.bad, false, shrunk.text);
    await waitFor(async () => (await processes(pool)).length === 3, {
      timeout: 10_000,
      message: "the pool to have 3 processes",
    });
    assert.deepEqual(problems, []);
    await page.close();
  });

  test("add consumer makes the worker run tasks from a new queue; cancel consumer stops it", async () => {
    const queue = `web-extra-${rand()}`;
    const { page, problems } = await open(pool, "queues");
    await page.getByLabel("Queue").fill(queue);
    const added = await act(page, () => page.getByRole("button", { name: "Add consumer" }).click());
    assert.equal(added.bad, false, added.text);
    await waitFor(async () => (await queues(pool)).includes(queue), {
      timeout: 10_000,
      message: `the worker to consume ${queue}`,
    });
    const [id] = (await celeryClient({
      broker: broker.brokerUrl,
      send: [{ name: "tasks.add", args: [2, 3], options: { queue } }],
    })).ids;
    const done = await waitForTaskState(stalk.url, id, "SUCCESS");
    assert.equal(done.worker, pool.name, "the worker ran the task from the new queue");

    const row = page.locator("#worker tr", { hasText: queue });
    await row.waitFor({ timeout: 10_000 });
    const cancelled = await act(
      page,
      () => row.getByRole("button", { name: "Cancel consumer" }).click(),
    );
    assert.equal(cancelled.bad, false, cancelled.text);
    await waitFor(async () => !(await queues(pool)).includes(queue), {
      timeout: 10_000,
      message: `the worker to stop consuming ${queue}`,
    });
    await row.waitFor({ state: "detached", timeout: 10_000 });
    assert.deepEqual(problems, []);
    await page.close();
  });

  test("rate and time limits from the limits tab are what the worker then reports", async () => {
    const { page, problems } = await open(pool, "limits");
    const row = page.locator("#worker tr", { hasText: "tasks.add" }).first();
    await row.getByLabel("Rate limit of tasks.add").fill("100/m");
    const rated = await act(page, () => row.getByRole("button", { name: "Apply" }).first().click());
    assert.equal(rated.bad, false, rated.text);
    assert.match(await registered(pool, "tasks.add", ["rate_limit"]), /rate_limit=100\/m/);
    // Stalk's own inspection carries it too, and the tab shows it.
    await waitFor(async () => /rate limit 100\/m/.test(await row.innerText()), {
      timeout: 10_000,
      message: "the limits tab to show the new rate limit",
    });

    await row.getByLabel("Soft").fill("30");
    await row.getByLabel("Hard").fill("60");
    const timed = await act(page, () => row.getByRole("button", { name: "Apply" }).nth(1).click());
    assert.equal(timed.bad, false, timed.text);
    const entry = await registered(pool, "tasks.add", ["soft_time_limit", "time_limit"]);
    assert.match(entry, /soft_time_limit=30(\.0)?\b/);
    assert.match(entry, /time_limit=60(\.0)?\b/);
    assert.deepEqual(problems, []);
    await page.close();
  });

  test("pool restart and autoscale reach a worker that allows them", async () => {
    const { page, problems, asked } = await open(ops, "pool");
    // Restart first: the autoscaler, once moved, adds and removes processes by itself.
    const before = await processes(ops);
    assert.ok(before.length > 0);
    const restarted = await act(
      page,
      () => page.getByRole("button", { name: "Restart pool" }).click(),
    );
    assert.equal(restarted.bad, false, restarted.text);
    assert.ok(
      asked.some((message) => /Restart this worker's pool/.test(message)),
      "it asked first",
    );
    let seen: number[] = [];
    await waitFor(async () => {
      seen = await processes(ops);
      return seen.length > 0 && seen.every((pid) => !before.includes(pid));
    }, { timeout: 40_000, interval: 500, message: "every pool process to be replaced" })
      .catch((error) => {
        throw new Error(`${error.message}; before ${before}, now ${seen}`);
      });

    await page.getByLabel("Minimum").fill("2");
    await page.getByLabel("Maximum").fill("3");
    const scaled = await act(page, () => page.getByRole("button", { name: "Autoscale" }).click());
    assert.equal(scaled.bad, false, scaled.text);
    await waitFor(async () => {
      const scaler = (await inspect(ops)).stats?.autoscaler;
      return scaler?.min === 2 && scaler?.max === 3;
    }, { timeout: 10_000, message: "the autoscaler to be min 2, max 3" });
    assert.deepEqual(problems, []);
    await page.close();
  });

  test("shut down asks first; refused, nothing happens; accepted, the worker exits and its page says Offline", async () => {
    const alive = () => {
      try {
        process.kill(ops.pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    const refused = await open(ops, "pool", "dismiss");
    await refused.page.getByRole("button", { name: "Shut down" }).click();
    assert.equal(refused.asked.length, 1);
    assert.match(refused.asked[0], /Shut down .*webops/);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.equal(await refused.page.locator(".toast").count(), 0, "no request was sent");
    assert.ok(alive(), "the worker still runs");
    assert.equal((await workerStatus(stalk.url))[ops.name], true);
    await refused.page.close();

    const { page, problems } = await open(ops, "pool");
    const done = await act(page, () => page.getByRole("button", { name: "Shut down" }).click());
    assert.equal(done.bad, false, done.text);
    await waitFor(() => !alive(), { timeout: 20_000, message: "the worker process to exit" });
    await page.locator("#worker-status .s-offline").waitFor({ timeout: 15_000 });
    assert.deepEqual(problems, []);
    await page.close();
  });
});
