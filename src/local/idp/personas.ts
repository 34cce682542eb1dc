/**
 * What makes each identity provider of the local stack itself: one oidc-provider instance each, the same login form,
 * users and machinery, and a {@link ProviderProfile} for the rest — routes, the app's registration, scopes, claims,
 * which features exist, whether access tokens are opaque strings shaped like the real provider's.
 *
 * - `oidc`: the generic OpenID issuer the local IAM OIDC provider trusts (server.ts describes it).
 * - `google`: an OpenID issuer with Google's paths, its client-secret quirk and its ID token claims (`azp`, 21-digit
 *   `sub`, `at_hash`, names). No RP-initiated logout, no refresh tokens.
 * - `amazon`: plain OAuth 2 like Login with Amazon — no discovery, no JWKS, no ID token; `Atza|…` access tokens that
 *   the token-info and profile endpoints (opaque.ts) answer for.
 * - `facebook`: plain OAuth 2 like Facebook Login's manual flow — `EAA…` access tokens checked at `debug_token`,
 *   read at `/me`.
 *
 * Where a persona differs from the real provider, the profile says so.
 */
import type { AccountClaims, ClientMetadata, Configuration, KoaContextWithOIDC } from "oidc-provider";
import type { StackConfig, TestUser } from "../config";
import type { IdentityProviderName } from "../controls";

export type { IdentityProviderName } from "../controls";

/** What a persona serves besides oidc-provider's routes (opaque.ts implements them). */
export type PersonaApi = "amazon" | "facebook";

export interface ProviderProfile {
  name: IdentityProviderName;
  /** Shown on every page of the provider ("Sign in to …"). */
  displayName: string;
  /** One line for the provider's home page. */
  description: string;
  /** The user's subject at this provider: the `accountId` of everything it issues (`sub`, `user_id`, `id`). */
  subjectOf(user: TestUser): string;
  /** oidc-provider's `routes`. */
  routes: NonNullable<Configuration["routes"]>;
  /** false: `/.well-known/*` answers 404 (no discovery document, no JWKS), as at Login with Amazon and Facebook. */
  discovery: boolean;
  /** The app's registration(s) at this provider. */
  clients(config: StackConfig): ClientMetadata[];
  /** Every scope the provider knows (oidc-provider's `scopes`). */
  scopes: readonly string[];
  /** oidc-provider's `claims`: which claims each scope releases. */
  claims: NonNullable<Configuration["claims"]>;
  /** The account's claims for an ID token or userinfo (`use`), with the request's context. */
  accountClaims(user: TestUser, use: string, ctx: KoaContextWithOIDC): AccountClaims;
  userinfo: boolean;
  /** RFC 7009 revocation endpoint. */
  revocation: boolean;
  /** RP-initiated logout (`end_session_endpoint`). */
  rpInitiatedLogout: boolean;
  /**
   * Opaque access tokens shaped like the provider's: the token endpoint answers `prefix + oidc-provider's opaque id`
   * with only `access_token`, `token_type: "bearer"` and `expires_in`, and the persona's own endpoints strip the
   * prefix to look the token up.
   */
  accessTokenPrefix?: string;
  /** The persona's own endpoints (token info, profile, debug_token, /me). */
  api?: PersonaApi;
}

/** The name the Facebook persona's `debug_token` gives the app (`data.application`). */
export const APPLICATION_NAME = "Web Identity Console";

const firstClient = (config: StackConfig) => {
  const client = config.clients[0];
  if (!client) throw new Error("stack.json: clients must list the app's OAuth client");
  return client;
};

/** Given and family name the way Google splits a display name: first word, the rest. */
function nameParts(name: string): { given_name: string; family_name?: string } {
  const [given = name, ...rest] = name.trim().split(/\s+/);
  return rest.length > 0 ? { given_name: given, family_name: rest.join(" ") } : { given_name: given };
}

