import { useId, useRef, useState } from "react";
import { rolesFor, type AppConfig } from "../config";
import type { CredentialLifecycle, LifecycleState } from "../credentials/lifecycle";
import { REASON_LABELS } from "../credentials/lifecycle";
import { BusyButton } from "../ui/BusyButton";
import { Fields } from "../ui/Fields";
import { ErrorReport, failureHeading } from "./ErrorReport";
import { exchangeFormProblems, notSentText, type ExchangeField } from "./exchangeForm";
import { ExchangeView, redactor } from "./ExchangeView";
import { sessionSecrets } from "./secrets";

/** Step 2: the unsigned AssumeRoleWithWebIdentity — the form, the result, and every exchange of this session. */
export function ExchangePanel({ config, lifecycle, state }: { config: AppConfig; lifecycle: CredentialLifecycle; state: LifecycleState }) {
  const ids = { role: useId(), sessionName: useId(), duration: useId(), policy: useId() };
  const [roleArn, setRoleArn] = useState(state.lastInput.roleArn);
  const [sessionName, setSessionName] = useState(state.lastInput.sessionName);
  const [duration, setDuration] = useState(String(state.lastInput.durationSeconds));
  const [policy, setPolicy] = useState(state.lastInput.policy ?? "");
  // The policy is checked from the first submission on: not at every keystroke of half-typed JSON, and not on blur,
  // where a message appearing would move the submit button away from the click that blurred the field.
  const [policyChecked, setPolicyChecked] = useState(false);
  // Submissions refused for invalid fields: the status then says why (keyed, so a repeat is announced again).
  const [refused, setRefused] = useState(0);
  const nameField = useRef<HTMLInputElement>(null);
  const durationField = useRef<HTMLInputElement>(null);
  const policyField = useRef<HTMLTextAreaElement>(null);
  const policyDetails = useRef<HTMLDetailsElement>(null);

  const problems = exchangeFormProblems({ sessionName, duration, policy });
  const problemOf = (field: ExchangeField) => problems.find((p) => p.field === field)?.message;
  const nameProblem = problemOf("sessionName");
  const durationProblem = problemOf("duration");
  const policyProblem = policyChecked ? problemOf("policy") : undefined;
  const problemId = (field: ExchangeField) => `${ids[field]}-problem`;
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
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          if (busy) return;
          const first = problems[0];
          if (first) {
            // Never a silent no-op: focus goes to the first field to fix (its message is its description) and the status says why.
            setPolicyChecked(true);
            setRefused((n) => n + 1);
            if (first.field === "policy" && policyDetails.current) policyDetails.current.open = true;
            ({ sessionName: nameField, duration: durationField, policy: policyField })[first.field].current?.focus();
            return;
          }
          setRefused(0);
          void lifecycle.exchange({ roleArn, sessionName, durationSeconds: Number(duration), ...(policy.trim() ? { policy: policy.trim() } : {}) }, "manual");
        }}
      >
        <label htmlFor={ids.role}>Role</label>
        <select id={ids.role} value={roleArn} onChange={(e) => setRoleArn(e.target.value)} aria-describedby={`${ids.role}-arn`}>
          {roles.map((r) => (
            <option key={r.arn} value={r.arn}>
              {r.label}
            </option>
          ))}
        </select>
        {/* A phone's select shows only the start of a long label: the ARN below says exactly which role. */}
        <p id={`${ids.role}-arn`} className="panel-meta hint">
          <code>{roleArn}</code>
        </p>
        <div className="row">
          <div>
            <label htmlFor={ids.sessionName}>Session name</label>
            <input ref={nameField} id={ids.sessionName} type="text" value={sessionName} onChange={(e) => setSessionName(e.target.value)} aria-invalid={!!nameProblem} aria-describedby={nameProblem ? problemId("sessionName") : undefined} />
          </div>
          <div>
            <label htmlFor={ids.duration}>Duration (seconds)</label>
            <input
              ref={durationField}
              id={ids.duration}
              type="number"
              inputMode="numeric"
              min={900}
              max={43200}
              step={1}
              value={duration}
              onChange={(e) => setDuration(e.target.value)}
              aria-invalid={!!durationProblem}
              aria-describedby={durationProblem ? problemId("duration") : undefined}
            />
          </div>
        </div>
        {nameProblem && (
          <p id={problemId("sessionName")} className="alert">
            {nameProblem}
          </p>
        )}
        {durationProblem && (
          <p id={problemId("duration")} className="alert">
            {durationProblem}
          </p>
        )}
        <details ref={policyDetails}>
          <summary>Inline session policy (optional)</summary>
          <label htmlFor={ids.policy}>Session policy JSON</label>
          <textarea
            ref={policyField}
            id={ids.policy}
            rows={5}
            value={policy}
            onChange={(e) => setPolicy(e.target.value)}
            spellCheck={false}
            aria-invalid={!!policyProblem}
            aria-describedby={policyProblem ? problemId("policy") : undefined}
          />
          {policyProblem && (
            <p id={problemId("policy")} className="alert">
              {policyProblem}
            </p>
          )}
        </details>
        <p className="row">
          <BusyButton type="submit" className="primary" busy={busy}>
            Get AWS credentials
          </BusyButton>
          <span role="status" className="status">
            {busy ? "Calling STS…" : refused > 0 && problems.length > 0 ? <span key={refused}>{notSentText(problems)}</span> : latest?.ok ? "Credentials received." : ""}
          </span>
        </p>
      </form>
      {state.lastError && <ErrorReport title={failureHeading("STS", "the exchange", state.lastError.error)} error={state.lastError.error} />}
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
