/**
 * A real OpenID provider (npm `oidc-provider`) on loopback for the login tests. Its interaction
 * step logs in whichever test user `as(...)` named last, without a form, so a test drives the
 * whole code flow with plain fetch; with `{ form: true }` it shows a sign-in form instead (an
 * e-mail and a "verified" box) for a real browser to fill in. Everything else (PKCE, state,
 * codes, ID tokens, its own session) is the provider's own.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import Provider from "oidc-provider";

/** What the provider knows about a test user. */
export interface TestUser {
  email: string;
  email_verified: boolean;
}

/** The running provider. */
export interface TestProvider {
  issuer: string;
  /** Registers the relying parties (client id → redirect URI); call before the first login. */
  register(clients: Record<string, string>): void;
  /** Who the next interaction logs in. */
  as(user: TestUser): void;
  /** Extra routes (GitLab's groups API) answer here: path → handler. */
  routes: Map<string, (token: string | undefined) => unknown>;
  close(): Promise<void>;
}

/** The secret every test client uses. */
export const CLIENT_SECRET = "test-client-secret-0123456789";

/** The sign-in form a browser fills in, in form mode. */
const FORM = `<!doctype html><title>Test IdP sign-in</title>
<form method="post"><label>E-mail <input name="email" type="email" required></label>
<label><input name="verified" type="checkbox" checked> Verified</label>
<button type="submit">Sign in</button></form>`;

/** Starts the provider on a free loopback port; `form` asks a browser to sign in. */
export async function startProvider(options: { form?: boolean } = {}): Promise<TestProvider> {
  let provider: Provider | undefined;
  let user: TestUser = { email: "nobody@example.com", email_verified: true };
  const routes = new Map<string, (token: string | undefined) => unknown>();
  const users = new Map<string, TestUser>();
  const server: Server = createServer(async (req, res) => {
    try {
      const path = (req.url ?? "").split("?")[0];
      if (!provider) throw new Error("no clients registered yet");
      if (path.startsWith("/interaction/")) {
        const details = await provider.interactionDetails(req, res);
        if (options.form && req.method === "GET") {
          res.setHeader("Content-Type", "text/html; charset=utf-8");
          res.end(FORM);
          return;
        }
        if (options.form) {
          let body = "";
          for await (const chunk of req) body += chunk;
          const fields = new URLSearchParams(body);
          user = { email: fields.get("email") ?? "", email_verified: fields.has("verified") };
          users.set(user.email, user);
        }
        const grant = new provider.Grant({
          accountId: user.email,
          clientId: String(details.params.client_id),
        });
        grant.addOIDCScope(String(details.params.scope));
        const grantId = await grant.save();
        await provider.interactionFinished(req, res, {
          login: { accountId: user.email },
          consent: { grantId },
        }, { mergeWithLastSubmission: false });
        return;
      }
      const route = routes.get(path);
      if (route) {
        const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
        const known = token ? await provider.AccessToken.find(token) : undefined;
        res.setHeader("Content-Type", "application/json");
        res.end(JSON.stringify(known ? route(known.accountId) : { message: "401 Unauthorized" }));
        return;
      }
      provider.callback()(req, res);
    } catch (error) {
      res.statusCode = 500;
      res.end(String(error));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer,
    routes,
    register(clients) {
      provider = new Provider(issuer, {
        clients: Object.entries(clients).map(([id, redirect]) => ({
          client_id: id,
          client_secret: CLIENT_SECRET,
          redirect_uris: [redirect],
          grant_types: ["authorization_code"],
          response_types: ["code"],
          token_endpoint_auth_method: "client_secret_post",
        })),
        findAccount: (_ctx: unknown, id: string) => ({
          accountId: id,
          claims: () => ({ sub: id, ...(users.get(id) ?? {}) }),
        }),
        claims: { openid: ["sub"], email: ["email", "email_verified"] },
        scopes: ["openid", "email", "read_api"],
        conformIdTokenClaims: false,
        interactions: {
          url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}`,
        },
        features: { devInteractions: { enabled: false } },
        cookies: { keys: ["oidc-test-cookie-key"] },
      });
    },
    as(next) {
      user = next;
      users.set(next.email, next);
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
