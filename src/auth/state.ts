import type { ProviderSession } from "./oidc";

/** Where an auth failure came from, so the UI can say what to do. */
export type AuthErrorSource = "sign-in" | "callback" | "provider";

export interface AuthError {
  source: AuthErrorSource;
  message: string;
}

/** Auth UI state: a tagged union driven by one reducer (CONVENTIONS 8). */
export type AuthState =
  | { status: "signed-out"; error?: AuthError }
  | { status: "redirecting"; providerId: string }
  | { status: "completing"; providerId: string }
  | { status: "signed-in"; session: ProviderSession };

export type AuthAction =
  | { type: "redirect"; providerId: string }
  | { type: "complete"; providerId: string }
  | { type: "signed-in"; session: ProviderSession }
  | { type: "failed"; error: AuthError }
  | { type: "signed-out" };

export function authReducer(_state: AuthState, action: AuthAction): AuthState {
  switch (action.type) {
    case "redirect":
      return { status: "redirecting", providerId: action.providerId };
    case "complete":
      return { status: "completing", providerId: action.providerId };
    case "signed-in":
      return { status: "signed-in", session: action.session };
    case "failed":
      return { status: "signed-out", error: action.error };
    case "signed-out":
      return { status: "signed-out" };
  }
}

/** Turn whatever oidc-client-ts or fetch threw into a message that says what happened and what to do. */
export function describeAuthError(source: AuthErrorSource, error: unknown): AuthError {
  const e = error as { name?: string; message?: string; error?: string; error_description?: string };
  const raw = e?.error_description || e?.message || String(error);
  let message: string;
  if (e?.name === "ErrorResponse" && e.error) {
    message = `The identity provider refused: ${e.error}${e.error_description ? ` — ${e.error_description}` : ""}. Try signing in again.`;
  } else if (/failed to fetch|networkerror|load failed|network request failed/i.test(raw)) {
    message = "Could not reach the identity provider (it may be down, or it does not allow this origin through CORS). Check that it is running and try again.";
  } else if (/no matching state/i.test(raw)) {
    message = "This sign-in response does not match a sign-in started here (it may be stale or opened in another tab). Start again with Sign in.";
  } else if (e?.name === "ErrorTimeout" || /timed? ?out/i.test(raw)) {
    message = "The identity provider did not answer in time. Try again.";
  } else {
    message = `${source === "callback" ? "Finishing sign-in failed" : "Sign-in failed"}: ${raw}`;
  }
  return { source, message };
}
