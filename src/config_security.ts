/**
 * The options of logins, permissions and TLS: Flower's (`--auth`, `--auth_provider`,
 * `--oauth2_*`, `--cookie_secret`, `--certfile`, `--keyfile`, `--ca_certs`, `--xheaders`,
 * `--unix_socket` and the `FLOWER_*_OAUTH_*` variables) and Stalk's own (`--api_tokens`,
 * `--auth_operator`, `--auth_admin`, `--oauth2_issuer`, `--session_ttl`, `--metrics_public`).
 * `config.ts` merges these entries into its one schema.
 */
import * as v from "valibot";
import { emailPatternProblem } from "./config_email_pattern.ts";
import { PROVIDER_NAMES, type ProviderKind, providerKind } from "./config_provider_names.ts";

/** Login and permission settings. */
export interface AccessConfig {
  /** `--api_tokens` / `FLOWER_API_TOKENS`: path of the token file. */
  apiTokens?: string;
  /** `--metrics_public`: serve `/metrics` without credentials, as Flower does. */
  metricsPublic: boolean;
  /** `--auth`: the e-mails that may log in through OAuth. */
  auth?: string;
  /** `--auth_operator`, `--auth_admin`: e-mails (same syntax) given those roles. */
  authOperator?: string;
  authAdmin?: string;
  /** `--auth_provider`, as its short name (`google`, `github`, `gitlab`, `okta`, `oidc`). */
  authProvider?: ProviderKind;
  oauth2Key?: string;
  oauth2Secret?: string;
  oauth2RedirectUri?: string;
  /** `--oauth2_issuer`: the OpenID issuer (`oidc`; overrides Google's, GitLab's and Okta's). */
  oauth2Issuer?: string;
  /** `--cookie_secret`; undefined means a random one for this process. */
  cookieSecret?: string;
  /** `--session_ttl`: seconds a login lasts. */
  sessionTtl: number;
  githubOauthDomain: string;
  gitlabOauthDomain: string;
  gitlabAllowedGroups: string[];
  gitlabMinAccessLevel: number;
  oktaBaseUrl?: string;
}

/** How the server listens. */
export interface ListenConfig {
  /** `--certfile` and `--keyfile`: serve HTTPS with this PEM certificate chain and key. */
  certfile?: string;
  keyfile?: string;
  /** `--ca_certs`: accepted and checked for Flower's sake (see docs/auth.md). */
  caCerts?: string;
  /** `--unix_socket`: listen on this path instead of a TCP port. */
  unixSocket?: string;
  /** `--xheaders`: trust a proxy's X-Forwarded-For/-Proto and X-Real-Ip. */
  xheaders: boolean;
}

const emailPattern = v.pipe(
  v.string(),
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    const problem = emailPatternProblem(dataset.value);
    if (problem) addIssue({ message: problem });
  }),
);

const provider = v.pipe(
  v.string(),
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    const kind = providerKind(dataset.value.trim());
    if (kind) return kind;
    addIssue({ message: `expected one of ${PROVIDER_NAMES.join(", ")}` });
    return NEVER;
  }),
);

const url = v.pipe(
  v.string(),
  v.trim(),
  v.regex(/^https?:\/\/[^\s/]+/i, "expected an http:// or https:// URL"),
);

const text = v.pipe(v.string(), v.trim(), v.minLength(1, "expected a value"));

/** A boolean option's schema, as `config.ts` parses booleans (Python's `strtobool`). */
type BoolSchema = v.GenericSchema<string, boolean>;

/** The valibot entries of these options, merged into `config.ts`'s schema. */
export const securityEntries = (bool: BoolSchema) => ({
  api_tokens: v.optional(text),
  metrics_public: bool,
  auth: v.optional(emailPattern),
  auth_operator: v.optional(emailPattern),
  auth_admin: v.optional(emailPattern),
  auth_provider: v.optional(provider),
  oauth2_key: v.optional(text),
  oauth2_secret: v.optional(text),
  oauth2_redirect_uri: v.optional(url),
  oauth2_issuer: v.optional(url),
  cookie_secret: v.optional(
    v.pipe(v.string(), v.minLength(16, "expected at least 16 characters")),
  ),
  session_ttl: v.pipe(
    v.string(),
    v.regex(/^\s*\d+\s*$/, "expected a whole number of seconds"),
    v.transform(Number),
    v.minValue(60, "expected at least 60 seconds"),
  ),
  github_oauth_domain: text,
  gitlab_oauth_domain: text,
  gitlab_auth_allowed_groups: v.optional(v.string()),
  gitlab_min_access_level: v.pipe(
    v.string(),
    v.regex(/^\s*\d+\s*$/, "expected a GitLab access level such as 10, 20, 30, 40 or 50"),
    v.transform(Number),
  ),
  oauth2_okta_base_url: v.optional(url),
  certfile: v.optional(text),
  keyfile: v.optional(text),
  ca_certs: v.optional(text),
  xheaders: bool,
  unix_socket: v.optional(text),
});

