/**
 * The only code that drives oidc-client-ts (CONVENTIONS 3). It uses the library's protocol core, `OidcClient`: the
 * library builds every request (PKCE S256, state, nonce), stores the redirect state, redeems codes, validates answers,
 * runs the refresh grant, revocation and end-session requests. This module only moves the browser — a redirect, or a
 * hidden frame for silent renewal — and keeps the tokens in memory. (`UserManager` would add popups, session
 * monitoring, DPoP stores and a user store this app does not use: ~7 KB gzip.)
 */
import { OidcClient, WebStorageStateStore, type OidcMetadata, type SigninResponse } from "oidc-client-ts";
import type { OAuth2ProviderProfile, ProviderConfig, StsProviderId, StsTokenKind } from "../config";
import { SILENT_RENEWAL_MESSAGE, statePrefix } from "./callback";
import { ProviderError, providerAddress, toProviderError } from "./errors";
import { decodeJwt } from "./jwt";

/**
 * The provider tokens the rest of the app sees. Held in memory only (DESIGN §6): a reload loses them.
 */
export interface ProviderSession {
  providerId: string;
  /** Which token STS receives: the ID token (OpenID providers) or the opaque access token (Amazon, Facebook). */
  stsToken: StsTokenKind;
  /** `ProviderId` sent with an access token (`www.amazon.com`, `graph.facebook.com`). */
  stsProviderId: StsProviderId | undefined;
  /** The token STS receives. */
  webIdentityToken: string;
  /** Epoch seconds after which the provider says `webIdentityToken` is expired (the ID token's `exp`, or the access token's `expires_in`). */
  webIdentityTokenExpiresAt: number | undefined;
  /** Epoch seconds when `webIdentityToken` was issued (the ID token's `iat`, else when it arrived). */
  webIdentityTokenIssuedAt: number;
  /** The user's id at the provider: the ID token's `sub`, else the profile call's user id ("" when unknown). */
  subject: string;
  /** How to name the user: username, email, name or subject, whichever the provider gave first. */
  displayName: string;
  /** Empty when the provider gives no ID token (OAuth 2.0 providers). */
  idToken: string;
  accessToken: string;
  tokenType: string;
  scope: string;
  /** Epoch seconds when the provider's access token expires (from expires_in). */
  expiresAt: number | undefined;
  /** The provider granted a refresh token (kept in this module's memory, never shown). */
  hasRefreshToken: boolean;
  /** Decoded ID token claims (not verified here; STS verifies); empty without an ID token. */
  claims: Record<string, unknown>;
  header: Record<string, unknown>;
  /** What the provider's profile endpoint said about the user (OAuth 2.0 providers with a `profileEndpoint`). */
  profile: ProviderProfile | undefined;
  /** How these tokens were obtained. */
  obtainedBy: "sign-in" | "silent-renewal" | "refresh-token";
  /** Milliseconds from the callback landing (or the renewal starting) to tokens in hand. */
  callbackMs: number;
}

/** The profile call's answer (only for display: STS checks the token itself by calling the provider). */
export interface ProviderProfile {
  /** The URL called. */
  url: string;
  /** `user_id` (Login with Amazon) or `id` (Facebook). */
  userId?: string;
  name?: string;
  email?: string;
  /** The answer as received (JSON text), for the raw view. */
  raw?: string;
  /** Why the profile could not be read, when it could not (the sign-in still stands). */
  problem?: string;
}

/** How long a silent renewal in a hidden frame may take. */
const SILENT_TIMEOUT_MS = 10_000;

const clients = new Map<string, OidcClient>();

/** The refresh token of each provider's current session, in memory only; gone on sign-out. */
const refreshTokens = new Map<string, { token: string; idToken: string; scope: string; profile: SigninResponse["profile"] }>();

function appUrl(): string {
  return `${window.location.origin}/`;
}

/** The scope asked for: the profile's, plus `offline_access` when the profile opts in to refresh tokens. */
function scopeFor(provider: ProviderConfig): string {
  const scopes = provider.scope.split(" ").filter(Boolean);
  if (provider.refreshTokens && !scopes.includes("offline_access")) scopes.push("offline_access");
  return scopes.join(" ");
}

