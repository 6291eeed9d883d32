/**
 * GitHub's login, which is OAuth 2 without OpenID Connect: `oauth4webapi` runs the code flow
 * (state, PKCE) against `https://<domain>/login/oauth/*`, then the user's e-mails come from
 * `GET /user/emails` with their token, and only a verified one that `--auth` allows is used, as
 * Flower's `GithubLoginHandler` does. GitHub Enterprise: `FLOWER_GITHUB_OAUTH_DOMAIN`.
 */
import * as oauth from "oauth4webapi";
import * as v from "valibot";
import type { LoginFlow } from "./login.ts";
import { loginFailed, type LoginResult, type StartedLogin } from "./oidc_client.ts";

const Emails = v.array(v.looseObject({ email: v.string(), verified: v.boolean() }));

/** Options for {@linkcode githubFlow}. */
export interface GithubOptions {
  /** `FLOWER_GITHUB_OAUTH_DOMAIN`: a host (`github.com`) or a URL with its scheme. */
  domain: string;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  /** Whether `--auth` allows an e-mail: the first verified one it allows is the user's. */
  allowed: (email: string) => boolean;
}

/** Flower's API host is `api.<domain>`; a URL-form domain (GitHub Enterprise, tests) uses `/api/v3`. */
function endpoints(domain: string): { web: string; api: string } {
  if (/^https?:\/\//i.test(domain)) {
    const web = domain.replace(/\/+$/, "");
    return { web, api: `${web}/api/v3` };
  }
  return { web: `https://${domain}`, api: `https://api.${domain}` };
}

/** The GitHub code flow as a {@linkcode LoginFlow}. */
export function githubFlow(options: GithubOptions): LoginFlow {
  const { web, api } = endpoints(options.domain);
  const as: oauth.AuthorizationServer = {
    issuer: web,
    authorization_endpoint: `${web}/login/oauth/authorize`,
    token_endpoint: `${web}/login/oauth/access_token`,
  };
  const client: oauth.Client = { client_id: options.clientId };
  const host = new URL(web).hostname;
  const insecure = {
    [oauth.allowInsecureRequests]: ["127.0.0.1", "localhost", "[::1]"].includes(host),
  };
  return {
    async start(): Promise<StartedLogin> {
      const state = oauth.generateRandomState();
      const verifier = oauth.generateRandomCodeVerifier();
      const url = new URL(as.authorization_endpoint!);
      url.searchParams.set("client_id", options.clientId);
      url.searchParams.set("redirect_uri", options.redirectUri);
      url.searchParams.set("response_type", "code");
      url.searchParams.set("scope", "user:email");
      url.searchParams.set("state", state);
      url.searchParams.set("code_challenge", await oauth.calculatePKCECodeChallenge(verifier));
      url.searchParams.set("code_challenge_method", "S256");
      return { url, state, verifier, nonce: "" };
    },
    async finish(url, login): Promise<LoginResult> {
      let params;
      try {
        params = oauth.validateAuthResponse(as, client, url.searchParams, login.state);
      } catch (error) {
        throw loginFailed("the provider's answer does not match this login", error);
      }
      let token;
      try {
        const response = await oauth.authorizationCodeGrantRequest(
          as,
          client,
          oauth.ClientSecretPost(options.clientSecret),
          params,
          options.redirectUri,
          login.verifier,
          insecure,
        );
        token = (await oauth.processAuthorizationCodeResponse(as, client, response)).access_token;
      } catch (error) {
        throw loginFailed("the provider refused the code", error);
      }
      let emails;
      try {
        const response = await fetch(`${api}/user/emails`, {
          headers: { Authorization: `Bearer ${token}`, Accept: "application/vnd.github+json" },
        });
        if (!response.ok) throw new Error(`GitHub answered ${response.status}`);
        emails = v.parse(Emails, await response.json());
      } catch (error) {
        throw loginFailed(
          "cannot read the account's e-mails: the app needs the user:email permission",
          error,
        );
      }
      const chosen = emails.find((e) => e.verified && options.allowed(e.email)) ??
        emails.find((e) => options.allowed(e.email)) ?? emails[0];
      if (!chosen) throw loginFailed("the account has no e-mail");
      return { email: chosen.email, emailVerified: chosen.verified, accessToken: token };
    },
  };
}
