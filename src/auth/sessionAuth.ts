import type { ProviderConfig } from "../config";
import { writeResumeHint, type ResumeExchange } from "./callback";
import { ProviderError, providerAddress, toProviderError } from "./errors";
import type { ProviderSession } from "./oidc";

/** What a signed-in session needs from auth, with no React: renew the provider's tokens, remember the last exchange. */
export interface SessionAuth {
  /** Fresh provider tokens without a visible page (refresh token or `prompt=none`); rejects with a ProviderError. */
  renew(providerId: string, expectedSub?: string): Promise<ProviderSession>;
  /** Remember (in this history entry, not in storage) the last exchange's choices for a restore after reload. */
  rememberExchange(providerId: string, exchange: ResumeExchange): void;
}

/** Told the moment a session's tokens arrive (before React renders anything for it). */
export interface SessionStart {
  session: ProviderSession;
  /** Signed in again silently after a reload. */
  restored: boolean;
  /** The last exchange's choices remembered across the reload, if any. */
  resumedExchange: ResumeExchange | undefined;
  auth: SessionAuth;
}

// oidc-client-ts loads only when a sign-in starts, completes or renews: it is not part of the first page load.
export const loadOidc = () => import("./oidc");

export function createSessionAuth(providers: ProviderConfig[]): SessionAuth {
  return {
    async renew(providerId, expectedSub) {
      const provider = providers.find((p) => p.id === providerId);
      if (!provider) throw new ProviderError("invalid-response", "renewal", `No provider "${providerId}" is configured.`);
      const oidc = await loadOidc().catch((error: unknown) => {
        throw toProviderError("renewal", error, provider.label, providerAddress(provider));
      });
      return oidc.renewSilently(provider, expectedSub);
    },
    rememberExchange: (providerId, exchange) => writeResumeHint({ providerId, exchange }),
  };
}

/**
 * How long the page may stay on its current screen while a session's first STS exchange runs before it shows that
 * step. A wait shorter than this is not perceptible, and rendering in it would hold the token and STS answers up behind
 * layout and paint; a longer wait shows the step the app is on.
 */
export const UNNOTICED_WAIT_MS = 100;

/** Run `show` once `ready` settles, or after {@link UNNOTICED_WAIT_MS} if it is still pending by then. */
export function showWhenReady(ready: Promise<unknown> | undefined | void, show: () => void): void {
  if (!ready) {
    show();
    return;
  }
  let shown = false;
  const once = (): void => {
    if (shown) return;
    shown = true;
    globalThis.clearTimeout(timer);
    show();
  };
  const timer = globalThis.setTimeout(once, UNNOTICED_WAIT_MS);
  ready.then(once, once);
}
