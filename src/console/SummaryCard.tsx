import { useQuery } from "@tanstack/react-query";
import type { AppConfig } from "../config";
import type { CredentialLifecycle, LifecycleState } from "../credentials/lifecycle";
import { BusyButton } from "../ui/BusyButton";
import { Fields } from "../ui/Fields";
import { callerIdentityQuery } from "./queries";
import { TimeLeft } from "./TimeLeft";

/**
 * On a phone (≤ 40rem, CSS only) the console starts with this card: who, which role, how long the credentials last,
 * and the primary actions. There the panels' own copies of these buttons are hidden (`wide-only`) and on wider screens
 * this card is (`narrow-only`), so each action exists once for assistive technology at any width. The statuses stay
 * in the panels' live regions (announced once).
 */
export function SummaryCard({ config, lifecycle, state, onGetNew }: { config: AppConfig; lifecycle: CredentialLifecycle; state: LifecycleState; onGetNew: () => Promise<void> }) {
  const query = useQuery(callerIdentityQuery(config, lifecycle));
  const creds = state.credentials;
  const roleArn = creds?.input.roleArn ?? state.lastInput.roleArn;
  const role = config.roles.find((r) => r.arn === roleArn)?.label ?? roleArn;
  const refreshing = state.busy !== undefined || state.refresh.kind === "running";
  const offsetMs = state.clockSkew?.offsetMs ?? 0;
  return (
    <section className="panel summary narrow-only" aria-labelledby="summary-heading">
      <h2 id="summary-heading">At a glance</h2>
      <Fields
        label="Session summary"
        items={[
          ["Signed in as", state.provider.displayName || state.provider.subject],
          [creds ? "Role" : "Role asked for", role],
          ["Credentials", creds ? state.expired ? "expired" : <>valid for <TimeLeft expiration={creds.result.credentials.expiration} offsetMs={offsetMs} /></> : "none yet"],
        ]}
      />
      <p className="row">
        {/* Like the Signed calls panel's: one button whose action changes at expiry, so keyboard focus stays on it. */}
        {creds &&
          (state.expired ? (
            <BusyButton key="calls-action" className="primary" busy={refreshing} onClick={() => void onGetNew()}>
              Credentials expired — Get new credentials
            </BusyButton>
          ) : (
            <BusyButton key="calls-action" className="primary" busy={query.isFetching || refreshing} onClick={() => void query.refetch()}>
              Who am I?
            </BusyButton>
          ))}
        <BusyButton busy={refreshing} onClick={() => void onGetNew()}>
          Get new credentials
        </BusyButton>
      </p>
    </section>
  );
}
