/**
 * Stalks with an OAuth login for the login tests: each named one gets its own client at the
 * test provider (or the GitHub stand-in), `--auth=.*@example.com`, `--auth_admin=boss@…`, the
 * shared cookie secret, and no `FLOWER_UNAUTHENTICATED_API`, as a real deployment would run.
 */
import { type Stalk, startStalk } from "../_harness/mod.ts";
import { freePort } from "../_harness/port.ts";
import type { TestGithub } from "./github.ts";
import { CLIENT_SECRET, type TestProvider } from "./provider.ts";

/** The secret every login Stalk signs its cookies with, so a test can forge or inspect them. */
export const COOKIE_SECRET = "cookie-secret-for-the-login-tests";

/** Flower's provider names, and `oidc`. */
export type LoginKind = "oidc" | "google" | "okta" | "github" | "gitlab";

/** One Stalk to start: its provider, and flags beyond the common ones. */
export interface LoginStalkSpec {
  kind: LoginKind;
  /** `--url_prefix`, which the redirect URI then carries too. */
  prefix?: string;
  /** `--certfile`/`--keyfile`: Stalk serves HTTPS, and its `url` and redirect URI say so. */
  tls?: { cert: string; key: string };
  args?: string[];
  env?: Record<string, string | undefined>;
}

/** How each kind is pointed at the loopback provider, as its Flower variables allow. */
function wiring(kind: LoginKind, idp: TestProvider, github?: TestGithub) {
  switch (kind) {
    case "oidc":
    case "google":
      return { args: [`--oauth2_issuer=${idp.issuer}`], env: {} };
    case "okta":
      return { args: [], env: { FLOWER_OAUTH2_OKTA_BASE_URL: idp.issuer } };
    case "gitlab":
      return { args: [], env: { FLOWER_GITLAB_OAUTH_DOMAIN: idp.issuer } };
    case "github":
      if (!github) throw new Error("a github Stalk needs the GitHub stand-in");
      return { args: [], env: { FLOWER_GITHUB_OAUTH_DOMAIN: github.url } };
  }
}

/** Registers a client per name (`stalk-<name>`) and starts the Stalks, all at once. */
export async function startLoginStalks(
  brokerUrl: string,
  idp: TestProvider,
  github: TestGithub | undefined,
  specs: Record<string, LoginStalkSpec>,
): Promise<Record<string, Stalk>> {
  const names = Object.keys(specs);
  const ports = await Promise.all(names.map(() => freePort()));
  const redirects = Object.fromEntries(
    names.map((name, i) => {
      const prefix = specs[name].prefix ? `/${specs[name].prefix}` : "";
      const scheme = specs[name].tls ? "https" : "http";
      return [`stalk-${name}`, `${scheme}://127.0.0.1:${ports[i]}${prefix}/login`];
    }),
  );
  idp.register(redirects);
  const started = await Promise.all(names.map(async (name, i) => {
    const spec = specs[name];
    const wired = wiring(spec.kind, idp, github);
    const client = spec.kind === "github" ? "stalk-github" : `stalk-${name}`;
    const stalk = await startStalk({
      brokerUrl,
      port: ports[i],
      // The harness probes over plain HTTP: an HTTPS Stalk is up once its port accepts.
      waitHealthy: !spec.tls,
      args: [
        `--auth_provider=${spec.kind}`,
        "--auth=.*@example.com",
        "--auth_admin=boss@example.com",
        `--oauth2_key=${client}`,
        `--oauth2_redirect_uri=${redirects[`stalk-${name}`]}`,
        ...wired.args,
        ...(spec.prefix ? [`--url_prefix=${spec.prefix}`] : []),
        ...(spec.tls ? [`--certfile=${spec.tls.cert}`, `--keyfile=${spec.tls.key}`] : []),
        ...(spec.args ?? []),
      ],
      env: {
        FLOWER_UNAUTHENTICATED_API: undefined,
        FLOWER_OAUTH2_SECRET: CLIENT_SECRET,
        FLOWER_COOKIE_SECRET: COOKIE_SECRET,
        ...wired.env,
        ...(spec.env ?? {}),
      },
    });
    return spec.tls ? { ...stalk, url: `https://127.0.0.1:${ports[i]}` } : stalk;
  }));
  return Object.fromEntries(names.map((name, i) => [name, started[i]]));
}
