/**
 * The only code that drives oidc-client-ts (CONVENTIONS 3). It uses the library's protocol core, `OidcClient`: the
 * library builds every request (PKCE S256, state, nonce), stores the redirect state, redeems codes, validates answers,
 * runs the refresh grant, revocation and end-session requests. This module only moves the browser — a redirect, or a
 * hidden frame for silent renewal — and keeps the tokens in memory. (`UserManager` would add popups, session
 * monitoring, DPoP stores and a user store this app does not use: ~7 KB gzip.)
 */
import { OidcClient, WebStorageStateStore, type OidcMetadata, type SigninResponse } from "oidc-client-ts";
import type { ProviderConfig } from "../config";
import { SILENT_RENEWAL_MESSAGE, statePrefix } from "./callback";
import { ProviderError, toProviderError } from "./errors";
import { decodeJwt } from "./jwt";

/**
 * The provider tokens the rest of the app sees. Held in memory only (DESIGN §6): a reload loses them.
 */
export interface ProviderSession {
  providerId: string;
  /** The token STS receives: the ID token for OIDC providers. */
  webIdentityToken: string;
  /** Epoch seconds after which the provider says `webIdentityToken` is expired (the ID token's `exp`). */
  webIdentityTokenExpiresAt: number | undefined;
  idToken: string;
  accessToken: string;
  tokenType: string;
  scope: string;
  /** Epoch seconds when the provider's access token expires (from expires_in). */
  expiresAt: number | undefined;
  /** The provider granted a refresh token (kept in this module's memory, never shown). */
  hasRefreshToken: boolean;
  /** Decoded ID token claims (not verified here; STS verifies). */
  claims: Record<string, unknown>;
  header: Record<string, unknown>;
  /** How these tokens were obtained. */
  obtainedBy: "sign-in" | "silent-renewal" | "refresh-token";
  /** Milliseconds from the callback landing (or the renewal starting) to tokens in hand. */
  callbackMs: number;
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
  // eslint-disable-next-line no-restricted-globals
  const text = sessionStorage.getItem(metadataKey(provider));
  // eslint-disable-next-line no-restricted-globals
  sessionStorage.removeItem(metadataKey(provider));
  if (text === null) return undefined;
  try {
    const parsed = JSON.parse(text) as Partial<OidcMetadata> | null;
    // Only a document this provider published: same issuer, and the endpoints the callback needs.
    if (parsed?.issuer !== provider.authority || typeof parsed.token_endpoint !== "string" || typeof parsed.authorization_endpoint !== "string") return undefined;
    return parsed;
  } catch {
    return undefined;
  }
}

/** The one protocol client per provider. Its redirect state (and, across the redirect only, the public discovery document) is in sessionStorage; no token is ever stored. */
function clientFor(provider: ProviderConfig, metadata?: Partial<OidcMetadata>): OidcClient {
  let client = clients.get(provider.id);
  if (!client) {
    client = new OidcClient({
      authority: provider.authority,
      ...(metadata ? { metadata } : {}),
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
    sessionStorage.setItem(metadataKey(provider), JSON.stringify(await client.metadataService.getMetadata()));
    window.location.assign(request.url);
  } catch (error) {
    throw toProviderError("sign-in", error, provider.label);
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
    return toSession(provider, response, "sign-in", performance.now() - started);
  } catch (error) {
    throw toProviderError("callback", error, provider.label);
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
      session = toSession(provider, response, "refresh-token", performance.now() - started);
    } else {
      const request = await client.createSigninRequest({ request_type: "si:s", prompt: "none" });
      const answer = await answerFromHiddenFrame(request.url, provider);
      session = toSession(provider, await client.processSigninResponse(answer), "silent-renewal", performance.now() - started);
    }
  } catch (error) {
    throw toProviderError("renewal", error, provider.label);
  }
  if (expectedSub !== undefined && session.claims.sub !== expectedSub) {
    forgetSession(provider);
    throw new ProviderError("login-required", "renewal", `${provider.label} is now signed in as someone else; sign in again to continue.`);
  }
  return session;
}

function toSession(provider: ProviderConfig, response: SigninResponse, obtainedBy: ProviderSession["obtainedBy"], callbackMs: number): ProviderSession {
  const idToken = response.id_token;
  if (!idToken) throw new ProviderError("invalid-response", "callback", `${provider.label} answered without an ID token; check that the scope includes openid.`);
  const decoded = decodeJwt(idToken);
  if (!decoded) throw new ProviderError("invalid-response", "callback", `${provider.label}'s ID token is not a JWT.`);
  if (response.refresh_token) refreshTokens.set(provider.id, { token: response.refresh_token, idToken, scope: response.scope ?? "", profile: response.profile });
  else refreshTokens.delete(provider.id);
  const exp = decoded.claims.exp;
  return {
    providerId: provider.id,
    webIdentityToken: idToken,
    webIdentityTokenExpiresAt: typeof exp === "number" && Number.isFinite(exp) ? exp : undefined,
    idToken,
    accessToken: response.access_token,
    tokenType: response.token_type,
    scope: response.scope ?? "",
    expiresAt: response.expires_at,
    hasRefreshToken: typeof response.refresh_token === "string" && response.refresh_token !== "",
    claims: decoded.claims,
    header: decoded.header,
    obtainedBy,
    callbackMs,
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
          revokeProblem = `Revoking the refresh token failed: ${toProviderError("sign-out", error, provider.label).message}`;
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
    endSessionProblem = `${toProviderError("sign-out", error, provider.label).message} ${provider.label} may still remember you.`;
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
    throw toProviderError("sign-out", error, provider.label);
  }
}

/** Forget the provider tokens held in memory (local sign-out only). */
export function forgetSession(provider: ProviderConfig): void {
  refreshTokens.delete(provider.id);
}
