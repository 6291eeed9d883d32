/**
 * A real Prometheus server (Debian's `prometheus` package) on a free loopback port, scraping
 * one target every second and evaluating a rule file every second, with its data in a
 * temporary folder. Read through Prometheus' own HTTP API (`/api/v1/...`).
 */

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import * as v from "valibot";
import { freePort } from "./port.ts";
import { spawnGroup } from "./process.ts";
import { tempDir } from "./temp_dir.ts";
import { waitFor } from "./wait.ts";

/** The Prometheus binary: `STALK_PROMETHEUS`, or Debian's. */
export const prometheusPath: string = process.env.STALK_PROMETHEUS ?? "/usr/bin/prometheus";

/** One series of an instant vector. */
export interface Sample {
  metric: Record<string, string>;
  /** The value as a number (`NaN`, `+Inf` included). */
  value: number;
}

/** A running Prometheus. */
export interface Prometheus {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** `GET /api/v1/<path>` with `params`; the `data` member of a successful answer. */
  get(path: string, params?: Record<string, string | string[]>): Promise<unknown>;
  /** An instant query; throws on a PromQL error or a result that is not a vector. */
  query(expr: string): Promise<Sample[]>;
  output(): string;
  stop(): Promise<void>;
}

const Envelope = v.variant("status", [
  v.object({ status: v.literal("success"), data: v.unknown() }),
  v.object({ status: v.literal("error"), errorType: v.string(), error: v.string() }),
]);

const Vector = v.object({
  resultType: v.picklist(["vector", "scalar"]),
  result: v.union([
    v.array(v.object({
      metric: v.record(v.string(), v.string()),
      value: v.tuple([v.number(), v.string()]),
    })),
    v.tuple([v.number(), v.string()]),
  ]),
});

/**
 * Starts Prometheus scraping `target` (`host:port`, path `/metrics`) with `rules` (the text of
 * a rule file) and waits until it is ready.
 */
export async function startPrometheus(target: string, rules: string): Promise<Prometheus> {
  const dir = tempDir("stalk-prometheus");
  const port = await freePort();
  writeFileSync(join(dir.path, "rules.yml"), rules);
  writeFileSync(
    join(dir.path, "prometheus.yml"),
    [
      "global:",
      "  scrape_interval: 1s",
      "  scrape_timeout: 1s",
      "  evaluation_interval: 1s",
      "rule_files: [rules.yml]",
      "scrape_configs:",
      "  - job_name: stalk",
      `    static_configs: [{ targets: ["${target}"] }]`,
      "",
    ].join("\n"),
  );
  const child = spawnGroup(`prometheus :${port}`, prometheusPath, [
    `--config.file=${join(dir.path, "prometheus.yml")}`,
    `--storage.tsdb.path=${join(dir.path, "data")}`,
    `--web.listen-address=127.0.0.1:${port}`,
    "--log.level=warn",
  ], { cwd: dir.path });
  const url = `http://127.0.0.1:${port}`;
  const get = async (path: string, params: Record<string, string | string[]> = {}) => {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(params)) {
      for (const one of [value].flat()) search.append(key, one);
    }
    const response = await fetch(`${url}/api/v1/${path}?${search}`);
    const body = v.parse(Envelope, await response.json());
    if (body.status === "error") {
      throw new Error(`Prometheus refused ${path} ${search}: ${body.errorType}: ${body.error}`);
    }
    return body.data;
  };
  const prometheus: Prometheus = {
    url,
    get,
    async query(expr) {
      const data = v.parse(Vector, await get("query", { query: expr }));
      if (data.resultType === "scalar") throw new Error(`'${expr}' is a scalar, not a vector`);
      const result = data.result as { metric: Record<string, string>; value: [number, string] }[];
      return result.map(({ metric, value }) => ({ metric, value: Number(value[1]) }));
    },
    output: child.output,
    async stop() {
      await child.stop(5_000);
      dir.remove();
    },
  };
  const exited = new AbortController();
  child.exited.then(({ code, signal }) => {
    exited.abort(new Error(`Prometheus exited with ${code ?? signal}: ${child.output()}`));
  });
  try {
    await waitFor(async () => (await fetch(`${url}/-/ready`)).ok, {
      timeout: 30_000,
      message: `Prometheus on :${port} to be ready`,
      signal: exited.signal,
    });
  } catch (error) {
    await prometheus.stop();
    throw error;
  }
  return prometheus;
}
