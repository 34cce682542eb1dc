import type { ProviderConfig } from "../config";
import { cleanCallbackUrl, landingFrom, providerForState, writeResumeHint } from "./callback";
import { providerAddress, toProviderError, type ProviderError } from "./errors";
import type { ProviderSession, SignOutOutcome } from "./oidc";

/** What the page landed with, and the work already under way for it. */
export type LandingTask =
  | { kind: "none" }
  /**
   * A sign-in callback whose code is being redeemed; `tokens` rejects with a ProviderError. `session` is set when the
   * tokens have arrived.
   */
  | { kind: "sign-in"; provider: ProviderConfig; tokens: Promise<ProviderSession>; session?: ProviderSession }
  /** A sign-in callback this tab did not start (no stored state). */
  | { kind: "stale-sign-in"; error: ProviderError }
  /** The return from RP-initiated logout; `outcome` rejects with a ProviderError. */
  | { kind: "sign-out"; provider: ProviderConfig; outcome: Promise<SignOutOutcome> };

let task: LandingTask | undefined;

/**
 * Start handling what the page landed with, once per page load and before anything renders: a sign-in callback's
 * code is redeemed at once, and the end of a sign-out is consumed. Later calls return the same task.
 *
 * A sign-in callback's code and state stay in the address bar until {@link settleLandingUrl} (when the page first
 * renders) or a failed redemption; anything else's at once. A reload cannot resubmit a spent code: the library removes
 * the stored state when it redeems the code.
 */
export function startLanding(providers: ProviderConfig[]): LandingTask {
  if (task) return task;
  const href = window.location.href;
  const landing = landingFrom(href);
  const provider = landing ? providerForState(providers, landing.state) : undefined;
  if (landing && !(landing.kind === "sign-in" && provider)) cleanCallbackUrl();
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
            if (task?.kind === "sign-in") task.session = session;
            return session;
          },
          (error: unknown) => {
            throw toProviderError("callback", error, provider.label, providerAddress(provider));
          },
        );
      tokens.then(
        () => {
          // The URL was cleaned before the tokens came (a slow provider): the hint goes on its own.
          if (urlSettled) writeResumeHint({ providerId: provider.id });
        },
        () => settleLandingUrl(),
      );
      task = { kind: "sign-in", provider, tokens };
    } else {
      task = { kind: "stale-sign-in", error: toProviderError("callback", new Error("No matching state found in storage")) };
    }
  } else {
    task = { kind: "none" };
  }
  return task;
}

let urlSettled = false;

/**
 * Remove a sign-in callback's code and state from the address bar and history — once — and, when its tokens are in,
 * leave the reload hint in the same step. Called as the page first renders (src/main.tsx): `history.replaceState` is
 * a synchronous call into the browser (2–6 ms measured here), so it waits until the token and STS answers are in or
 * the wait has become noticeable, instead of holding one of them up. The code is spent by then.
 */
export function settleLandingUrl(): void {
  if (task?.kind !== "sign-in" || urlSettled) return;
  urlSettled = true;
  cleanCallbackUrl(task.session ? { providerId: task.provider.id } : undefined);
}
