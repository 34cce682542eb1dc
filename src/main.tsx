import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";
import { beginLandedSession, createSessionHost, preloadConsole } from "./sessionHost";
import { isSilentRenewalFrame, landingFrom, notifySilentRenewalParent, readResumeHint } from "./auth/callback";
import { settleLandingUrl, startLanding } from "./auth/landing";
import { createSessionAuth, showWhenReady } from "./auth/sessionAuth";
import { loadConfig } from "./config";
import { ConfigProblems } from "./ui/ConfigProblems";
import "./ui/styles.css";

if (isSilentRenewalFrame(window.location.href)) {
  // The hidden frame of a silent renewal: hand the provider's answer to the parent page, render nothing.
  notifySilentRenewalParent(window.location.href);
} else {
  // Landing on a sign-in callback or restoring after a reload: fetch the sign-in library and the console while
  // config.json loads.
  if (landingFrom(window.location.href)?.kind === "sign-in" || readResumeHint()) {
    void import("./auth/oidc").catch(() => undefined);
    void preloadConsole().catch(() => undefined);
  }

  const root = createRoot(document.getElementById("root") as HTMLElement);

  void loadConfig().then((result) => {
    if (!result.ok) {
      root.render(<StrictMode><ConfigProblems problems={result.problems} /></StrictMode>);
      return;
    }
    const { config } = result;
    // A sign-in callback's code is redeemed now, and its session (the first STS exchange) starts the moment the tokens
    // arrive — all outside React. The first render waits until there is something to show, unless that takes long
    // enough to notice (src/auth/sessionAuth.ts): on a fast network nothing renders between the callback and the
    // console, so no layout or paint holds up the token and STS answers.
    const host = createSessionHost(config);
    const landedSession = beginLandedSession(host, startLanding(config.providers), createSessionAuth(config.providers));
    showWhenReady(landedSession, () => {
      settleLandingUrl();
      root.render(<StrictMode><App config={config} host={host} landedSession={landedSession} /></StrictMode>);
    });
  });
}