const generic: ProviderProfile = {
  name: "oidc",
  displayName: "Local OpenID Provider",
  description: "A local OpenID Provider for the Web Identity Console. Apps find everything in the discovery document.",
  subjectOf: (user) => user.sub,
  routes: {},
  discovery: true,
  clients: (config) =>
    config.clients.map((c) => ({
      client_id: c.clientId,
      application_type: "web",
      token_endpoint_auth_method: "none",
      // Without the refresh_token grant oidc-provider drops `offline_access` from the request, so no refresh token.
      grant_types: c.refreshTokens ? ["authorization_code", "refresh_token"] : ["authorization_code"],
      response_types: ["code"],
      redirect_uris: c.redirectUris,
      post_logout_redirect_uris: c.postLogoutRedirectUris,
      id_token_signed_response_alg: "RS256",
    })),
  scopes: ["openid", "profile", "email", "offline_access"],
  claims: {
    openid: ["sub"],
    profile: ["name", "preferred_username"],
    email: ["email", "email_verified"],
  },
  accountClaims: (user) => ({ sub: user.sub, name: user.name, preferred_username: user.username, email: user.email, email_verified: true }),
  userinfo: true,
  revocation: true,
  rpInitiatedLogout: true,
};

/**
 * Google (https://developers.google.com/identity/openid-connect/openid-connect, its discovery document). Same paths
 * as Google's endpoints, but on one origin: Google spreads them over accounts.google.com (authorization),
 * oauth2.googleapis.com (token, revoke), openidconnect.googleapis.com (userinfo) and www.googleapis.com (certs).
 * - The client is a "Web application" client: the token endpoint demands `client_secret` even with PKCE
 *   (`client_secret_post`); here PKCE S256 is required as well, for every request. A request without the secret is
 *   refused with oidc-provider's `invalid_client` (Google says `invalid_request` "client_secret is missing.").
 * - ID tokens: `iss` is the persona's URL (Google's is `https://accounts.google.com`; the local STS maps the built-in
 *   name to this issuer), `aud` and `azp` the client id, `sub` 21 digits, `at_hash`, `email`, `email_verified`,
 *   `name`, `given_name`, `family_name` (no `picture`, `locale`, `hd`). Its discovery lists `azp` and `at_hash` among
 *   `claims_supported`, which Google's does not.
 * - No `end_session_endpoint` (Google has none) and no refresh tokens (Google gives one only for
 *   `access_type=offline`, which the persona does not implement). Access tokens are opaque without Google's `ya29.`.
 */
const google: ProviderProfile = {
  name: "google",
  displayName: "Google (local persona)",
  description: "A local persona that behaves like Google's OpenID provider for the Web Identity Console.",
  subjectOf: (user) => user.subjects.google,
  routes: {
    authorization: "/o/oauth2/v2/auth",
    token: "/token",
    userinfo: "/v1/userinfo",
    jwks: "/oauth2/v3/certs",
    revocation: "/revoke",
  },
  discovery: true,
  clients: (config) => [
    {
      client_id: config.personas.google.clientId,
      client_secret: config.personas.google.clientSecret,
      application_type: "web",
      token_endpoint_auth_method: "client_secret_post",
      grant_types: ["authorization_code"],
      response_types: ["code"],
      redirect_uris: firstClient(config).redirectUris,
      id_token_signed_response_alg: "RS256",
      scope: "openid email profile",
    },
  ],
  scopes: ["openid", "email", "profile"],
  claims: {
    // azp and at_hash come from the account's claims (below) and must be released by a scope to reach the ID token.
    openid: ["sub", "azp", "at_hash"],
    profile: ["name", "given_name", "family_name"],
    email: ["email", "email_verified"],
  },
  accountClaims: (user, use, ctx) => ({
    sub: user.subjects.google,
    name: user.name,
    ...nameParts(user.name),
    email: user.email,
    email_verified: true,
    // Google's ID tokens carry `azp` (the client that asked) and `at_hash`; oidc-provider adds neither to a token
    // endpoint ID token by itself. Only in the ID token: Google's userinfo has neither. at_hash is given the access
    // token's value (the opaque token is its own id); oidc-provider hashes at_hash claims when it signs an ID token.
    ...(use === "id_token" ? { azp: ctx.oidc.client?.clientId, at_hash: ctx.oidc.entities.AccessToken?.jti } : {}),
  }),
  userinfo: true,
  revocation: true,
  rpInitiatedLogout: false,
};

/**
 * A plain OAuth 2 persona with opaque access tokens (Login with Amazon, Facebook): no discovery and no JWKS, a public
 * client (no secret) registered with the app's redirect URIs that may ask only for the persona's scopes (so `openid`,
 * and with it an ID token, is `invalid_scope`), PKCE S256 required (configuration.ts), no refresh token, no userinfo,
 * revocation or logout endpoint; the persona's own endpoints in opaque.ts.
 */
