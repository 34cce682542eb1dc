import type { ProviderConfig } from "../config";
import { cleanCallbackUrl, landingFrom, providerForState } from "./callback";
import { toProviderError, type ProviderError } from "./errors";
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
 * The address bar and history lose the code and state as soon as the token answer is in (at once for anything else):
 * `history.replaceState` is a synchronous call into the browser, so it waits until the token request — and, on
 * success, the STS request — is out, and on success it leaves the reload hint in the same step. A reload cannot
 * resubmit a spent code: the library removes the stored state when it redeems the code.
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
            throw toProviderError("callback", error, provider.label);
          },
        );
      tokens.then(
        // A turn later: the session host starts the STS request in this turn's microtasks (src/sessionHost.ts).
        () => window.setTimeout(() => cleanCallbackUrl({ providerId: provider.id }), 0),
        () => cleanCallbackUrl(),
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