/**
 * The provider's discovery document (public), kept beside the PKCE state across the sign-in redirect so the callback
 * page does not fetch it again before redeeming the code (one round trip less between the callback and credentials).
 * Removed when read.
 */
function metadataKey(provider: ProviderConfig): string {
  return `wic-discovery.${provider.id}`;
}

function takeCarriedMetadata(provider: ProviderConfig): Partial<OidcMetadata> | undefined {
  if (provider.type !== "oidc") return undefined;
  // eslint-disable-next-line no-restricted-globals
  const text = sessionStorage.getItem(metadataKey(provider));
  // eslint-disable-next-line no-restricted-globals
  sessionStorage.removeItem(metadataKey(provider));
  if (text === null) return undefined;
  try {
    const parsed = JSON.parse(text) as Partial<OidcMetadata> | null;
    if (parsed === null) return undefined;
    // Only a document this provider published: same issuer, and the endpoints the callback needs.
    if (parsed.issuer !== provider.authority || typeof parsed.token_endpoint !== "string" || typeof parsed.authorization_endpoint !== "string") return undefined;
    return parsed;
  } catch {
    return undefined;
  }
}

/**
 * An OAuth 2.0 provider's endpoints as the library's metadata: there is no discovery document to read. `issuer` is
 * only the library's key for the state it stores (no ID token is ever checked against it).
 */
function oauth2Metadata(provider: OAuth2ProviderProfile): Partial<OidcMetadata> {
  return { issuer: provider.authorizationEndpoint, authorization_endpoint: provider.authorizationEndpoint, token_endpoint: provider.tokenEndpoint };
}

/** The one protocol client per provider. Its redirect state (and, across the redirect only, the public discovery document) is in sessionStorage; no token is ever stored. */
function clientFor(provider: ProviderConfig, metadata?: Partial<OidcMetadata>): OidcClient {
  let client = clients.get(provider.id);
  if (!client) {
    const known = provider.type === "oauth2" ? oauth2Metadata(provider) : metadata;
    client = new OidcClient({
      authority: provider.type === "oidc" ? provider.authority : provider.authorizationEndpoint,
      ...(known ? { metadata: known } : {}),
      client_id: provider.clientId,
      ...(provider.clientSecret ? { client_secret: provider.clientSecret, client_authentication: "client_secret_post" as const } : {}),
      redirect_uri: appUrl(),
      post_logout_redirect_uri: appUrl(),
      response_type: "code",
      scope: scopeFor(provider),
      loadUserInfo: false,
      filterProtocolClaims: false,
      requestTimeoutInSeconds: 15,
      // The PKCE verifier, state and nonce must survive the redirect: the only thing ever stored, removed on callback.
      // eslint-disable-next-line no-restricted-globals
      stateStore: new WebStorageStateStore({ store: sessionStorage, prefix: statePrefix(provider.id) }),
      staleStateAgeInSeconds: 600,
    });
    clients.set(provider.id, client);
  }
  return client;
}

/** Options of {@link beginSignIn}. */
export interface SignInOptions {
  /** `login`: show the provider's login form even when it has a session ("Sign in as someone else"). */
  prompt?: "login";
}

/**
 * Navigate to the provider's authorization endpoint (code flow + PKCE S256). With refresh tokens on, the request also
 * says `prompt=consent`: OIDC Core §11 lets a provider drop `offline_access` otherwise.
 *
 * @throws {ProviderError} when the provider's discovery document cannot be read.
 */
export async function beginSignIn(provider: ProviderConfig, opts: SignInOptions = {}): Promise<void> {
  try {
    const client = clientFor(provider);
    await client.clearStaleState();
    const prompts = [opts.prompt, provider.refreshTokens ? "consent" : undefined].filter((p): p is string => p !== undefined);
    const request = await client.createSigninRequest({ request_type: "si:r", ...(prompts.length > 0 ? { prompt: prompts.join(" ") } : {}) });
    // eslint-disable-next-line no-restricted-globals
    if (provider.type === "oidc") sessionStorage.setItem(metadataKey(provider), JSON.stringify(await client.metadataService.getMetadata()));
    window.location.assign(request.url);
  } catch (error) {
    throw toProviderError("sign-in", error, provider.label, providerAddress(provider));
  }
}

