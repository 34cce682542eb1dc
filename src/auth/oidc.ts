import { InMemoryWebStorage, OidcClient, UserManager, WebStorageStateStore, type OidcMetadata, type User } from "oidc-client-ts";
import type { ProviderConfig } from "../config";
import { statePrefix } from "./callback";
import { ProviderError, toProviderError } from "./errors";
import { decodeJwt } from "./jwt";

/**
 * The provider tokens the rest of the app sees. Held in memory only: the UserManager's user store is an
 * InMemoryWebStorage, so a reload loses them (DESIGN §6).
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
  /** The provider granted a refresh token (kept inside oidc-client-ts's in-memory user store, never shown). */
  hasRefreshToken: boolean;
  /** Decoded ID token claims (not verified here; STS verifies). */
  claims: Record<string, unknown>;
  header: Record<string, unknown>;
  /** How these tokens were obtained. */
  obtainedBy: "sign-in" | "silent-renewal" | "refresh-token";
  /** Milliseconds from the callback landing (or the renewal starting) to tokens in hand. */
  callbackMs: number;
}

const managers = new Map<string, UserManager>();

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

/** The one UserManager per provider, with tokens in memory and redirect state in sessionStorage. */
export function userManagerFor(provider: ProviderConfig, metadata?: Partial<OidcMetadata>): UserManager {
  let manager = managers.get(provider.id);
  if (!manager) {
    manager = new UserManager({
      authority: provider.authority,
      ...(metadata ? { metadata } : {}),
      client_id: provider.clientId,
      ...(provider.clientSecret ? { client_secret: provider.clientSecret, client_authentication: "client_secret_post" as const } : {}),
      redirect_uri: appUrl(),
      // The app itself answers in the hidden frame: src/main.tsx notices it is framed and hands the URL to the parent.
      silent_redirect_uri: appUrl(),
      post_logout_redirect_uri: appUrl(),
      response_type: "code",
      scope: scopeFor(provider),
      loadUserInfo: false,
      automaticSilentRenew: false,
      monitorSession: false,
      includeIdTokenInSilentRenew: false,
      validateSubOnSilentRenew: true,
      revokeTokenTypes: ["refresh_token"],
      requestTimeoutInSeconds: 15,
      silentRequestTimeoutInSeconds: 10,
      userStore: new WebStorageStateStore({ store: new InMemoryWebStorage() }),
      // The PKCE verifier, state and nonce must survive the redirect: the only thing ever stored, removed on callback.
      // eslint-disable-next-line no-restricted-globals
      stateStore: new WebStorageStateStore({ store: sessionStorage, prefix: statePrefix(provider.id) }),
      staleStateAgeInSeconds: 600,
    });
    managers.set(provider.id, manager);
  }
  return manager;
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
    const manager = userManagerFor(provider);
    await manager.clearStaleState();
    const prompts = [opts.prompt, provider.refreshTokens ? "consent" : undefined].filter((p): p is string => p !== undefined);
    // eslint-disable-next-line no-restricted-globals
    sessionStorage.setItem(metadataKey(provider), JSON.stringify(await manager.metadataService.getMetadata()));
    await manager.signinRedirect(prompts.length > 0 ? { prompt: prompts.join(" ") } : {});
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
    const user = await userManagerFor(provider, takeCarriedMetadata(provider)).signinRedirectCallback(url);
    return toSession(provider, user, "sign-in", performance.now() - started);
  } catch (error) {
    throw toProviderError("callback", error, provider.label);
  }
}

/**
 * Get fresh provider tokens without showing anything: with the in-memory refresh token when the provider granted
 * one, else an authorization request with `prompt=none` in a hidden frame (the provider's session cookie decides).
 *
 * @throws {ProviderError} `login-required` when the provider wants the user at its login page.
 */
export async function renewSilently(provider: ProviderConfig): Promise<ProviderSession> {
  const started = performance.now();
  try {
    const manager = userManagerFor(provider);
    const before = await manager.getUser();
    const user = await manager.signinSilent();
    if (!user) throw new ProviderError("invalid-response", "renewal", `${provider.label} answered the silent renewal without tokens.`);
    const obtainedBy = before?.refresh_token ? "refresh-token" : "silent-renewal";
    return toSession(provider, user, obtainedBy, performance.now() - started);
  } catch (error) {
    throw toProviderError("renewal", error, provider.label);
  }
}

