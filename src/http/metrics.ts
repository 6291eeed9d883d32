/** `GET /metrics`: Flower's Prometheus metrics in the text exposition format. */
import type { App, MetricsDeps } from "./deps.ts";

/** Registers the metrics route. */
export function registerMetricsRoute(app: App, deps: MetricsDeps): void {
  app.get(
    "/metrics",
    (c) =>
      c.body(deps.metrics(), 200, { "Content-Type": "text/plain; version=0.0.4; charset=utf-8" }),
  );
}
