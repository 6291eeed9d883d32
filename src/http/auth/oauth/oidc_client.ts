/**
 * The OpenID Connect code flow against one issuer, on `oauth4webapi` (discovery, state, PKCE,
 * nonce, the token request and the ID token's claims) and `jose` (the ID token's signature
 * against the issuer's JWKS). Google, Okta, GitLab and any `oidc` issuer go through it.
 */
import * as oauth from "oauth4webapi";
import { createRemoteJWKSet, jwtVerify } from "jose";
import { StalkError } from "../../../errors.ts";

/** A started login: what the callback needs, and where to send the browser. */
export interface StartedLogin {
  url: URL;
  state: string;
  verifier: string;
  nonce: string;
}

/** What the issuer says about the user who logged in. */
export interface LoginResult {
  email: string;
  emailVerified: boolean;
  accessToken: string;
}

/** Options for {@linkcode OidcClient}. */
export interface OidcClientOptions {
  issuer: string;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  scope: string;
}

/** Loopback issuers may use plain HTTP (tests, local Dex); anything else must be HTTPS. */
function isLoopback(url: URL): boolean {
  return ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname);
}

/** Login failures: a 403 that says what failed, never a token or secret. */
export function loginFailed(reason: string, cause?: unknown): StalkError {
  return new StalkError("forbidden", `Login failed: ${reason}`, { cause });
}

/** One issuer's code flow; discovery runs on first use and is kept. */
export class OidcClient {
  readonly #options: OidcClientOptions;
  readonly #client: oauth.Client;
  readonly #insecure: boolean;
  #server?: Promise<{ as: oauth.AuthorizationServer; jwks: ReturnType<typeof createRemoteJWKSet> }>;

  constructor(options: OidcClientOptions) {
    this.#options = options;
    this.#client = { client_id: options.clientId };
    this.#insecure = isLoopback(new URL(options.issuer));
  }

  #discover() {
    this.#server ??= (async () => {
      const issuer = new URL(this.#options.issuer);
      const response = await oauth.discoveryRequest(issuer, {
        [oauth.allowInsecureRequests]: this.#insecure,
      });
      const as = await oauth.processDiscoveryResponse(issuer, response);
      if (!as.jwks_uri) throw new Error("the issuer publishes no jwks_uri");
      return { as, jwks: createRemoteJWKSet(new URL(as.jwks_uri)) };
    })();
    // A failed discovery is retried at the next login instead of being kept.
    this.#server.catch(() => (this.#server = undefined));
    return this.#server;
  }

  /** The discovered issuer, or a 503 when it cannot be reached (not a refusal of the caller). */
  #reachable() {
    return this.#discover().catch((error) => {
      throw new StalkError("unavailable", "Cannot reach the identity provider", { cause: error });
    });
  }

  /** A new authorization URL with fresh state, PKCE verifier and nonce. */
  async start(): Promise<StartedLogin> {
    const { as } = await this.#reachable();
    const state = oauth.generateRandomState();
    const verifier = oauth.generateRandomCodeVerifier();
    const nonce = oauth.generateRandomNonce();
    const url = new URL(as.authorization_endpoint!);
    url.searchParams.set("client_id", this.#options.clientId);
    url.searchParams.set("redirect_uri", this.#options.redirectUri);
    url.searchParams.set("response_type", "code");
    url.searchParams.set("scope", this.#options.scope);
    url.searchParams.set("state", state);
    url.searchParams.set("nonce", nonce);
    url.searchParams.set("code_challenge", await oauth.calculatePKCECodeChallenge(verifier));
    url.searchParams.set("code_challenge_method", "S256");
    return { url, state, verifier, nonce };
  }

  /** Completes the login the callback `url` answers; throws a 403 on any failure. */
  async finish(url: URL, login: Omit<StartedLogin, "url">): Promise<LoginResult> {
    // Discovery may first run here, when Stalk restarted between the start and the callback.
    const { as, jwks } = await this.#reachable();
    let params;
    try {
      params = oauth.validateAuthResponse(as, this.#client, url.searchParams, login.state);
    } catch (error) {
      throw loginFailed("the provider's answer does not match this login", error);
    }
    let result;
    try {
      const response = await oauth.authorizationCodeGrantRequest(
        as,
        this.#client,
        oauth.ClientSecretPost(this.#options.clientSecret),
        params,
        this.#options.redirectUri,
        login.verifier,
        { [oauth.allowInsecureRequests]: this.#insecure },
      );
      result = await oauth.processAuthorizationCodeResponse(as, this.#client, response, {
        expectedNonce: login.nonce,
        requireIdToken: true,
      });
      await jwtVerify(result.id_token!, jwks, {
        issuer: as.issuer,
        audience: this.#options.clientId,
      });
    } catch (error) {
      throw loginFailed("the provider refused the code or sent an invalid ID token", error);
    }
    const claims = oauth.getValidatedIdTokenClaims(result)!;
    if (typeof claims.email !== "string") throw loginFailed("the provider sent no e-mail");
    return {
      email: claims.email,
      emailVerified: claims.email_verified === true,
      accessToken: result.access_token,
    };
  }
}
