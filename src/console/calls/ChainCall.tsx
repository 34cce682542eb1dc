import { useId, useState } from "react";
import { assumeRole, type AssumeRoleResult } from "../../aws/sts";
import { Fields } from "../../ui/Fields";
import { redactor } from "../ExchangeView";
import { credentialSecrets } from "../secrets";
import { CredentialExports } from "../UseCredentials";
import { CallCard } from "./CallCard";
import { CallOutcome } from "./CallOutcome";
import type { CallsContext } from "./context";
import { useStsCall } from "./useStsCall";

/** The new session of an AssumeRole-family answer, and its credentials to copy. */
export function RoleSessionFields({ label, result, region, extra = [] }: { label: string; result: AssumeRoleResult; region: string; extra?: [string, string | undefined][] }) {
  return (
    <>
      <Fields
        label={label}
        items={[
          ["Assumed role ARN", result.assumedRoleUser.arn],
          ["Assumed role id", result.assumedRoleUser.assumedRoleId],
          ...extra,
          ["Access key id", result.credentials.accessKeyId],
          ["Expiration", result.credentials.expiration.toISOString()],
          ["Packed policy size", result.packedPolicySize === undefined ? undefined : `${result.packedPolicySize}%`],
          ["Request id", result.requestId],
        ]}
      />
      <CredentialExports credentials={result.credentials} region={region} level={4} />
    </>
  );
}

/**
 * AssumeRole with the web-identity session's credentials: role chaining. The target role must trust this session's
 * role, and a chained session lasts at most one hour whatever the target role's maximum.
 */
export function ChainCall({ ctx }: { ctx: CallsContext }) {
  const options = ctx.config.stsCalls.chainRoles;
  const ids = { role: useId(), name: useId(), duration: useId() };
  const [roleArn, setRoleArn] = useState(options[0]?.arn ?? "");
  const [sessionName, setSessionName] = useState("chained");
  const [duration, setDuration] = useState("3600");
  const call = useStsCall(ctx.config, ctx.lifecycle, (client, input: { roleArn: string; roleSessionName: string; durationSeconds: number | undefined }, signal) => assumeRole(client, input, { signal }));
  const redact = redactor([...ctx.secrets, ...credentialSecrets(call.data?.result.credentials)]);
  const seconds = duration.trim() === "" ? undefined : Number(duration);
  return (
    <CallCard
      title="AssumeRole (role chaining)"
      about="Use this session's credentials to assume another role. The target's trust policy must name your role, and your role must allow sts:AssumeRole on it. A chained session lasts at most 1 hour: ask for 7200 seconds to see AWS refuse."
      action="Call AssumeRole"
      busy={call.isPending}
      onRun={() => call.mutate({ roleArn: roleArn.trim(), roleSessionName: sessionName, durationSeconds: seconds })}
      inputs={
        <>
          <label htmlFor={ids.role}>Role ARN</label>
          <input id={ids.role} type="text" list={`${ids.role}-options`} value={roleArn} autoComplete="off" spellCheck={false} onChange={(e) => setRoleArn(e.target.value)} />
          {options.length > 0 && (
            <datalist id={`${ids.role}-options`}>
              {options.map((r) => (
                <option key={r.arn} value={r.arn} label={r.label} />
              ))}
            </datalist>
          )}
          {options.length > 0 && (
            <ul className="choices" aria-label="Roles to try">
              {options.map((r) => (
                <li key={r.arn}>
                  <button type="button" className="link" aria-label={`Use ${r.label}`} onClick={() => setRoleArn(r.arn)}>
                    {r.label}
                  </button>
                </li>
              ))}
            </ul>
          )}
          <div className="row">
            <div>
              <label htmlFor={ids.name}>Session name</label>
              <input id={ids.name} type="text" value={sessionName} autoComplete="off" spellCheck={false} onChange={(e) => setSessionName(e.target.value)} />
            </div>
            <div>
              <label htmlFor={ids.duration}>Duration (seconds)</label>
              <input id={ids.duration} type="text" inputMode="numeric" value={duration} onChange={(e) => setDuration(e.target.value)} />
            </div>
          </div>
        </>
      }
    >
      <CallOutcome operation="AssumeRole" data={call.data} error={call.error} redact={redact} traceEndpoint={ctx.traceEndpoint} onDecode={ctx.onDecode}>
        {(r) => <RoleSessionFields label="AssumeRole result" result={r} region={ctx.region} extra={[["Source identity", r.sourceIdentity]]} />}
      </CallOutcome>
    </CallCard>
  );
}
