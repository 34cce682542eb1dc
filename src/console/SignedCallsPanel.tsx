import { useQuery } from "@tanstack/react-query";
import type { Exchange } from "../aws/exchange";
import type { AppConfig } from "../config";
import type { CredentialLifecycle, LifecycleState } from "../credentials/lifecycle";
import { BusyButton } from "../ui/BusyButton";
import { Fields } from "../ui/Fields";
import { ErrorReport } from "./ErrorReport";
import { ExchangeView, redactor } from "./ExchangeView";
import { callerIdentityQuery } from "./queries";
import { sessionSecrets } from "./secrets";
import { CopyAsCurl } from "./UseCredentials";

/** Step 4: SigV4-signed calls with the temporary credentials; once they expire, the action becomes Get new credentials. */
export function SignedCallsPanel({ config, lifecycle, state, onGetNew }: { config: AppConfig; lifecycle: CredentialLifecycle; state: LifecycleState; onGetNew: () => Promise<void> }) {
  const query = useQuery(callerIdentityQuery(config, lifecycle));
  // After a failed call the inspector shows that call, never the earlier success; the earlier answer stays, marked.
  const failedExchange = query.isError ? (query.error as { exchange?: Exchange } | null)?.exchange : undefined;
  const x = query.isError ? failedExchange : query.data?.exchange;
  const previous = query.isError && query.data !== undefined;
  const refreshing = state.busy !== undefined || state.refresh.kind === "running";
  return (
    <section className="panel" aria-labelledby="calls-heading">
      <h2 id="calls-heading">4. Signed calls</h2>
      <p className="panel-meta">SigV4-signed with the temporary credentials, at AWS time (this device's clock corrected by the offset measured on STS answers).</p>
      <p className="row">
        {/* One button whose action changes at expiry, so keyboard focus stays on it; on a phone it is in the summary card (SummaryCard). */}
        {state.expired ? (
          <BusyButton key="calls-action" className="primary wide-only" busy={refreshing} onClick={() => void onGetNew()}>
            Credentials expired — Get new credentials
          </BusyButton>
        ) : (
          <BusyButton key="calls-action" className="primary wide-only" busy={query.isFetching || refreshing} onClick={() => void query.refetch()}>
            Who am I?
          </BusyButton>
        )}
        <span className="status">sts:GetCallerIdentity</span>
        <span role="status" className="status">
          {query.isFetching ? "Calling STS…" : refreshing ? "Getting new credentials…" : ""}
        </span>
      </p>
      {query.isError && <ErrorReport title="GetCallerIdentity failed" error={query.error} />}
      {query.data && previous && <p className="panel-meta">The previous answer, from before the failed call:</p>}
      {query.data && (
        <Fields
          label={previous ? "Previous caller identity" : "Caller identity"}
          items={[
            ["Account", query.data.result.account],
            ["Arn", query.data.result.arn],
            ["UserId", query.data.result.userId],
            ["Request id", query.data.result.requestId],
          ]}
        />
      )}
      {x && <ExchangeView title={query.isError ? "GetCallerIdentity exchange (failed)" : "GetCallerIdentity exchange"} exchange={x} redact={redactor(sessionSecrets(state))} />}
      {!query.isError && query.data && state.credentials && !state.expired && <CopyAsCurl exchange={query.data.exchange} credentials={state.credentials.result.credentials} />}
    </section>
  );
}
