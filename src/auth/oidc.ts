import { InMemoryWebStorage, UserManager, WebStorageStateStore, type User } from "oidc-client-ts";
import type { ProviderConfig } from "../config";
import { statePrefix } from "./callback";
import { decodeJwt } from "./jwt";

/**
 * The provider tokens the rest of the app sees. Held in memory only: the UserManager's user store is an
 * InMemoryWebStorage, so a reload loses them (DESIGN §6).
 */
export interface ProviderSession {
  providerId: string;
  /** The token STS receives: the ID token for OIDC providers. */
  webIdentityToken: string;
  idToken: string;
  accessToken: string;
  tokenType: string;
  scope: string;
  /** Epoch seconds when the provider's access token expires (from expires_in). */
  expiresAt: number | undefined;
  /** Decoded ID token claims (not verified here; STS verifies). */
  claims: Record<string, unknown>;
  header: Record<string, unknown>;
  /** Milliseconds from the callback landing to tokens in hand. */
  callbackMs: number;
}

const managers = new Map<string, UserManager>();

function redirectUri(): string {
  return `${window.location.origin}/`;
}

/** The one UserManager per provider, with tokens in memory and redirect state in sessionStorage. */
export function userManagerFor(provider: ProviderConfig): UserManager {
  let manager = managers.get(provider.id);
  if (!manager) {
    manager = new UserManager({
      authority: provider.authority,
      client_id: provider.clientId,
      ...(provider.clientSecret ? { client_secret: provider.clientSecret, client_authentication: "client_secret_post" as const } : {}),
      redirect_uri: redirectUri(),
      post_logout_redirect_uri: redirectUri(),
      response_type: "code",
      scope: provider.scope,
      loadUserInfo: false,
      automaticSilentRenew: false,
      monitorSession: false,
      includeIdTokenInSilentRenew: false,
      requestTimeoutInSeconds: 15,
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

/** Navigate to the provider's authorization endpoint (code flow + PKCE S256). */
export async function beginSignIn(provider: ProviderConfig, opts: { prompt?: string } = {}): Promise<void> {
  const manager = userManagerFor(provider);
  await manager.clearStaleState();
  await manager.signinRedirect(opts.prompt ? { prompt: opts.prompt } : {});
}

/** Redeem the authorization code (once), returning the provider session. Removes the stored redirect state. */
export async function completeSignIn(provider: ProviderConfig, url: string): Promise<ProviderSession> {
  const started = performance.now();
  const user = await userManagerFor(provider).signinRedirectCallback(url);
  return toSession(provider.id, user, performance.now() - started);
}

function toSession(providerId: string, user: User, callbackMs: number): ProviderSession {
  const idToken = user.id_token;
  if (!idToken) throw new Error("The provider answered without an ID token; check that the scope includes openid.");
  const decoded = decodeJwt(idToken);
  if (!decoded) throw new Error("The provider's ID token is not a JWT.");
  return {
    providerId,
    webIdentityToken: idToken,
    idToken,
    accessToken: user.access_token,
    tokenType: user.token_type,
    scope: user.scope ?? "",
    expiresAt: user.expires_at,
    claims: decoded.claims,
    header: decoded.header,
    callbackMs,
  };
}

/** Forget the provider tokens held in memory (local sign-out). */
export async function forgetSession(provider: ProviderConfig): Promise<void> {
  await userManagerFor(provider).removeUser();
}
