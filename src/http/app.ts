/**
 * The Hono application: CORS, the auth gate, the routes, and the single error path. Routes stay
 * thin: they validate, call the state or a service, and shape JSON.
 */
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { StalkError } from "../errors.ts";
import { registerControlRoutes } from "./api/control.ts";
import { registerPublishRoutes } from "./api/publish.ts";
import { registerTaskRoutes } from "./api/tasks.ts";
import { registerWorkerRoutes } from "./api/workers.ts";
import { authGate, redirectToLogin, requireRole } from "./auth/gate.ts";
import { clientInfo } from "./client.ts";
import type { App, AppDeps, AppEnv } from "./deps.ts";
import { registerHealthRoute } from "./health.ts";
import { answerWrongMethods } from "./method_not_allowed.ts";
import { registerMetricsRoute } from "./metrics.ts";
import { permissiveCors } from "./middleware/cors.ts";
import { securityHeaders } from "./middleware/security_headers.ts";
import { errorResponse } from "./on_error.ts";
import { withUrlPrefix } from "./url_prefix.ts";

/**
 * The largest request body accepted (task arguments), far below RabbitMQ's default
 * `max_message_size` of 128 MiB, so a task the API accepts is one the broker accepts.
 */
export const MAX_BODY_BYTES = 16 << 20;

/** Builds the application. */
export function createApp(deps: AppDeps): App {
  const app = new Hono<AppEnv>();

  const web = deps.web;
  // A browser navigating gets error pages in the layout; API clients keep the JSON body.
  app.onError((error, c) => web?.errorPage(c, error) ?? errorResponse(error, c));
  app.use("*", securityHeaders());
  app.use("*", clientInfo({ xheaders: deps.xheaders ?? false }));
  // Flower sends CORS headers only when no authentication is configured.
  if (!deps.auth.required) app.use("*", permissiveCors());
  // Preflights answer before the gate: browsers send them without credentials.
  app.options("*", (c) => c.body(null, 204));
  // With an OAuth login, a browser without a session is sent to log in and come back.
  if (deps.login) app.use("*", redirectToLogin(deps.auth));
  app.use("*", authGate(deps.auth, { throttle: deps.loginThrottle }));
  app.use("*", requireRole(deps.control));
  app.use(
    "*",
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: () => {
        throw new StalkError(
          "payload_too_large",
          `Request body too large: at most ${MAX_BODY_BYTES} bytes are accepted`,
        );
      },
    }),
  );

  deps.login?.register(app, { throttle: deps.loginThrottle });
  registerHealthRoute(app, deps);
  registerMetricsRoute(app, deps);
  registerTaskRoutes(app, deps);
  registerWorkerRoutes(app, deps);
  registerControlRoutes(app, deps);
  registerPublishRoutes(app, deps);
  web?.register(app);
  answerWrongMethods(app);

  app.notFound((c) => {
    throw new StalkError("not_found", `No route for ${c.req.path}`);
  });
  const prefix = web?.urlPrefix ?? "";
  return prefix ? withUrlPrefix(app, prefix) : app;
}
