import { createContext, useCallback, useContext, useEffect, useMemo, useReducer, useRef, type ReactNode } from "react";
import type { ProviderConfig } from "../config";
import { readResumeHint, writeResumeHint, type ResumeExchange } from "./callback";
import { startLanding } from "./landing";
import { providerAddress, toProviderError } from "./errors";
import type { ProviderSession, SignInOptions } from "./oidc";
import { createSessionAuth, loadOidc, showWhenReady, type SessionStart } from "./sessionAuth";
import { authReducer, wipeProviderSession, type AuthState } from "./state";

interface AuthContextValue {
  state: AuthState;
  signIn(providerId: string, opts?: SignInOptions): void;
  /** Forget everything in memory at once, then revoke and end the provider session (may navigate away). */
  signOut(): Promise<void>;
  /** Fresh provider tokens without a visible page (refresh token or `prompt=none`); throws a ProviderError. */
  renew(providerId: string, expectedSub?: string): Promise<ProviderSession>;
  /** Remember (in this history entry, not in storage) the last exchange's choices for a restore after reload. */
  rememberExchange(providerId: string, exchange: ResumeExchange): void;
}

const AuthContext = createContext<AuthContextValue | null>(null);

export type { SessionAuth, SessionStart } from "./sessionAuth";

function initialState(providers: ProviderConfig[]): AuthState {
  const landing = startLanding(providers);
  switch (landing.kind) {
    case "sign-in":
      // The first render may come after the tokens (see src/main.tsx): then it shows the session at once.
      return landing.session ? { status: "signed-in", session: landing.session, restored: false } : { status: "completing", providerId: landing.provider.id };
    case "stale-sign-in":
      return { status: "signed-out", error: landing.error };
    case "sign-out":
      return { status: "signed-out", notice: { providerLabel: landing.provider.label, endedProviderSession: true } };
    case "none": {
      const hint = readResumeHint();
      if (hint && providers.some((p) => p.id === hint.providerId)) return { status: "restoring", providerId: hint.providerId };
      return { status: "signed-out" };
    }
  }
}

export function AuthProvider({ providers, landedSession, onSignedIn, onSignedOut, children }: {
  providers: ProviderConfig[];
  /**
   * The session of a sign-in callback, started outside React the moment its tokens arrived (src/sessionHost.ts
   * `beginLandedSession`); settles when it is ready to show.
   */
  landedSession?: Promise<void> | undefined;
  /**
   * Called once per restored session (a silent sign-in after a reload), as soon as its tokens are in hand; may return
   * a promise that settles when the session is ready to show (its first exchange is done). Must be stable.
   */
  onSignedIn?: (start: SessionStart) => Promise<void> | void;
  /** Called first thing on sign-out, to drop the session's credentials. Must be stable. */
  onSignedOut?: () => void;
  children: ReactNode;
}) {
  const [state, dispatch] = useReducer(authReducer, providers, initialState);
  // The landing is handled once (startLanding memoizes it); the guard keeps StrictMode's second effect from re-subscribing.
  const landingHandled = useRef(false);
  const sessionAuth = useMemo(() => createSessionAuth(providers), [providers]);
  const byId = useCallback((id: string) => providers.find((p) => p.id === id), [providers]);

  useEffect(() => {
    if (landingHandled.current) return;
    landingHandled.current = true;
    const landing = startLanding(providers);
    if (landing.kind === "sign-out") {
      const { provider, outcome } = landing;
      outcome
        .then(({ revoked, revokeProblem }) => {
          const detail = revokeProblem ?? (revoked ? "The refresh token was revoked at the provider." : undefined);
          dispatch({ type: "signed-out", notice: { providerLabel: provider.label, endedProviderSession: true, ...(detail ? { detail } : {}) } });
        })
        .catch(() => undefined);
      return;
    }
    if (landing.kind === "sign-in") {
      const { provider, tokens } = landing;
      tokens
        .then((session) => {
          showWhenReady(landedSession, () => dispatch({ type: "signed-in", session }));
        })
        .catch((error: unknown) => dispatch({ type: "failed", error: toProviderError("callback", error, provider.label, providerAddress(provider)) }));
      return;
    }
    if (landing.kind === "stale-sign-in") return; // the initial state already says so
    // A reload or Back lost the in-memory session: one silent attempt with the provider this tab used.
    const hint = readResumeHint();
    const provider = hint ? providers.find((p) => p.id === hint.providerId) : undefined;
    if (!provider) return;
    loadOidc()
      .then(({ renewSilently }) => renewSilently(provider))
      .then((session) => {
        const ready = onSignedIn?.({ session, restored: true, resumedExchange: hint?.exchange, auth: sessionAuth });
        showWhenReady(ready, () => dispatch({ type: "signed-in", session, restored: true }));
      })
      .catch(() => {
        // login_required or anything else: the clean signed-out screen, no error noise.
        writeResumeHint(undefined);
        dispatch({ type: "signed-out" });
      });
  }, [providers, landedSession, onSignedIn, sessionAuth]);

  const signIn = useCallback(
    (providerId: string, opts: SignInOptions = {}) => {
      const provider = byId(providerId);
      if (!provider) return;
      dispatch({ type: "redirect", providerId });
      loadOidc()
        .then(({ beginSignIn }) => beginSignIn(provider, opts))
        .catch((error: unknown) => dispatch({ type: "failed", error: toProviderError("sign-in", error, provider.label, providerAddress(provider)) }));
    },
    [byId],
  );

  const signOut = useCallback(async () => {
    const providerId = state.status === "signed-in" ? state.session.providerId : undefined;
    const provider = providerId ? byId(providerId) : undefined;
    // Forget the credentials and tokens held in memory first: whatever happens next, nothing stays behind in this page.
    onSignedOut?.();
    if (state.status === "signed-in") wipeProviderSession(state.session);
    writeResumeHint(undefined);
    if (!provider) {
      dispatch({ type: "signed-out" });
      return;
    }
    dispatch({ type: "signing-out", providerId: provider.id });
    const oidc = await loadOidc().catch(() => undefined);
    const result = oidc
      ? await oidc.signOutAtProvider(provider)
      : { revoked: false, redirecting: false, endSessionProblem: `The sign-in library could not be loaded, so ${provider.label}'s session was not ended.` };
    if (result.redirecting) return; // the provider sends the browser back to the app, which shows the signed-out notice
    const detail = [result.revokeProblem, result.endSessionProblem].filter(Boolean).join(" ");
    dispatch({ type: "signed-out", notice: { providerLabel: provider.label, endedProviderSession: false, ...(detail ? { detail } : {}) } });
    for (const p of providers) oidc?.forgetSession(p);
  }, [state, byId, providers, onSignedOut]);

  const { renew, rememberExchange } = sessionAuth;

  const value = useMemo(
    () => ({ state, signIn, signOut, renew, rememberExchange }),
    [state, signIn, signOut, renew, rememberExchange],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthContextValue {
  const value = useContext(AuthContext);
  if (!value) throw new Error("useAuth must be used inside <AuthProvider>");
  return value;
}