/**
 * Redeem the authorization code (once), returning the provider session. Removes the stored redirect state.
 *
 * @throws {ProviderError}
 */
export async function completeSignIn(provider: ProviderConfig, url: string): Promise<ProviderSession> {
  const started = performance.now();
  try {
    const response = await clientFor(provider, takeCarriedMetadata(provider)).processSigninResponse(url);
    return await toSession(provider, response, "sign-in", started);
  } catch (error) {
    throw toProviderError("callback", error, provider.label, providerAddress(provider));
  }
}

/** Load `url` in a hidden frame and wait for the app, loaded in it at the redirect URI, to hand back its URL. */
function answerFromHiddenFrame(url: string, provider: ProviderConfig): Promise<string> {
  return new Promise((resolve, reject) => {
    const frame = document.createElement("iframe");
    frame.hidden = true;
    frame.title = `Silent sign-in with ${provider.label}`;
    frame.setAttribute("aria-hidden", "true");
    frame.tabIndex = -1;
    const finish = (result: { url: string } | { error: ProviderError }): void => {
      window.clearTimeout(timer);
      window.removeEventListener("message", onMessage);
      frame.remove();
      if ("url" in result) resolve(result.url);
      else reject(result.error);
    };
    const onMessage = (event: MessageEvent): void => {
      if (event.origin !== window.location.origin || event.source !== frame.contentWindow) return;
      const data = event.data as { source?: unknown; url?: unknown } | null;
      if (data?.source !== SILENT_RENEWAL_MESSAGE || typeof data.url !== "string") return;
      finish({ url: data.url });
    };
    const timer = window.setTimeout(
      () => finish({ error: new ProviderError("timeout", "renewal", `Renewing the sign-in silently failed: ${provider.label} did not answer within ${SILENT_TIMEOUT_MS / 1000} s.`) }),
      SILENT_TIMEOUT_MS,
    );
    window.addEventListener("message", onMessage);
    frame.src = url;
    document.body.append(frame);
  });
}

/**
 * Get fresh provider tokens without showing anything: with the in-memory refresh token when the provider granted
 * one, else an authorization request with `prompt=none` in a hidden frame (the provider's session cookie decides).
 * A renewal that comes back for another user than `expectedSub` is refused.
 *
 * @throws {ProviderError} `login-required` when the provider wants the user at its login page.
 */
export async function renewSilently(provider: ProviderConfig, expectedSub?: string): Promise<ProviderSession> {
  if (provider.type === "oauth2") {
    throw new ProviderError(
      "login-required",
      "renewal",
      `${provider.label} gives browser apps no way to renew a sign-in silently: sign in again for a new access token.`,
    );
  }
  const started = performance.now();
  const client = clientFor(provider);
  let session: ProviderSession;
  try {
    const held = refreshTokens.get(provider.id);
    if (held) {
      const response = await client.useRefreshToken({
        state: { refresh_token: held.token, id_token: held.idToken, session_state: null, scope: held.scope, profile: held.profile, data: undefined },
        timeoutInSeconds: SILENT_TIMEOUT_MS / 1000,
      });
      // A refresh answer without a new refresh token keeps the old one (RFC 6749 §6), and likewise the ID token.
      response.refresh_token ??= held.token;
      response.id_token ??= held.idToken;
      session = await toSession(provider, response, "refresh-token", started);
    } else {
      const request = await client.createSigninRequest({ request_type: "si:s", prompt: "none" });
      const answer = await answerFromHiddenFrame(request.url, provider);
      session = await toSession(provider, await client.processSigninResponse(answer), "silent-renewal", started);
    }
  } catch (error) {
    throw toProviderError("renewal", error, provider.label, providerAddress(provider));
  }
  if (expectedSub !== undefined && session.subject !== expectedSub) {
    forgetSession(provider);
    throw new ProviderError("login-required", "renewal", `${provider.label} is now signed in as someone else; sign in again to continue.`);
  }
  return session;
}

/** How long the profile call may take before the sign-in goes on without it. */
const PROFILE_TIMEOUT_MS = 5_000;

/**
 * Ask the provider's profile endpoint who the access token belongs to (Login with Amazon `/user/profile`, Facebook
 * `/me`). Never throws: a failure is described in `problem`, and the sign-in stands (STS checks the token itself).
 */
