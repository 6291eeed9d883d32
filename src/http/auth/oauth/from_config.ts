/**
 * The OAuth login the configuration asks for: which issuer each `--auth_provider` talks to,
 * the options it needs, and the cookie secret (random, with a warning, when none is given).
 */
import { randomBytes } from "node:crypto";
import type { Config } from "../../../config.ts";
import { ConfigError } from "../../../config.ts";
import { CookieSigner } from "../session.ts";
import { OAuthLogin } from "./login.ts";
import { OidcClient } from "./oidc_client.ts";
import { gitlabGroupCheck } from "./gitlab_groups.ts";
import { githubFlow } from "./github_client.ts";
import { emailMatcher } from "../../../config_email_pattern.ts";
import type { ProviderKind } from "../../../config_provider_names.ts";

/** A host name or, for tests and self-hosted instances, a URL with its scheme. */
function baseUrl(domain: string): string {
  return /^https?:\/\//i.test(domain) ? domain.replace(/\/+$/, "") : `https://${domain}`;
}

/** Okta's base URL is `https://<org>.okta.com/oauth2[/<server>]`; the org server's issuer drops `/oauth2`. */
function oktaIssuer(base: string): string {
  const trimmed = base.replace(/\/+$/, "");
  return trimmed.endsWith("/oauth2") ? trimmed.slice(0, -"/oauth2".length) : trimmed;
}

function issuerFor(kind: ProviderKind, config: Config): string {
  const { access } = config;
  if (access.oauth2Issuer) return access.oauth2Issuer;
  switch (kind) {
    case "google":
      return "https://accounts.google.com";
    case "gitlab":
      return baseUrl(access.gitlabOauthDomain);
    case "okta":
      if (!access.oktaBaseUrl) {
        throw new ConfigError("--auth_provider=okta needs FLOWER_OAUTH2_OKTA_BASE_URL");
      }
      return oktaIssuer(access.oktaBaseUrl);
    case "oidc":
      throw new ConfigError("--auth_provider=oidc needs --oauth2_issuer");
    case "github":
      return baseUrl(access.githubOauthDomain);
  }
}

/** The OAuth login, or undefined when `--auth_provider` is not set; `warn` gets the notices. */
export function oauthLoginFor(
  config: Config,
  warn: (message: string) => void,
): OAuthLogin | undefined {
  const { access } = config;
  if (!access.authProvider) return undefined;
  const kind = access.authProvider;
  const missing = [
    ["--auth", access.auth],
    ["--oauth2_key", access.oauth2Key],
    ["--oauth2_secret", access.oauth2Secret],
    ["--oauth2_redirect_uri", access.oauth2RedirectUri],
  ].filter(([, value]) => !value).map(([name]) => name);
  if (missing.length > 0) {
    throw new ConfigError(`--auth_provider=${kind} needs ${missing.join(", ")}`);
  }
  const issuer = issuerFor(kind, config);
  let secret = access.cookieSecret;
  if (!secret) {
    secret = randomBytes(32).toString("base64url");
    warn(
      "No --cookie_secret: a random one signs sessions, so logins end when Stalk restarts " +
        "and differ between replicas",
    );
  }
  const groups = kind === "gitlab" ? access.gitlabAllowedGroups : [];
  const client = new OidcClient({
    issuer,
    clientId: access.oauth2Key!,
    clientSecret: access.oauth2Secret!,
    redirectUri: access.oauth2RedirectUri!,
    // GitLab's groups API needs read_api, as Flower asks for.
    scope: groups.length > 0 ? "openid email read_api" : "openid email",
  });
  const admit = groups.length > 0
    ? gitlabGroupCheck(issuer, groups, access.gitlabMinAccessLevel)
    : undefined;
  const flow = kind === "github"
    ? githubFlow({
      domain: access.githubOauthDomain,
      clientId: access.oauth2Key!,
      clientSecret: access.oauth2Secret!,
      redirectUri: access.oauth2RedirectUri!,
      allowed: emailMatcher(access.auth!),
    })
    : { start: () => client.start(), finish: client.finish.bind(client), admit };
  return new OAuthLogin({
    flow,
    signer: new CookieSigner(secret),
    auth: access.auth!,
    authOperator: access.authOperator,
    authAdmin: access.authAdmin,
    sessionTtl: access.sessionTtl,
  });
}
