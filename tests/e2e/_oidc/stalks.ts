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
      return [`stalk-${name}`, `http://127.0.0.1:${ports[i]}${prefix}/login`];
    }),
  );
  idp.register(redirects);
  const started = await Promise.all(names.map((name, i) => {
    const spec = specs[name];
    const wired = wiring(spec.kind, idp, github);
    const client = spec.kind === "github" ? "stalk-github" : `stalk-${name}`;
    return startStalk({
      brokerUrl,
      port: ports[i],
      args: [
        `--auth_provider=${spec.kind}`,
        "--auth=.*@example.com",
        "--auth_admin=boss@example.com",
        `--oauth2_key=${client}`,
        `--oauth2_redirect_uri=${redirects[`stalk-${name}`]}`,
        ...wired.args,
        ...(spec.prefix ? [`--url_prefix=${spec.prefix}`] : []),
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
  }));
  return Object.fromEntries(names.map((name, i) => [name, started[i]]));
}