type Entries = ReturnType<typeof securityEntries>;
type Parsed = v.InferOutput<v.ObjectSchema<Entries, undefined>>;

/** The specs (default, help, environment) of these options, merged into `config.ts`'s. */
export const SECURITY_OPTIONS: Record<
  keyof Entries,
  { default?: string; help: string; flag?: boolean; envOnly?: boolean; secret?: boolean }
> = {
  api_tokens: { help: "File of API tokens (name role sha256:<hex>) for Authorization: Bearer" },
  metrics_public: { default: "false", flag: true, help: "Serve /metrics without credentials" },
  auth: { help: "E-mails that may log in with OAuth: a@x.com|b@y.com or .*@example.com" },
  auth_operator: { help: "E-mails (same syntax as --auth) given the operator role" },
  auth_admin: { help: "E-mails (same syntax as --auth) given the admin role" },
  auth_provider: { help: `OAuth provider: ${PROVIDER_NAMES.join(", ")} or Flower's class name` },
  oauth2_key: { help: "OAuth client id" },
  oauth2_secret: { help: "OAuth client secret", secret: true },
  oauth2_redirect_uri: { help: "OAuth redirect URI, https://<host>/login" },
  oauth2_issuer: { help: "OpenID Connect issuer URL (oidc; overrides google, gitlab, okta)" },
  cookie_secret: { help: "Secret that signs session cookies (random if unset)", secret: true },
  session_ttl: { default: "43200", help: "Seconds a login session lasts" },
  github_oauth_domain: {
    default: "github.com",
    envOnly: true,
    help: "FLOWER_GITHUB_OAUTH_DOMAIN: GitHub (Enterprise) host",
  },
  gitlab_oauth_domain: {
    default: "gitlab.com",
    envOnly: true,
    help: "FLOWER_GITLAB_OAUTH_DOMAIN: GitLab host",
  },
  gitlab_auth_allowed_groups: {
    envOnly: true,
    help: "FLOWER_GITLAB_AUTH_ALLOWED_GROUPS: GitLab groups (full paths) that may log in",
  },
  gitlab_min_access_level: {
    default: "20",
    envOnly: true,
    help: "FLOWER_GITLAB_MIN_ACCESS_LEVEL: least access level in an allowed group",
  },
  oauth2_okta_base_url: {
    envOnly: true,
    help: "FLOWER_OAUTH2_OKTA_BASE_URL: https://<org>.okta.com/oauth2[/<server>]",
  },
  certfile: { help: "TLS certificate chain (PEM): serve HTTPS (needs --keyfile)" },
  keyfile: { help: "TLS private key (PEM) for --certfile" },
  ca_certs: { help: "CA certificates (PEM); accepted for Flower compatibility" },
  unix_socket: { help: "Serve on this Unix socket instead of a TCP port" },
  xheaders: {
    default: "false",
    flag: true,
    help: "Trust X-Forwarded-For/-Proto and X-Real-Ip from a proxy",
  },
};

/** The typed settings from the parsed option values. */
export function securityConfig(out: Parsed): { access: AccessConfig; listen: ListenConfig } {
  return {
    access: {
      apiTokens: out.api_tokens,
      metricsPublic: out.metrics_public,
      auth: out.auth,
      authOperator: out.auth_operator,
      authAdmin: out.auth_admin,
      authProvider: out.auth_provider,
      oauth2Key: out.oauth2_key,
      oauth2Secret: out.oauth2_secret,
      oauth2RedirectUri: out.oauth2_redirect_uri,
      oauth2Issuer: out.oauth2_issuer,
      cookieSecret: out.cookie_secret,
      sessionTtl: out.session_ttl,
      githubOauthDomain: out.github_oauth_domain,
      gitlabOauthDomain: out.gitlab_oauth_domain,
      gitlabAllowedGroups: (out.gitlab_auth_allowed_groups ?? "").split(",").map((g) => g.trim())
        .filter(Boolean),
      gitlabMinAccessLevel: out.gitlab_min_access_level,
      oktaBaseUrl: out.oauth2_okta_base_url,
    },
    listen: {
      certfile: out.certfile,
      keyfile: out.keyfile,
      caCerts: out.ca_certs,
      xheaders: out.xheaders,
      unixSocket: out.unix_socket,
    },
  };
}
