import { useEffect, useId, useRef, useState } from "react";
import { useAuth } from "../auth/AuthProvider";
import type { AppConfig } from "../config";
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

/** Step 1 before sign-in: pick a provider and go to its login page; also the signed-out screen. */
export function SignIn({ config }: { config: AppConfig }) {
  const { state, signIn } = useAuth();
  const [providerId, setProviderId] = useState(config.providers[0]?.id ?? "");
  const selectId = useId();
  const signInButton = useRef<HTMLButtonElement>(null);
  const busy = state.status !== "signed-out";
  const notice = state.status === "signed-out" ? state.notice : undefined;
  const activeProvider = "providerId" in state ? state.providerId : providerId;
  const label = config.providers.find((p) => p.id === activeProvider)?.label ?? "the identity provider";

  // After a sign-out, focus lands on Sign in.
  useEffect(() => {
    if (notice) signInButton.current?.focus();
  }, [notice]);

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
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (!busy) signIn(providerId);
        }}
      >
        {config.providers.length > 1 && (
          <>
            <label htmlFor={selectId}>Identity provider</label>
            <select id={selectId} value={providerId} onChange={(e) => setProviderId(e.target.value)}>
              {config.providers.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.label}
                </option>
              ))}
            </select>
          </>
        )}
        <p className="row">
          <BusyButton ref={signInButton} type="submit" className="primary" busy={busy}>
            Sign in
          </BusyButton>
          <BusyButton busy={busy} onClick={() => signIn(providerId, { prompt: "login" })}>
            Sign in as someone else
          </BusyButton>
          {config.providers.length === 1 && <span className="status">with {config.providers[0]?.label}</span>}
        </p>
        <p role="status" className="status">
          {statusText(state.status, label)}
        </p>
      </form>
    </section>
  );
}
