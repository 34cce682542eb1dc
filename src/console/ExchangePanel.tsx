import { useId, useState } from "react";
import { rolesFor, type AppConfig } from "../config";
import type { CredentialLifecycle, LifecycleState } from "../credentials/lifecycle";
import { REASON_LABELS } from "../credentials/lifecycle";
import { sessionNameProblem } from "../credentials/session";
import { BusyButton } from "../ui/BusyButton";
import { Fields } from "../ui/Fields";
import { ErrorReport } from "./ErrorReport";
import { ExchangeView, redactor } from "./ExchangeView";
import { sessionSecrets } from "./secrets";

/** Step 2: the unsigned AssumeRoleWithWebIdentity — the form, the result, and every exchange of this session. */
export function ExchangePanel({ config, lifecycle, state }: { config: AppConfig; lifecycle: CredentialLifecycle; state: LifecycleState }) {
  const ids = { role: useId(), name: useId(), duration: useId(), policy: useId() };
  const [roleArn, setRoleArn] = useState(state.lastInput.roleArn);
  const [sessionName, setSessionName] = useState(state.lastInput.sessionName);
  const [duration, setDuration] = useState(String(state.lastInput.durationSeconds));
  const [policy, setPolicy] = useState(state.lastInput.policy ?? "");

  const nameProblem = sessionNameProblem(sessionName);
  const durationNumber = Number(duration);
  const durationProblem = Number.isInteger(durationNumber) && durationNumber >= 900 && durationNumber <= 43200 ? undefined : "Duration must be 900–43200 seconds.";
  const busy = state.busy !== undefined;
  const result = state.credentials?.result;
  const latest = state.history.at(-1);
  const earlier = state.history.slice(0, -1).reverse();
  const redact = redactor(sessionSecrets(state));
  const roles = rolesFor(config, state.provider.providerId);
  const proof = state.provider.stsToken === "id_token" ? "the provider's ID token" : `the provider's access token, with ProviderId ${state.provider.stsProviderId ?? ""},`;

  return (
    <section className="panel" aria-labelledby="exchange-heading">
      <h2 id="exchange-heading">2. AssumeRoleWithWebIdentity</h2>
      <p className="panel-meta">
        An unsigned call to STS at {latest?.exchange?.request.url ?? config.stsEndpoint ?? `the ${config.region} regional endpoint`}: {proof} is the proof of identity.
      </p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (busy || nameProblem || durationProblem) return;
          void lifecycle.exchange({ roleArn, sessionName, durationSeconds: durationNumber, ...(policy.trim() ? { policy: policy.trim() } : {}) }, "manual");
        }}
      >
        <label htmlFor={ids.role}>Role</label>
        <select id={ids.role} value={roleArn} onChange={(e) => setRoleArn(e.target.value)}>
          {roles.map((r) => (
            <option key={r.arn} value={r.arn}>
              {r.label}
            </option>
          ))}
        </select>
        <div className="row">
          <div>
            <label htmlFor={ids.name}>Session name</label>
            <input id={ids.name} type="text" value={sessionName} onChange={(e) => setSessionName(e.target.value)} aria-invalid={!!nameProblem} aria-describedby={nameProblem ? `${ids.name}-problem` : undefined} />
          </div>
          <div>
            <label htmlFor={ids.duration}>Duration (seconds)</label>
            <input id={ids.duration} type="number" min={900} max={43200} step={1} value={duration} onChange={(e) => setDuration(e.target.value)} aria-invalid={!!durationProblem} />
          </div>
        </div>
        {nameProblem && <p id={`${ids.name}-problem`} className="alert">{nameProblem}</p>}
        {durationProblem && <p className="alert">{durationProblem}</p>}
        <details>
          <summary>Inline session policy (optional)</summary>
          <label htmlFor={ids.policy}>Session policy JSON</label>
          <textarea id={ids.policy} rows={5} cols={60} value={policy} onChange={(e) => setPolicy(e.target.value)} spellCheck={false} />
        </details>
        <p className="row">
          <BusyButton type="submit" className="primary" busy={busy}>
            Get AWS credentials
          </BusyButton>
          <span role="status" className="status">
            {busy ? "Calling STS…" : latest?.ok ? "Credentials received." : ""}
          </span>
        </p>
      </form>
      {state.lastError && <ErrorReport title="STS refused the exchange" error={state.lastError.error} />}
      {result && (
        <Fields
          label="AssumeRoleWithWebIdentity result"
          items={[
            ["Assumed role ARN", result.assumedRoleUser.arn],
            ["Assumed role id", result.assumedRoleUser.assumedRoleId],
            ["Subject", result.subjectFromWebIdentityToken],
            ["Provider", result.provider],
            ["Audience", result.audience],
            ["Packed policy size", result.packedPolicySize === undefined ? undefined : `${result.packedPolicySize}%`],
            ["Source identity", result.sourceIdentity],
            ["Request id", result.requestId],
          ]}
        />
      )}
      {latest?.exchange && <ExchangeView title={`AssumeRoleWithWebIdentity exchange (${REASON_LABELS[latest.reason]})`} exchange={latest.exchange} redact={redact} />}
      {earlier.length > 0 && (
        <details>
          <summary>Earlier exchanges this session ({earlier.length})</summary>
          <ol className="history">
            {earlier.map((r) => (
              <li key={r.id}>
                {r.exchange ? (
                  <ExchangeView title={`Exchange ${r.id} (${REASON_LABELS[r.reason]}${r.ok ? "" : ", failed"})`} exchange={r.exchange} redact={redact} />
                ) : (
                  <p>
                    Exchange {r.id} ({REASON_LABELS[r.reason]}): failed before a request was sent.
                  </p>
                )}
              </li>
            ))}
          </ol>
        </details>
      )}
    </section>
  );
}
