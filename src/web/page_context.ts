/** What every page component needs to know about the request it renders for. */
import type { Context } from "hono";
import type { TransportStatus } from "../broker/transport.ts";
import type { WebDeps } from "./deps.ts";
import { hasRole, type Identity, type Role } from "../http/auth/identity.ts";
import { Paths } from "./paths.ts";
import { csrfToken } from "./security.ts";

/** One request's rendering context. */
export interface PageContext {
  paths: Paths;
  /** The anti-forgery token for this caller's forms. */
  token: string;
  /** Whether action controls are shown: not read-only, and the API gate would let them in. */
  canAct: boolean;
  /** Why actions are not offered, when they are not. */
  noActionReason?: string;
  naturalTime: boolean;
  autoRefresh: boolean;
  broker: TransportStatus;
  now: number;
  /** Who is signed in through a login provider (OAuth), shown with a sign-out link. */
  session?: { name: string; signOut: string };
}

/**
 * The context for a page whose actions need `role` (the worker page's need an admin, as the
 * API's worker actions do): the same, with actions withdrawn from a caller below it.
 */
export function forRole(ctx: PageContext, c: Context, role: Role): PageContext {
  const identity = c.get("identity") as Identity | undefined;
  if (!ctx.canAct || !identity || hasRole(identity, role)) return ctx;
  return {
    ...ctx,
    canAct: false,
    noActionReason:
      `'${identity.name}' may look but not act here: these actions need the ${role} role.`,
  };
}

/** Builds the context of the request `c`. */
export function pageContext(c: Context, deps: WebDeps): PageContext {
  const { options } = deps;
  const identity = c.get("identity") as Identity | undefined;
  const reason = options.readOnly
    ? "Read-only mode: actions are disabled."
    : !options.actionsOpen
    ? "Actions need --basic_auth (or FLOWER_UNAUTHENTICATED_API=true), as the API does."
    : identity && !hasRole(identity, "operator")
    ? `'${identity.name}' may look but not act: actions need the operator role.`
    : undefined;
  const paths = new Paths(options.urlPrefix);
  return {
    paths,
    token: csrfToken(c, options.secret),
    canAct: reason === undefined,
    noActionReason: reason,
    naturalTime: options.naturalTime,
    autoRefresh: options.autoRefresh,
    broker: deps.health(),
    now: deps.now(),
    // Only a session can be ended here: basic auth and tokens live in the browser or client.
    session: identity?.via === "session"
      ? { name: identity.name, signOut: paths.to("/logout") }
      : undefined,
  };
}