function oauth2Persona(p: {
  name: PersonaApi;
  displayName: string;
  description: string;
  routes: { authorization: string; token: string };
  clientId: (config: StackConfig) => string;
  scopes: readonly string[];
  accessTokenPrefix: string;
}): ProviderProfile {
  return {
    name: p.name,
    displayName: p.displayName,
    description: p.description,
    subjectOf: (user) => user.subjects[p.name],
    // oidc-provider always serves a JWKS; put it under /.well-known/, which these personas answer with 404.
    routes: { ...p.routes, jwks: "/.well-known/jwks.json" },
    discovery: false,
    clients: (config) => [
      {
        client_id: p.clientId(config),
        application_type: "web",
        token_endpoint_auth_method: "none",
        grant_types: ["authorization_code"],
        response_types: ["code"],
        redirect_uris: firstClient(config).redirectUris,
        scope: p.scopes.join(" "),
      },
    ],
    scopes: p.scopes,
    claims: { openid: ["sub"] },
    accountClaims: (user) => ({ sub: user.subjects[p.name] }),
    userinfo: false,
    revocation: false,
    rpInitiatedLogout: false,
    accessTokenPrefix: p.accessTokenPrefix,
    api: p.name,
  };
}

/**
 * Login with Amazon (https://developer.amazon.com/docs/login-with-amazon/authorization-code-grant.html). Paths like
 * Amazon's on one origin (Amazon: www.amazon.com/ap/oa, api.amazon.com/auth/o2/token, api.amazon.com/user/profile).
 * - Plain OAuth 2: no discovery, no JWKS, no ID token (asking for `openid` is `invalid_scope`); scopes `profile`,
 *   `profile:user_id`, `postal_code`.
 * - A public client (no secret) with PKCE S256 required; LWA documents the exchange with a client secret and PKCE as
 *   optional. No refresh token (LWA gives one only to a client that authenticates).
 * - Access tokens `Atza|…`, checked at `/auth/o2/tokeninfo` and read at `/user/profile` (opaque.ts). The persona's
 *   users have no postal code: `postal_code` is granted but releases nothing.
 */
const amazon = oauth2Persona({
  name: "amazon",
  displayName: "Amazon (local persona)",
  description: "A local persona that behaves like Login with Amazon (OAuth 2, opaque access tokens) for the Web Identity Console.",
  routes: { authorization: "/ap/oa", token: "/auth/o2/token" },
  clientId: (config) => config.personas.amazon.clientId,
  scopes: ["profile", "profile:user_id", "postal_code"],
  accessTokenPrefix: "Atza|",
});

/**
 * Facebook Login, manually built flow (https://developers.facebook.com/docs/facebook-login/guides/advanced/manual-flow).
 * Paths like Facebook's on one origin (Facebook: www.facebook.com/v19.0/dialog/oauth, graph.facebook.com for the rest).
 * - Plain OAuth 2: no discovery (Facebook's OIDC flow is not what the app uses), no ID token; scopes `public_profile`
 *   and `email`; `client_id` is the app id; a public client with PKCE S256 required.
 * - The token exchange is a POST with `grant_type=authorization_code` (Facebook also takes a GET and needs no
 *   `grant_type`); errors are OAuth 2 JSON, not Facebook's `{"error":{…,"type":"OAuthException"}}`.
 * - Access tokens `EAA…`, checked at `/debug_token` and read at `/me` (opaque.ts); no long-lived token exchange.
 */
const facebook = oauth2Persona({
  name: "facebook",
  displayName: "Facebook (local persona)",
  description: "A local persona that behaves like Facebook Login (OAuth 2, opaque access tokens) for the Web Identity Console.",
  routes: { authorization: "/v19.0/dialog/oauth", token: "/v19.0/oauth/access_token" },
  clientId: (config) => config.personas.facebook.appId,
  scopes: ["public_profile", "email"],
  accessTokenPrefix: "EAA",
});

/** Every provider's profile, by name. */
export const PROVIDER_PROFILES: Readonly<Record<IdentityProviderName, ProviderProfile>> = Object.freeze({ oidc: generic, google, amazon, facebook });
