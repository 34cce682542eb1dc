import type { ProviderConfig } from "../config";

// Pure helpers for the redirect callback: no oidc-client-ts here, so the first page load does not need the library.

/** Key prefix of the one thing persisted: the PKCE redirect state, removed by oidc-client-ts after the callback. */
export function statePrefix(providerId: string): string {
  return `wic.${providerId}.`;
}

/** The current URL carries an authorization response (code or error) with a state we issued. */
export function callbackParams(url: string): { state: string } | null {
  const params = new URL(url).searchParams;
  const state = params.get("state");
  if (!state || (!params.has("code") && !params.has("error"))) return null;
  return { state };
}

/** Which configured provider issued this redirect state (its stored PKCE state names it). */
export function providerForState(providers: ProviderConfig[], state: string): ProviderConfig | undefined {
  // eslint-disable-next-line no-restricted-globals
  return providers.find((p) => sessionStorage.getItem(`${statePrefix(p.id)}${state}`) !== null);
}

/** Remove the authorization response from the address bar and history. */
export function cleanCallbackUrl(): void {
  const url = new URL(window.location.href);
  for (const p of ["code", "state", "session_state", "iss", "error", "error_description", "error_uri"]) url.searchParams.delete(p);
  window.history.replaceState(window.history.state, "", url.pathname + url.search + url.hash);
}
