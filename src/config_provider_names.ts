/** The `--auth_provider` names: Flower's handler classes, their short names, and `oidc`. */

/** The providers Stalk knows. */
export type ProviderKind = "google" | "github" | "gitlab" | "okta" | "oidc";

const CLASS_NAMES: Record<string, ProviderKind> = {
  "flower.views.auth.GoogleAuth2LoginHandler": "google",
  "flower.views.auth.GithubLoginHandler": "github",
  "flower.views.auth.GitLabLoginHandler": "gitlab",
  "flower.views.auth.OktaLoginHandler": "okta",
};

/** Every accepted short name, for help and error messages. */
export const PROVIDER_NAMES: readonly ProviderKind[] = [
  "google",
  "github",
  "gitlab",
  "okta",
  "oidc",
];

/** The provider `name` (a short name or Flower's class path) stands for, or undefined. */
export function providerKind(name: string): ProviderKind | undefined {
  if (Object.hasOwn(CLASS_NAMES, name)) return CLASS_NAMES[name];
  const short = name.toLowerCase();
  return (PROVIDER_NAMES as readonly string[]).includes(short) ? short as ProviderKind : undefined;
}