function toSession(provider: ProviderConfig, user: User, obtainedBy: ProviderSession["obtainedBy"], callbackMs: number): ProviderSession {
  const idToken = user.id_token;
  if (!idToken) throw new ProviderError("invalid-response", "callback", `${provider.label} answered without an ID token; check that the scope includes openid.`);
  const decoded = decodeJwt(idToken);
  if (!decoded) throw new ProviderError("invalid-response", "callback", `${provider.label}'s ID token is not a JWT.`);
  const exp = decoded.claims.exp;
  return {
    providerId: provider.id,
    webIdentityToken: idToken,
    webIdentityTokenExpiresAt: typeof exp === "number" && Number.isFinite(exp) ? exp : undefined,
    idToken,
    accessToken: user.access_token,
    tokenType: user.token_type,
    scope: user.scope ?? "",
    expiresAt: user.expires_at,
    hasRefreshToken: typeof user.refresh_token === "string" && user.refresh_token !== "",
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

/**
 * Sign out for real: revoke the refresh token (when there is one and the provider has a revocation endpoint), forget
 * the tokens, and end the provider's session with RP-initiated logout (`end_session_endpoint` with `client_id`,
 * `post_logout_redirect_uri` = the app) when the provider has one — that navigates away. Never throws: what could not
 * be done is in the result, and the in-memory tokens are gone either way.
 */
export async function signOutAtProvider(provider: ProviderConfig): Promise<SignOutResult> {
  const manager = userManagerFor(provider);
  let revoked = false;
  let revokeProblem: string | undefined;
  let endSessionProblem: string | undefined;
  try {
    const user = await manager.getUser();
    const [revocation, endSession] = await Promise.all([
      manager.metadataService.getRevocationEndpoint(true),
      manager.metadataService.getEndSessionEndpoint(),
    ]);
    if (user?.refresh_token) {
      if (revocation) {
        try {
          await manager.revokeTokens(["refresh_token"]);
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
    } else if (user) {
      // No id_token_hint: it would put a still-valid ID token (a bearer credential for STS until it expires) in a URL
      // and the browser's history. client_id identifies the app instead (RP-Initiated Logout 1.0 §2); the provider then
      // asks the user to confirm. The library stores the state, which completeSignOut reads back.
      const outcome: SignOutOutcome = { revoked, ...(revokeProblem ? { revokeProblem } : {}) };
      const request = await new OidcClient(manager.settings, manager.metadataService).createSignoutRequest({ client_id: provider.clientId, state: outcome, request_type: "so:r" });
      await manager.removeUser();
      window.location.assign(request.url);
      return { ...outcome, redirecting: true };
    }
  } catch (error) {
    endSessionProblem = `${toProviderError("sign-out", error, provider.label).message} ${provider.label} may still remember you.`;
  }
  await manager.removeUser().catch(() => undefined);
  return { revoked, redirecting: false, ...(revokeProblem ? { revokeProblem } : {}), ...(endSessionProblem ? { endSessionProblem } : {}) };
}

/** What a sign-out that left the page did before leaving (carried through the provider in the sign-out state). */
export type SignOutOutcome = Pick<SignOutResult, "revoked" | "revokeProblem">;

/**
 * Finish an RP-initiated logout that came back to the app: consume the stored sign-out state and return what the
 * sign-out did before it left.
 *
 * @throws {ProviderError} when the answer does not match a sign-out started here.
 */
export async function completeSignOut(provider: ProviderConfig, url: string): Promise<SignOutOutcome> {
  try {
    const response = await userManagerFor(provider).signoutRedirectCallback(url);
    const data = response.userState as Partial<SignOutOutcome> | undefined;
    return { revoked: data?.revoked === true, ...(typeof data?.revokeProblem === "string" ? { revokeProblem: data.revokeProblem } : {}) };
  } catch (error) {
    throw toProviderError("sign-out", error, provider.label);
  }
}

/** Forget the provider tokens held in memory (local sign-out only). */
export async function forgetSession(provider: ProviderConfig): Promise<void> {
  await userManagerFor(provider).removeUser();
}

/**
 * In the hidden frame of a silent renewal: hand the authorization response to the parent page, which redeems it.
 * Needs no provider settings (the library posts the URL to the parent window on this origin).
 */
export async function notifySilentRenewalParent(url: string): Promise<void> {
  const manager = new UserManager({ authority: window.location.origin, client_id: "silent-renewal-frame", redirect_uri: appUrl(), userStore: new WebStorageStateStore({ store: new InMemoryWebStorage() }) });
  await manager.signinSilentCallback(url);
}
