import { createContext, useCallback, useContext, useEffect, useMemo, useReducer, useRef, type ReactNode } from "react";
import type { ProviderConfig } from "../config";
import { callbackParams, cleanCallbackUrl, providerForState } from "./callback";
import { authReducer, describeAuthError, type AuthState } from "./state";

interface AuthContextValue {
  state: AuthState;
  signIn(providerId: string): void;
  signOut(): Promise<void>;
}

const AuthContext = createContext<AuthContextValue | null>(null);

function initialState(providers: ProviderConfig[]): AuthState {
  const cb = callbackParams(window.location.href);
  const provider = cb ? providerForState(providers, cb.state) : undefined;
  return provider ? { status: "completing", providerId: provider.id } : { status: "signed-out" };
}

export function AuthProvider({ providers, children }: { providers: ProviderConfig[]; children: ReactNode }) {
  const [state, dispatch] = useReducer(authReducer, providers, initialState);
  // An authorization code may be redeemed once: the guard survives StrictMode's double effects.
  const callbackHandled = useRef(false);

  useEffect(() => {
    if (callbackHandled.current) return;
    callbackHandled.current = true;
    const href = window.location.href;
    const cb = callbackParams(href);
    if (!cb) return;
    performance.mark("wic:callback"); // for `npm run bench`
    // The code and state leave the address bar and history at once; a reload cannot resubmit a spent code.
    cleanCallbackUrl();
    const provider = providerForState(providers, cb.state);
    if (!provider) {
      dispatch({ type: "failed", error: describeAuthError("callback", new Error("No matching state found in storage")) });
      return;
    }
    // oidc-client-ts loads only when a sign-in starts or completes: it is not part of the first page load.
    import("./oidc")
      .then(({ completeSignIn }) => completeSignIn(provider, href))
      .then((session) => {
        performance.mark("wic:tokens"); // for `npm run bench`
        dispatch({ type: "signed-in", session });
      })
      .catch((error: unknown) => dispatch({ type: "failed", error: describeAuthError("callback", error) }));
  }, [providers]);

  const signIn = useCallback(
    (providerId: string) => {
      const provider = providers.find((p) => p.id === providerId);
      if (!provider) return;
      dispatch({ type: "redirect", providerId });
      import("./oidc")
        .then(({ beginSignIn }) => beginSignIn(provider))
        .catch((error: unknown) => dispatch({ type: "failed", error: describeAuthError("sign-in", error) }));
    },
    [providers],
  );

  const signOut = useCallback(async () => {
    // Forget the tokens held in React state first: even if the library cannot be loaded, nothing stays behind.
    dispatch({ type: "signed-out" });
    const { forgetSession } = await import("./oidc");
    await Promise.all(providers.map((p) => forgetSession(p)));
  }, [providers]);

  const value = useMemo(() => ({ state, signIn, signOut }), [state, signIn, signOut]);
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthContextValue {
  const value = useContext(AuthContext);
  if (!value) throw new Error("useAuth must be used inside <AuthProvider>");
  return value;
}
