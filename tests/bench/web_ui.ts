/**
 * The tasks page with a full store (issue #11): its server time for the views the indexes
 * serve, and its first paint in Debian's chromium (playwright-core, Performance API
 * `first-contentful-paint`), against the same Stalk the API benchmark uses.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import type { Stalk } from "../e2e/_harness/stalk.ts";

/** The views measured: the default, deep pages, other sorts, filters, a search. */
export const UI_VIEWS = [
  "",
  "?offset=500000",
  "?sort_by=name",
  "?sort_by=-started&offset=300000",
  "?state=FAILURE",
  "?state=FAILURE&offset=50000",
  "?workername=celery%40bench-w3",
  "?taskname=app.mail.send_welcome_email&state=SUCCESS",
  "?limit=100&sort_by=state",
  "?search=state%3AFAILURE",
];

/** Chromium's flags for a quiet, offline, repeatable browser. */
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** One view's figures. */
export interface UiViewSample {
  view: string;
  /** Wall time of `GET /tasks<view>` (HTML, whole body), ms, one request at a time. */
  serverMs: number[];
  /** First contentful paint of each navigation, ms from its start; the first is cold. */
  paintMs: number[];
  /** Time to the response's first byte of each navigation, ms. */
  firstByteMs: number[];
}

/** Measures every view of `UI_VIEWS` on `stalk`: `requests` GETs and `loads` navigations each. */
export async function uiRun(
  stalk: Stalk,
  requests: number,
  loads: number,
): Promise<UiViewSample[]> {
  const samples: UiViewSample[] = [];
  for (const view of UI_VIEWS) {
    const serverMs: number[] = [];
    for (let i = 0; i < requests; i++) {
      const started = performance.now();
      const response = await fetch(`${stalk.url}/tasks${view}`, {
        headers: { Accept: "text/html" },
      });
      await response.arrayBuffer();
      if (response.status !== 200) throw new Error(`GET /tasks${view} answered ${response.status}`);
      serverMs.push(performance.now() - started);
    }
    samples.push({ view, serverMs, paintMs: [], firstByteMs: [] });
  }
  const profile = mkdtempSync(join(tmpdir(), "stalk-bench-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: CHROMIUM_ARGS,
  });
  try {
    const page = await context.newPage();
    for (const sample of samples) {
      for (let i = 0; i < loads; i++) {
        await page.goto(`${stalk.url}/tasks${sample.view}`, { waitUntil: "load" });
        await page.waitForFunction(
          () => performance.getEntriesByName("first-contentful-paint").length > 0,
          undefined,
          { timeout: 10_000 },
        );
        const [paint, firstByte] = await page.evaluate(() => [
          performance.getEntriesByName("first-contentful-paint")[0].startTime,
          (performance.getEntriesByType("navigation")[0] as unknown as { responseStart: number })
            .responseStart,
        ]);
        sample.paintMs.push(paint);
        sample.firstByteMs.push(firstByte);
      }
    }
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
  return samples;
}
