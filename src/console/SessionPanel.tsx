import { useEffect, useRef } from "react";
import { describeClockSkewNotice } from "../aws/clock";
import { Countdown } from "../credentials/Countdown";
import { formatClockTime } from "../credentials/expiry";
import type { LifecycleState, RefreshStatus } from "../credentials/lifecycle";
import { BusyButton } from "../ui/BusyButton";
import { TimeLeft } from "./TimeLeft";

function refreshLine(refresh: RefreshStatus, state: LifecycleState): string {
  switch (refresh.kind) {
    case "none":
      return state.busy ? "Getting credentials from STS…" : "";
    case "scheduled":
      return `Next automatic refresh at ${formatClockTime(new Date(refresh.atMs))}, ${refresh.reuseToken ? "reusing the ID token (still valid then)" : "after renewing the ID token silently (it will be too close to expiry to reuse)"}.`;
    case "running":
      return refresh.step === "renew-token" ? "Renewing the ID token silently…" : "Refreshing: exchanging the ID token with STS…";
    case "sign-in-needed":
      return "Automatic refresh is paused until you sign in again.";
    case "failed":
      return refresh.retryAtMs === undefined
        ? "The automatic refresh failed; use Get new credentials to try again."
        : `The automatic refresh failed; trying again at ${formatClockTime(new Date(refresh.retryAtMs))}.`;
  }
}

/**
 * The session at a glance: both countdowns with visible labels and why they differ, the refresh plan, the banner when
 * the provider wants a new sign-in, threshold announcements, and Get new credentials.
 */
export function SessionPanel({ state, restored, onGetNew, onSignInAgain }: {
  state: LifecycleState;
  restored: boolean;
  onGetNew: () => Promise<void>;
  onSignInAgain: () => void;
}) {
  const heading = useRef<HTMLHeadingElement>(null);
  // After sign-in (or a restore) lands, focus starts at the console's first heading.
  useEffect(() => heading.current?.focus(), []);

  const offsetMs = state.clockSkew?.offsetMs ?? 0;
  const creds = state.credentials;
  const exp = state.provider.webIdentityTokenExpiresAt;
  const iat = state.provider.webIdentityTokenIssuedAt;
  const tokenName = state.provider.stsToken === "id_token" ? "ID token" : "Access token";
  const skewNotice = state.clockSkew ? describeClockSkewNotice(state.clockSkew) : undefined;
  const busy = state.busy !== undefined || state.refresh.kind === "running";

  return (
    <section className="panel session" aria-labelledby="session-heading">
      <h2 id="session-heading" ref={heading} tabIndex={-1}>
        Session
      </h2>
      {restored && <p className="notice">Session restored: the provider signed you in again silently after the reload, and STS issued new credentials.</p>}
      {state.refresh.kind === "sign-in-needed" && creds && (
        <div className="banner" role="alert">
          <p>
            <strong>
              {state.expired ? (
                "Sign in again to keep working — the credentials have expired."
              ) : (
                <>
                  Sign in again to keep working — credentials valid for <TimeLeft expiration={creds.result.credentials.expiration} offsetMs={offsetMs} />
                </>
              )}
            </strong>
          </p>
          <p>{state.refresh.why} The current credentials keep working until they expire.</p>
          <button type="button" className="primary" onClick={onSignInAgain}>
            Sign in again
          </button>
        </div>
      )}
      <div className="countdowns">
        {exp !== undefined && (
          <Countdown label={`${tokenName} valid for`} expiration={new Date(exp * 1000)} totalSeconds={Math.max(1, exp - iat)} offsetMs={offsetMs} />
        )}
        {creds && <Countdown label="AWS credentials valid for" expiration={creds.result.credentials.expiration} totalSeconds={creds.sessionSeconds} offsetMs={offsetMs} />}
      </div>
      <p className="panel-meta">
        They differ because the provider decides how long its {tokenName.toLowerCase()} lives, while STS issues the credentials for the duration asked for
        (capped by the role's maximum). The {tokenName.toLowerCase()} can be exchanged again while it is valid; the credentials sign calls.
      </p>
      <p className="panel-meta">{refreshLine(state.refresh, state)}</p>
      {skewNotice && <p className="panel-meta">{skewNotice}</p>}
      <p role="status" className="status">
        {state.announcement?.text ?? ""}
      </p>
      {/* On a phone the summary card above has this button instead (SummaryCard). */}
      <p className="row wide-only">
        <BusyButton busy={busy} onClick={() => void onGetNew()}>
          Get new credentials
        </BusyButton>
        <span className="status">{busy ? "Working…" : ""}</span>
      </p>
    </section>
  );
}
