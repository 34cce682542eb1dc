import type { ProviderError } from "./errors";
import type { ProviderSession } from "./oidc";

/** What the signed-out screen says after a sign-out (so the user knows what was ended). */
export interface SignedOutNotice {
  providerLabel: string;
  /** The provider's own session was ended too (RP-initiated logout came back). */
  endedProviderSession: boolean;
  /** What else the sign-out did or could not do (refresh token revoked; no end-session endpoint…), in plain words. */
  detail?: string;
}

/** Auth UI state: a tagged union driven by one reducer (CONVENTIONS 8). */
export type AuthState =
  | { status: "signed-out"; error?: ProviderError; notice?: SignedOutNotice }
  | { status: "redirecting"; providerId: string }
  | { status: "completing"; providerId: string }
  /** After a reload: one silent sign-in attempt with the provider this tab used. */
  | { status: "restoring"; providerId: string }
  | { status: "signing-out"; providerId: string }
  | { status: "signed-in"; session: ProviderSession; restored: boolean };

export type AuthAction =
  | { type: "redirect"; providerId: string }
  | { type: "complete"; providerId: string }
  | { type: "restore"; providerId: string }
  | { type: "signed-in"; session: ProviderSession; restored?: boolean }
  | { type: "failed"; error: ProviderError }
  | { type: "signing-out"; providerId: string }
  | { type: "signed-out"; notice?: SignedOutNotice };

export function authReducer(state: AuthState, action: AuthAction): AuthState {
  switch (action.type) {
    case "redirect":
      return { status: "redirecting", providerId: action.providerId };
    case "complete":
      return { status: "completing", providerId: action.providerId };
    case "restore":
      return { status: "restoring", providerId: action.providerId };
    case "signed-in": {
      const restored = action.restored ?? false;
      // Already showing this session (the first render came after the tokens): no new state, no re-render.
      if (state.status === "signed-in" && state.session === action.session && state.restored === restored) return state;
      return { status: "signed-in", session: action.session, restored };
    }
    case "failed":
      return { status: "signed-out", error: action.error };
    case "signing-out":
      return { status: "signing-out", providerId: action.providerId };
    case "signed-out":
      return action.notice ? { status: "signed-out", notice: action.notice } : { status: "signed-out" };
  }
}

/**
 * Blank the tokens of a provider session in place. Sign-out calls this on every session object it knows of: React
 * may keep an earlier state (and so this object) alive in an alternate fiber until its next render, which after a
 * sign-out may never come — emptying the object itself leaves nothing behind whatever still points at it.
 */
export function wipeProviderSession(session: ProviderSession): void {
  session.webIdentityToken = "";
  session.idToken = "";
  session.accessToken = "";
  session.claims = {};
  session.header = {};
  session.profile = undefined;
}
