import { useState } from "react";
import { getAccessKeyInfo, getFederationToken, getSessionToken } from "../../aws/sts";
import { Fields } from "../../ui/Fields";
import { redactor } from "../ExchangeView";
import { credentialSecrets } from "../secrets";
import { CallCard } from "./CallCard";
import { CallOutcome } from "./CallOutcome";
import type { CallsContext } from "./context";
import { useStsCall } from "./useStsCall";

/** GetAccessKeyInfo of the session's own access key: the account that owns it, decoded from the key id. */
export function AccessKeyInfoCall({ ctx }: { ctx: CallsContext }) {
  const call = useStsCall(ctx.config, ctx.lifecycle, (client, keyId: string, signal) => getAccessKeyInfo(client, keyId, { signal }));
  const keyId = ctx.state.credentials?.result.credentials.accessKeyId ?? "";
  return (
    <CallCard
      title="GetAccessKeyInfo"
      about={
        <>
          Which account owns an access key? STS reads it from the key id itself, without looking the key up. Asked here for this session's
          key <code>{keyId}</code>.
        </>
      }
      action="Call GetAccessKeyInfo"
      busy={call.isPending}
      onRun={() => call.mutate(keyId)}
    >
      <CallOutcome operation="GetAccessKeyInfo" data={call.data} error={call.error} redact={redactor(ctx.secrets)} traceEndpoint={ctx.traceEndpoint} onDecode={ctx.onDecode}>
        {(r) => (
          <Fields
            label="GetAccessKeyInfo result"
            items={[
              ["Account", r.account],
              ["Request id", r.requestId],
            ]}
          />
        )}
      </CallOutcome>
    </CallCard>
  );
}

/**
 * GetSessionToken and GetFederationToken: for IAM users and the root user only. With these (temporary) credentials AWS
 * refuses both, whatever the role allows — the card says so before the call and shows AWS's own answer after it.
 */
export function SessionTokenCalls({ ctx }: { ctx: CallsContext }) {
  const session = useStsCall(ctx.config, ctx.lifecycle, (client, _: undefined, signal) => getSessionToken(client, {}, { signal }));
  const federation = useStsCall(ctx.config, ctx.lifecycle, (client, name: string, signal) => getFederationToken(client, { name }, { signal }));
  const [name, setName] = useState("console-demo");
  const answered = [...credentialSecrets(session.data?.result.credentials), ...credentialSecrets(federation.data?.result.credentials)];
  const redact = redactor([...ctx.secrets, ...answered]);
  return (
    <>
      <CallCard
        title="GetSessionToken"
        about="Long-term IAM user keys (usually with MFA) become temporary ones. Expect AccessDenied here: AWS never lets temporary credentials call it."
        action="Call GetSessionToken"
        busy={session.isPending}
        onRun={() => session.mutate(undefined)}
      >
        <CallOutcome operation="GetSessionToken" data={session.data} error={session.error} redact={redact} traceEndpoint={ctx.traceEndpoint} onDecode={ctx.onDecode}>
          {(r) => <Fields label="GetSessionToken result" items={[["Access key id", r.credentials.accessKeyId], ["Expiration", r.credentials.expiration.toISOString()]]} />}
        </CallOutcome>
      </CallCard>
      <CallCard
        title="GetFederationToken"
        about="An IAM user mints credentials for a named federated user, limited by a session policy. Expect AccessDenied: temporary credentials cannot call it either."
        action="Call GetFederationToken"
        busy={federation.isPending}
        onRun={() => federation.mutate(name)}
        inputs={
          <p className="field">
            <label htmlFor="federation-name">Name (2–32 characters)</label>
            <input id="federation-name" type="text" value={name} autoComplete="off" spellCheck={false} onChange={(e) => setName(e.target.value)} />
          </p>
        }
      >
        <CallOutcome operation="GetFederationToken" data={federation.data} error={federation.error} redact={redact} traceEndpoint={ctx.traceEndpoint} onDecode={ctx.onDecode}>
          {(r) => (
            <Fields
              label="GetFederationToken result"
              items={[
                ["Federated user", r.federatedUser.arn],
                ["Access key id", r.credentials.accessKeyId],
              ]}
            />
          )}
        </CallOutcome>
      </CallCard>
    </>
  );
}