async function readProfile(url: string, accessToken: string): Promise<ProviderProfile> {
  try {
    const response = await fetch(url, { headers: { Authorization: `Bearer ${accessToken}`, Accept: "application/json" }, signal: AbortSignal.timeout(PROFILE_TIMEOUT_MS) });
    const raw = await response.text();
    if (!response.ok) return { url, raw, problem: `The profile endpoint answered HTTP ${response.status}.` };
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      return { url, raw, problem: "The profile endpoint's answer is not JSON." };
    }
    const b = (typeof body === "object" && body !== null ? body : {}) as Record<string, unknown>;
    const text = (v: unknown) => (typeof v === "string" && v !== "" ? v : undefined);
    const userId = text(b.user_id) ?? text(b.id);
    const name = text(b.name);
    const email = text(b.email);
    return { url, raw, ...(userId ? { userId } : {}), ...(name ? { name } : {}), ...(email ? { email } : {}) };
  } catch (error) {
    const why = error instanceof DOMException && error.name === "TimeoutError" ? `no answer within ${PROFILE_TIMEOUT_MS / 1000} s` : "the request failed (network or CORS)";
    return { url, problem: `The profile endpoint could not be read: ${why}.` };
  }
}

function firstText(...values: unknown[]): string | undefined {
  for (const v of values) if (typeof v === "string" && v !== "") return v;
  return undefined;
}

/**
 * The provider session for a token response, as the profile says: for an ID-token profile the decoded ID token
 * (its `sub`, `exp`, `iat`); for an access-token profile the opaque access token with its `ProviderId`, who the profile
 * endpoint says it is, and its `expires_in`. Exported for tests.
 *
 * @throws {ProviderError} `invalid-response` when the token the profile sends to STS is missing or not a JWT.
 */
export async function toSession(provider: ProviderConfig, response: SigninResponse, obtainedBy: ProviderSession["obtainedBy"], started: number): Promise<ProviderSession> {
  const now = Math.floor(Date.now() / 1000);
  const common = {
    providerId: provider.id,
    accessToken: response.access_token,
    tokenType: response.token_type,
    scope: response.scope ?? "",
    expiresAt: response.expires_at,
    obtainedBy,
  };
  if (provider.stsToken === "access_token") {
    if (!response.access_token) throw new ProviderError("invalid-response", "callback", `${provider.label} answered without an access token.`);
    const profile = provider.profileEndpoint ? await readProfile(provider.profileEndpoint, response.access_token) : undefined;
    return {
      ...common,
      stsToken: "access_token",
      stsProviderId: provider.type === "oauth2" ? provider.providerId : undefined,
      webIdentityToken: response.access_token,
      webIdentityTokenExpiresAt: response.expires_at,
      webIdentityTokenIssuedAt: now,
      subject: profile?.userId ?? "",
      displayName: firstText(profile?.email, profile?.name, profile?.userId) ?? "web-user",
      idToken: "",
      hasRefreshToken: false,
      claims: {},
      header: {},
      profile,
      callbackMs: performance.now() - started,
    };
  }
  const idToken = response.id_token;
  if (!idToken) throw new ProviderError("invalid-response", "callback", `${provider.label} answered without an ID token; check that the scope includes openid.`);
  const decoded = decodeJwt(idToken);
  if (!decoded) throw new ProviderError("invalid-response", "callback", `${provider.label}'s ID token is not a JWT.`);
  if (response.refresh_token) refreshTokens.set(provider.id, { token: response.refresh_token, idToken, scope: response.scope ?? "", profile: response.profile });
  else refreshTokens.delete(provider.id);
  const { exp, iat, sub } = decoded.claims;
  const c = decoded.claims;
  return {
    ...common,
    stsToken: "id_token",
    stsProviderId: undefined,
    webIdentityToken: idToken,
    webIdentityTokenExpiresAt: typeof exp === "number" && Number.isFinite(exp) ? exp : undefined,
    webIdentityTokenIssuedAt: typeof iat === "number" && Number.isFinite(iat) ? iat : now,
    subject: typeof sub === "string" ? sub : "",
    displayName: firstText(c.preferred_username, c.email, c.name, c.sub) ?? "web-user",
    idToken,
    hasRefreshToken: typeof response.refresh_token === "string" && response.refresh_token !== "",
    claims: decoded.claims,
    header: decoded.header,
    profile: undefined,
    callbackMs: performance.now() - started,
  };
}

