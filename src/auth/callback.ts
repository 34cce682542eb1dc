import type { ProviderConfig } from "../config";

// Pure helpers for the redirect callbacks and the reload hint: no oidc-client-ts here, so the first page load does
// not need the library.

/** Key prefix of the one thing persisted: the PKCE redirect state, removed by oidc-client-ts after the callback. */
export function statePrefix(providerId: string): string {
  return `wic.${providerId}.`;
}

/** What the current URL carries back from a provider. */
export type Landing = { kind: "sign-in"; state: string } | { kind: "sign-out"; state: string };

/**
 * The current URL carries an authorization response (`code` or `error`, with `state`) or the end of an RP-initiated
 * logout (`state` alone, on the `post_logout_redirect_uri`). Which provider it belongs to is decided by the stored
 * state ({@link providerForState}): a URL that merely has a `state` parameter is not trusted.
 */
export function landingFrom(url: string): Landing | null {
  const params = new URL(url).searchParams;
  const state = params.get("state");
  if (!state) return null;
  if (params.has("code") || params.has("error")) return { kind: "sign-in", state };
  return { kind: "sign-out", state };
}

/** Which configured provider issued this redirect state (its stored PKCE or sign-out state names it). */
export function providerForState(providers: ProviderConfig[], state: string): ProviderConfig | undefined {
  // eslint-disable-next-line no-restricted-globals
  return providers.find((p) => sessionStorage.getItem(`${statePrefix(p.id)}${state}`) !== null);
}

/**
 * Remove the authorization response from the address bar and history; with `hint`, leave the reload hint on this
 * history entry in the same step (one `history.replaceState`, a synchronous call into the browser).
 */
export function cleanCallbackUrl(hint?: ResumeHint): void {
  const url = new URL(window.location.href);
  for (const p of ["code", "state", "session_state", "iss", "error", "error_description", "error_uri"]) url.searchParams.delete(p);
  window.history.replaceState(hint ? withHint(window.history.state, hint) : window.history.state, "", url.pathname + url.search + url.hash);
}

/** This page is the hidden frame of a silent renewal, carrying the provider's answer for the parent page. */
export function isSilentRenewalFrame(url: string): boolean {
  return window.parent !== window && landingFrom(url)?.kind === "sign-in";
}

/** Marks the message a silent-renewal frame posts to its parent (src/auth/oidc.ts listens for it). */
export const SILENT_RENEWAL_MESSAGE = "wic-silent-renewal";

/**
 * In the hidden frame: hand the provider's answer (the URL with `code` and `state`) to the parent page, which redeems
 * it. Posted only to this app's own origin.
 */
export function notifySilentRenewalParent(url: string): void {
  window.parent.postMessage({ source: SILENT_RENEWAL_MESSAGE, url }, window.location.origin);
}

// ---------------------------------------------------------------------------------------------------------------
// Reload hint

/** The last exchange's choices, so a restored session asks STS for the same thing. None of it is secret. */
export interface ResumeExchange {
  roleArn: string;
  sessionName: string;
  durationSeconds: number;
  policy?: string;
}

/**
 * What the tab remembers across a reload or Back: which provider to try silently, and the last exchange's choices.
 * It lives in this history entry's `history.state` — not in any storage API — and holds no token or credential.
 */
export interface ResumeHint {
  providerId: string;
  exchange?: ResumeExchange;
}

const HINT_KEY = "wicResume";

function isResumeExchange(v: unknown): v is ResumeExchange {
  if (typeof v !== "object" || v === null) return false;
  const e = v as Record<string, unknown>;
  return typeof e.roleArn === "string" && typeof e.sessionName === "string" && typeof e.durationSeconds === "number" && (e.policy === undefined || typeof e.policy === "string");
}

/** The hint of this history entry, if it holds a well-formed one. */
export function readResumeHint(): ResumeHint | undefined {
  const state: unknown = window.history.state;
  if (typeof state !== "object" || state === null) return undefined;
  const hint = (state as Record<string, unknown>)[HINT_KEY];
  if (typeof hint !== "object" || hint === null) return undefined;
  const { providerId, exchange } = hint as Record<string, unknown>;
  if (typeof providerId !== "string") return undefined;
  return { providerId, ...(isResumeExchange(exchange) ? { exchange } : {}) };
}

/** A copy of a history state object with `hint` as its reload hint (none with `undefined`). */
function withHint(current: unknown, hint: ResumeHint | undefined): Record<string, unknown> {
  const rest = typeof current === "object" && current !== null ? { ...(current as Record<string, unknown>) } : {};
  delete rest[HINT_KEY];
  return hint ? { ...rest, [HINT_KEY]: hint } : rest;
}

/** Set (or, with `undefined`, remove) the hint on this history entry; the URL does not change. */
export function writeResumeHint(hint: ResumeHint | undefined): void {
  window.history.replaceState(withHint(window.history.state, hint), "");
}
