import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";
import { preloadConsole } from "./sessionHost";
import { isSilentRenewalFrame, landingFrom, notifySilentRenewalParent, readResumeHint } from "./auth/callback";
import { startLanding } from "./auth/landing";
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
    // Redeem a sign-in callback's code now, so React's first render and paint overlap the token round trip.
    if (result.ok) startLanding(result.config.providers);
    root.render(<StrictMode>{result.ok ? <App config={result.config} /> : <ConfigProblems problems={result.problems} />}</StrictMode>);
  });
}
