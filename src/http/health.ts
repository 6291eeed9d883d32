/** `GET /healthcheck`: 200 `OK` while the broker connection is up, 503 with the reason when not. */
import { redactUrl } from "../celery/redact_url.ts";
import type { App, HealthDeps } from "./deps.ts";

/** Registers the health route. */
export function registerHealthRoute(app: App, deps: HealthDeps): void {
  app.get("/healthcheck", (c) => {
    const status = deps.health();
    if (status.connected) return c.text("OK");
    return c.text(redactUrl(`Broker unavailable: ${status.reason ?? "not connected"}`), 503);
  });
}
