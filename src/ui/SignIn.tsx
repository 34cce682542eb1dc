import { useEffect, useId, useRef, useState } from "react";
import { useAuth } from "../auth/AuthProvider";
import type { AppConfig, ProviderConfig } from "../config";
import { BusyButton } from "./BusyButton";

function statusText(status: string, label: string): string {
  switch (status) {
    case "redirecting":
      return `Going to ${label}…`;
    case "completing":
      return "Finishing sign-in…";
    case "restoring":
      return `Trying to restore your session with ${label} (no page is shown)…`;
    case "signing-out":
      return `Signing out of ${label}…`;
    default:
      return "";
  }
}

/** What kind of provider a profile is, in a few words under its button. */
function flowText(p: ProviderConfig): string {
  return p.stsToken === "id_token" ? "OpenID Connect: STS gets its ID token" : `OAuth 2.0: STS gets its access token, ProviderId ${p.type === "oauth2" ? p.providerId : ""}`;
}

/** Step 1 before sign-in: one button per configured provider, to its login page; also the signed-out screen. */
export function SignIn({ config }: { config: AppConfig }) {
  const { state, signIn } = useAuth();
  const [someoneElse, setSomeoneElse] = useState(false);
  const someoneElseId = useId();
  const returnButton = useRef<HTMLButtonElement>(null);
  const busy = state.status !== "signed-out";
  const notice = state.status === "signed-out" ? state.notice : undefined;
  const activeProvider = "providerId" in state ? state.providerId : undefined;
  const label = config.providers.find((p) => p.id === activeProvider)?.label ?? "the identity provider";

  // After a sign-out, focus lands on the button of the provider just signed out of (else the first).
  const returnTo = config.providers.find((p) => p.label === notice?.providerLabel)?.id ?? config.providers[0]?.id;
  useEffect(() => {
    if (notice) returnButton.current?.focus();
  }, [notice]);

  const start = (providerId: string): void => {
    if (busy) return;
    signIn(providerId, someoneElse ? { prompt: "login" } : {});
  };

  return (
    <section className="panel" aria-labelledby="signin-heading">
      <h2 id="signin-heading">{notice ? "Signed out" : "1. Sign in with an identity provider"}</h2>
      {notice && (
        <div className="notice">
          <p>
            You are signed out: the app forgot your tokens and AWS credentials
            {notice.endedProviderSession ? `, and ${notice.providerLabel} ended its session too — the next sign-in shows its login page.` : "."}
          </p>
          {notice.detail && <p>{notice.detail}</p>}
        </div>
      )}
      <p>
        The provider's token is exchanged with AWS STS for temporary credentials. Tokens and credentials stay in this tab's memory; after a reload the app
        tries to sign you in again silently.
      </p>
      {state.status === "signed-out" && state.error && (
        <div className="alert" role="alert">
          <h3>Sign-in did not complete</h3>
          <p>{state.error.message}</p>
        </div>
      )}
      <ul className="providers" aria-label="Identity providers">
        {config.providers.map((p) => (
          <li key={p.id}>
            <BusyButton ref={p.id === returnTo ? returnButton : undefined} className="primary" busy={busy} onClick={() => start(p.id)}>
              Sign in with {p.label}
            </BusyButton>
            <span className="status">{flowText(p)}</span>
          </li>
        ))}
      </ul>
      <p>
        <input id={someoneElseId} type="checkbox" checked={someoneElse} onChange={(e) => setSomeoneElse(e.target.checked)} />{" "}
        <label htmlFor={someoneElseId} className="inline">
          Sign in as someone else (show the provider's login page even if it remembers you)
        </label>
      </p>
      <p role="status" className="status">
        {statusText(state.status, label)}
      </p>
    </section>
  );
}
