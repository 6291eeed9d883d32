/**
 * The one auth policy: which providers may vouch for a caller, which paths anyone may read, and
 * the 401 a caller without identity gets. Providers (basic auth today; sessions, OAuth and
 * tokens later) only say who a request comes from; the gate and the routes ask the policy.
 */
import type { Context } from "hono";
import { StalkError } from "../../errors.ts";
import { type Identity, OPEN_ACCESS, PUBLIC_VISITOR } from "./identity.ts";

/** One way of proving who a request comes from. */
export interface AuthProvider {
  /** How a refusal names these credentials (`Basic`). */
  readonly label: string;
  /** The identity the request's credentials prove, or null when it carries none that hold. */
  authenticate(c: Context): Identity | null | Promise<Identity | null>;
  /** Headers a 401 carries to ask for these credentials (`WWW-Authenticate`). */
  challenge(): Record<string, string>;
}

/** Options for {@linkcode createAuthPolicy}. */
export interface AuthPolicyOptions {
  /** Every configured provider, asked in order; none means Flower's open mode. */
  providers: AuthProvider[];
  /** Paths served without credentials even when providers are configured. */
  publicPaths: ReadonlySet<string>;
  /** `FLOWER_UNAUTHENTICATED_API`: without providers, `/api/*` is refused unless this is set. */
  unauthenticatedApi: boolean;
}

/** Decides who a request comes from and what a caller without credentials is told. */
export interface AuthPolicy {
  /** True when credentials are asked for (which also turns Flower's permissive CORS off). */
  readonly required: boolean;
  /** The caller of `c`, or null when the request must be refused with {@linkcode refusal}. */
  authenticate(c: Context): Promise<Identity | null>;
  /** The 401 for a request `c` that proved no identity. */
  refusal(c: Context): StalkError;
}

/** Builds the policy from the configured providers. */
export function createAuthPolicy(options: AuthPolicyOptions): AuthPolicy {
  const { providers, publicPaths, unauthenticatedApi } = options;
  const required = providers.length > 0;
  return {
    required,
    async authenticate(c) {
      for (const provider of providers) {
        const identity = await provider.authenticate(c);
        if (identity) return identity;
      }
      if (required) return publicPaths.has(c.req.path) ? PUBLIC_VISITOR : null;
      return unauthenticatedApi || !isApiPath(c.req.path) ? OPEN_ACCESS : null;
    },
    refusal(_c) {
      if (!required) {
        return new StalkError(
          "unauthorized",
          "FLOWER_UNAUTHENTICATED_API environment variable is required to enable API without authentication",
        );
      }
      // Several providers may each ask for their scheme: one header lists every challenge.
      const headers: Record<string, string> = {};
      for (const provider of providers) {
        for (const [name, value] of Object.entries(provider.challenge())) {
          headers[name] = headers[name] ? `${headers[name]}, ${value}` : value;
        }
      }
      const labels = providers.map((provider) => provider.label).join(" or ");
      return new StalkError(
        "unauthorized",
        `Access denied: valid ${labels} credentials are required`,
        {
          headers,
        },
      );
    },
  };
}

/** Flower's API prefix, the part that its gate closes without authentication. */
function isApiPath(path: string): boolean {
  return path === "/api" || path.startsWith("/api/");
}
