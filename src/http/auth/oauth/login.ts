/**
 * `/login` and `/logout` for OAuth, and the session cookie as an auth provider. `/login` starts
 * the flow and is also the callback (Flower's `--oauth2_redirect_uri` points there). The flow's
 * state, PKCE verifier, nonce and `next` ride in a signed, ten-minute cookie bound to this
 * browser; each state is accepted once. Only verified e-mails that match `--auth` get a session.
 * A refused callback counts as a failed login for the throttle, as a wrong password does.
 */
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { StalkError } from "../../../errors.ts";
import type { App, AppEnv } from "../../deps.ts";
import { emailMatcher } from "../../../config_email_pattern.ts";
import { ExpiringSet } from "../expiring_set.ts";
import type { Identity, Role } from "../identity.ts";
import type { AuthProvider } from "../policy.ts";
import { CookieSigner, localPath } from "../session.ts";
import type { LoginThrottle } from "../throttle.ts";
import { loginFailed, type LoginResult, type StartedLogin } from "./oidc_client.ts";

const SESSION = "stalk_session";
const FLOW = "stalk_login";
const FLOW_TTL = 600;

/** What `/logout` answers. */
const SIGNED_OUT = `<!doctype html>
<html lang="en"><meta charset="utf-8"><title>Signed out · Stalk</title>
<main><h1>Signed out</h1><p>Your Stalk session has ended.</p>
<p><a href="login">Sign in again</a></p></main></html>
`;

/** One provider's code flow, as `/login` drives it. */
export interface LoginFlow {
  start(): Promise<StartedLogin>;
  finish(url: URL, login: Omit<StartedLogin, "url">): Promise<LoginResult>;
  /** Provider-specific checks after the e-mail (GitLab's groups); throws a 403. */
  admit?(result: LoginResult): Promise<void>;
}

/** Options for {@linkcode OAuthLogin}. */
export interface OAuthLoginOptions {
  flow: LoginFlow;
  signer: CookieSigner;
  /** `--auth`, `--auth_operator`, `--auth_admin`. */
  auth: string;
  authOperator?: string;
  authAdmin?: string;
  /** Seconds a session lasts (`--session_ttl`). */
  sessionTtl: number;
  /**
   * Used states, and ended sessions, remembered at most (each; default 100,000, about 15 MB):
   * past it the oldest are forgotten first.
   */
  maxRemembered?: number;
}

/** Options for {@linkcode OAuthLogin.register}. */
export interface LoginRouteOptions {
  /** Slows down repeated refused callbacks from one address; shared with basic auth. */
  throttle?: LoginThrottle;
  /** Waits `ms`; a test passes one that records instead of sleeping. */
  sleep?: (ms: number) => Promise<void>;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The OAuth login: its routes and the session provider. */
export class OAuthLogin {
  readonly #options: OAuthLoginOptions;
  readonly #allowed: (email: string) => boolean;
  readonly #operator?: (email: string) => boolean;
  readonly #admin?: (email: string) => boolean;
  /** States already used, until their flow cookie would have expired. */
  readonly #used: ExpiringSet;
  /** Sessions ended by `/logout`, until they would have expired. */
  readonly #ended: ExpiringSet;

  constructor(options: OAuthLoginOptions) {
    this.#options = options;
    this.#allowed = emailMatcher(options.auth);
    this.#operator = options.authOperator ? emailMatcher(options.authOperator) : undefined;
    this.#admin = options.authAdmin ? emailMatcher(options.authAdmin) : undefined;
    this.#used = new ExpiringSet(options.maxRemembered ?? 100_000);
    this.#ended = new ExpiringSet(options.maxRemembered ?? 100_000);
  }

