/** `GET /metrics`: Flower's Prometheus metrics in the text exposition format. */
import type { AppDeps, Register } from "./app.ts";

/** Registers the metrics route. */
export function registerMetricsRoute(route: Register, deps: AppDeps): void {
  route(
    "GET",
    "/metrics",
    (c) =>
      c.body(deps.metrics(), 200, { "Content-Type": "text/plain; version=0.0.4; charset=utf-8" }),
  );
}
