import type { ProviderConfig } from "../config";
/**
 * The one error type that leaves src/auth (CONVENTIONS 2): whatever oidc-client-ts, fetch or the provider threw
 * becomes a `ProviderError` with a kind the UI can act on and a sentence that says what happened and what to do.
 */

/** What went wrong, as far as the app can act on it. */
export type ProviderErrorKind =
  /** The provider needs the user at its login page (`login_required`, `interaction_required`, `consent_required`). */
  | "login-required"
  /** The user cancelled at the provider (`access_denied`). */
  | "cancelled"
  /** The provider answered with another OAuth error (`invalid_grant`, `invalid_request`, …). */
  | "refused"
  /** The provider could not be reached, or the browser blocked its answer (CORS). */
  | "unreachable"
  /** No answer in time (silent renewal in a hidden frame included). */
  | "timeout"
  /** The callback does not belong to a sign-in started in this tab. */
  | "stale-callback"
  /** The provider answered, but not with what the flow needs (no ID token, not a JWT, …). */
  | "invalid-response";

/** Where the failure happened, for the wording. */
export type ProviderErrorSource = "sign-in" | "callback" | "renewal" | "sign-out";

const LOGIN_REQUIRED = new Set(["login_required", "interaction_required", "consent_required", "account_selection_required"]);

export class ProviderError extends Error {
  override readonly name = "ProviderError";
  /** The OAuth `error` code exactly as the provider sent it, when it sent one. */
  readonly oauthError: string | undefined;

  constructor(
    readonly kind: ProviderErrorKind,
    readonly source: ProviderErrorSource,
    message: string,
    options: { oauthError?: string | undefined; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.oauthError = options.oauthError;
  }
}

export function isProviderError(error: unknown): error is ProviderError {
  return error instanceof Error && error.name === "ProviderError" && "kind" in error;
}

function lead(source: ProviderErrorSource): string {
  switch (source) {
    case "sign-in":
      return "Sign-in could not start";
    case "callback":
      return "Finishing sign-in failed";
    case "renewal":
      return "Renewing the sign-in silently failed";
    case "sign-out":
      return "Signing out at the provider failed";
  }
}

/**
 * Turn whatever oidc-client-ts or fetch threw into a {@link ProviderError}. `providerLabel` names the provider in
 * the sentence ("Local OpenID provider"); `providerUrl` (its issuer, or an OAuth 2.0 provider's token endpoint) is
 * named when it could not be reached.
 */
export function toProviderError(source: ProviderErrorSource, error: unknown, providerLabel = "the identity provider", providerUrl?: string): ProviderError {
  if (isProviderError(error)) return error;
  const e = error as { name?: unknown; message?: unknown; error?: unknown; error_description?: unknown } | null | undefined;
  const name = typeof e?.name === "string" ? e.name : "";
  const oauthError = name === "ErrorResponse" && typeof e?.error === "string" ? e.error : undefined;
  const description = typeof e?.error_description === "string" ? e.error_description : undefined;
  const raw = description ?? (typeof e?.message === "string" ? e.message : String(error));

  if (oauthError !== undefined) {
    if (LOGIN_REQUIRED.has(oauthError)) {
      return new ProviderError("login-required", source, `${providerLabel} needs you to sign in again (it answered ${oauthError}).`, { oauthError, cause: error });
    }
    if (oauthError === "access_denied") {
      return new ProviderError("cancelled", source, `Sign-in was cancelled at ${providerLabel}. Sign in again when you are ready.`, { oauthError, cause: error });
    }
    return new ProviderError("refused", source, `${lead(source)}: ${providerLabel} refused with ${oauthError}${description ? ` — ${description}` : ""}. Try signing in again.`, { oauthError, cause: error });
  }
  if (name === "ErrorTimeout" || /timed? ?out/i.test(raw)) {
    return new ProviderError("timeout", source, `${lead(source)}: ${providerLabel} did not answer in time. Try again.`, { cause: error });
  }
  if (/failed to fetch|networkerror|load failed|network request failed/i.test(raw)) {
    return new ProviderError(
      "unreachable",
      source,
      `Could not reach ${providerLabel}${providerUrl ? ` at ${providerUrl}` : ""} (it may be down, or it does not allow this origin through CORS). Check that it is running and try again.`,
      { cause: error },
    );
  }
  if (/no matching state/i.test(raw)) {
    return new ProviderError("stale-callback", source, "This sign-in response does not match a sign-in started here (it may be stale or opened in another tab). Start again with Sign in.", { cause: error });
  }
  return new ProviderError("invalid-response", source, `${lead(source)}: ${raw}`, { cause: error });
}

/** Where the app reaches a provider, for messages: an OpenID issuer, or an OAuth 2.0 provider's token endpoint. */
export function providerAddress(provider: ProviderConfig): string {
  return provider.type === "oidc" ? provider.authority : provider.tokenEndpoint;
}