  /** How many used states and ended sessions are remembered now (bounded, see the options). */
  get remembered(): { states: number; endedSessions: number } {
    return { states: this.#used.size, endedSessions: this.#ended.size };
  }

  /** The role an allowed e-mail gets. */
  roleOf(email: string): Role {
    if (this.#admin?.(email)) return "admin";
    if (this.#operator?.(email)) return "operator";
    return "viewer";
  }

  /** The session cookie as a provider; the e-mail is checked against `--auth` on every request. */
  provider(): AuthProvider {
    return {
      label: "session",
      authenticate: async (c): Promise<Identity | null> => {
        const payload = await this.#options.signer.verify(getCookie(c, SESSION));
        const email = payload?.email;
        if (typeof email !== "string" || !this.#allowed(email)) return null;
        if (this.#ended.has(String(payload?.sid))) return null;
        return { name: email, role: this.roleOf(email), via: "session" };
      },
      challenge: () => ({}),
    };
  }

  /** Registers `/login` and `/logout`. */
  register(app: App, options: LoginRouteOptions = {}): void {
    const { throttle, sleep = realSleep } = options;
    app.get("/login", async (c) => {
      const url = new URL(c.req.url);
      const answering = url.searchParams.has("state") || url.searchParams.has("code") ||
        url.searchParams.has("error");
      if (!answering) return this.#start(c);
      const address = c.get("client")?.address ?? "unknown";
      try {
        const response = await this.#callback(c, url);
        throttle?.succeed(address);
        return response;
      } catch (error) {
        // A refusal (403) is a failed login; an unreachable provider (503) is not the caller's.
        const refused = error instanceof StalkError && error.status === 403;
        const wait = refused && throttle ? throttle.fail(address) : 0;
        if (wait > 0) await sleep(wait);
        throw error;
      }
    });
    const logout = async (c: Context<AppEnv>) => {
      const payload = await this.#options.signer.verify(getCookie(c, SESSION));
      if (payload) this.#ended.add(String(payload.sid), Number(payload.exp));
      deleteCookie(c, SESSION, { path: "/" });
      // A page, not a redirect to /login: with the provider's own session still open, that
      // would sign the browser straight back in. The link is relative, so a URL prefix holds.
      return c.html(SIGNED_OUT, 200, { "Cache-Control": "no-store" });
    };
    app.get("/logout", logout);
    app.post("/logout", logout);
  }

  async #start(c: Context<AppEnv>): Promise<Response> {
    const next = localPath(c.req.query("next"));
    const login = await this.#options.flow.start();
    const value = await this.#options.signer.sign(
      { state: login.state, verifier: login.verifier, nonce: login.nonce, next },
      FLOW_TTL,
    );
    setCookie(c, FLOW, value, { ...this.#cookie(c), maxAge: FLOW_TTL });
    return c.redirect(login.url.toString(), 302);
  }

  async #callback(c: Context<AppEnv>, url: URL): Promise<Response> {
    const flow = await this.#options.signer.verify(getCookie(c, FLOW));
    deleteCookie(c, FLOW, { path: "/" });
    if (!flow || typeof flow.state !== "string") {
      throw loginFailed("this browser did not start the login, or it took too long");
    }
    if (this.#used.has(flow.state)) throw loginFailed("this login was already completed");
    this.#used.add(flow.state, Number(flow.exp));
    const result = await this.#options.flow.finish(url, {
      state: flow.state,
      verifier: String(flow.verifier),
      nonce: String(flow.nonce),
    });
    if (!result.emailVerified) {
      throw loginFailed(`the e-mail '${result.email}' is not verified by the provider`);
    }
    if (!this.#allowed(result.email)) {
      throw loginFailed(
        `access denied to '${result.email}': use another account or ask to be added to --auth`,
      );
    }
    await this.#options.flow.admit?.(result);
    const session = await this.#options.signer.sign(
      { email: result.email, sid: crypto.randomUUID() },
      this.#options.sessionTtl,
    );
    setCookie(c, SESSION, session, { ...this.#cookie(c), maxAge: this.#options.sessionTtl });
    return c.redirect(localPath(String(flow.next)), 302);
  }

  #cookie(c: Context<AppEnv>) {
    const secure = c.get("client")?.https ?? false;
    return { path: "/", httpOnly: true, sameSite: "Lax" as const, secure };
  }
}