/** What {@link signOutAtProvider} did. */
export interface SignOutResult {
  /** A refresh token existed and the provider's revocation endpoint accepted its revocation. */
  revoked: boolean;
  /** Why a refresh token could not be revoked, when one existed. */
  revokeProblem?: string;
  /** The browser is on its way to the provider's end-session endpoint (it comes back to the app). */
  redirecting: boolean;
  /** Why the provider's session could not be ended, when it could not. */
  endSessionProblem?: string;
}

/** What a sign-out that left the page did before leaving (carried through the provider in the sign-out state). */
export type SignOutOutcome = Pick<SignOutResult, "revoked" | "revokeProblem">;

/**
 * Sign out for real: revoke the refresh token (when there is one and the provider has a revocation endpoint), forget
 * the tokens, and end the provider's session with RP-initiated logout (`end_session_endpoint` with `client_id`,
 * `post_logout_redirect_uri` = the app) when the provider has one — that navigates away. Never throws: what could not
 * be done is in the result, and the in-memory tokens are gone either way.
 */
export async function signOutAtProvider(provider: ProviderConfig): Promise<SignOutResult> {
  const client = clientFor(provider);
  const held = refreshTokens.get(provider.id);
  refreshTokens.delete(provider.id);
  let revoked = false;
  let revokeProblem: string | undefined;
  let endSessionProblem: string | undefined;
  try {
    const [revocation, endSession] = await Promise.all([client.metadataService.getRevocationEndpoint(true), client.metadataService.getEndSessionEndpoint()]);
    if (held) {
      if (revocation) {
        try {
          await client.revokeToken(held.token, "refresh_token");
          revoked = true;
        } catch (error) {
          revokeProblem = `Revoking the refresh token failed: ${toProviderError("sign-out", error, provider.label, providerAddress(provider)).message}`;
        }
      } else {
        revokeProblem = `${provider.label} has no revocation endpoint; its refresh token stays valid until it expires.`;
      }
    }
    if (!endSession) {
      endSessionProblem = `${provider.label} offers apps no way to end its session (no end_session_endpoint), so it may still remember you: on a shared computer, sign out on its own site too.`;
    } else {
      // No id_token_hint: it would put a still-valid ID token (a bearer credential for STS until it expires) in a URL
      // and the browser's history. client_id identifies the app instead (RP-Initiated Logout 1.0 §2); the provider then
      // asks the user to confirm. The library stores the state, which completeSignOut reads back.
      const outcome: SignOutOutcome = { revoked, ...(revokeProblem ? { revokeProblem } : {}) };
      const request = await client.createSignoutRequest({ client_id: provider.clientId, state: outcome, request_type: "so:r" });
      window.location.assign(request.url);
      return { ...outcome, redirecting: true };
    }
  } catch (error) {
    endSessionProblem = `${toProviderError("sign-out", error, provider.label, providerAddress(provider)).message} ${provider.label} may still remember you.`;
  }
  return { revoked, redirecting: false, ...(revokeProblem ? { revokeProblem } : {}), ...(endSessionProblem ? { endSessionProblem } : {}) };
}

/**
 * Finish an RP-initiated logout that came back to the app: consume the stored sign-out state and return what the
 * sign-out did before it left.
 *
 * @throws {ProviderError} when the answer does not match a sign-out started here.
 */
export async function completeSignOut(provider: ProviderConfig, url: string): Promise<SignOutOutcome> {
  try {
    const response = await clientFor(provider).processSignoutResponse(url);
    const data = response.userState as Partial<SignOutOutcome> | undefined;
    return { revoked: data?.revoked === true, ...(typeof data?.revokeProblem === "string" ? { revokeProblem: data.revokeProblem } : {}) };
  } catch (error) {
    throw toProviderError("sign-out", error, provider.label, providerAddress(provider));
  }
}

/** Forget the provider tokens held in memory (local sign-out only). */
export function forgetSession(provider: ProviderConfig): void {
  refreshTokens.delete(provider.id);
}
