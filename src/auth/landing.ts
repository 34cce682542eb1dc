import type { ProviderConfig } from "../config";
import { cleanCallbackUrl, landingFrom, providerForState } from "./callback";
import { toProviderError, type ProviderError } from "./errors";
import type { ProviderSession, SignOutOutcome } from "./oidc";

/** What the page landed with, and the work already under way for it. */
export type LandingTask =
  | { kind: "none" }
  /** A sign-in callback whose code is being redeemed; `tokens` rejects with a ProviderError. */
  | { kind: "sign-in"; provider: ProviderConfig; tokens: Promise<ProviderSession> }
  /** A sign-in callback this tab did not start (no stored state). */
  | { kind: "stale-sign-in"; error: ProviderError }
  /** The return from RP-initiated logout; `outcome` rejects with a ProviderError. */
  | { kind: "sign-out"; provider: ProviderConfig; outcome: Promise<SignOutOutcome> };

let task: LandingTask | undefined;

/**
 * Start handling what the page landed with, once per page load and before anything renders: a sign-in callback's
 * code is redeemed at once — React's first render and paint then happen while the token request is in flight, instead
 * of before it — and the end of a sign-out is consumed. The address bar and history lose the code and state at once,
 * so a reload cannot resubmit a spent code. Later calls return the same task.
 */
export function startLanding(providers: ProviderConfig[]): LandingTask {
  if (task) return task;
  const href = window.location.href;
  const landing = landingFrom(href);
  const provider = landing ? providerForState(providers, landing.state) : undefined;
  if (landing) cleanCallbackUrl();
  if (landing?.kind === "sign-out" && provider) {
    const outcome = import("./oidc").then(({ completeSignOut }) => completeSignOut(provider, href));
    outcome.catch(() => undefined); // read by the AuthProvider; never an unhandled rejection
    task = { kind: "sign-out", provider, outcome };
  } else if (landing?.kind === "sign-in") {
    performance.mark("wic:callback"); // for `npm run bench`
    if (provider) {
      const tokens = import("./oidc")
        .then(({ completeSignIn }) => completeSignIn(provider, href))
        .then(
          (session) => {
            performance.mark("wic:tokens"); // for `npm run bench`
            return session;
          },
          (error: unknown) => {
            throw toProviderError("callback", error, provider.label);
          },
        );
      tokens.catch(() => undefined);
      task = { kind: "sign-in", provider, tokens };
    } else {
      task = { kind: "stale-sign-in", error: toProviderError("callback", new Error("No matching state found in storage")) };
    }
  } else {
    task = { kind: "none" };
  }
  return task;
}
