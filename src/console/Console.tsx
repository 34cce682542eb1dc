import { useMutation, useQuery } from "@tanstack/react-query";
import { useEffect, useId, useRef, useState } from "react";
import type { ProviderSession } from "../auth/oidc";
import { clockSkewFromExchange, describeClockSkew, type ClockSkew } from "../aws/clock";
import type { AwsCallResult, Exchange } from "../aws/exchange";
import type { TemporaryCredentials } from "../aws/sts";
import type { AppConfig } from "../config";
import { Countdown } from "../credentials/Countdown";
import { defaultSessionName, sessionNameProblem } from "../credentials/session";
import { Fields } from "../ui/Fields";
import { Raw, shorten } from "../ui/Raw";
import { ErrorReport } from "./ErrorReport";
import { ExchangeView, redactor, type Secret } from "./ExchangeView";
import { exchangeToken, type ExchangeInput, type WebIdentityResult } from "./exchange";
import { callerIdentityQuery } from "./queries";

/** Everything after sign-in: the token, the exchange, the credentials and the signed calls (DESIGN §2). */
export default function Console({ config, session }: { config: AppConfig; session: ProviderSession }) {
  const [active, setActive] = useState<AwsCallResult<WebIdentityResult> | undefined>();
  return (
    <div className="steps">
      <ProviderTokenPanel session={session} />
      <ExchangePanel config={config} session={session} onCredentials={setActive} />
      {/* keyed by access key: a new secret starts masked even if the previous one was revealed */}
      {active && <CredentialsPanel key={active.result.credentials.accessKeyId} result={active.result} />}
      {active && <SignedCallsPanel config={config} credentials={active.result.credentials} initialSkew={clockSkewFromExchange(active.exchange)} />}
    </div>
  );
}

function claimTime(v: unknown): string | undefined {
  return typeof v === "number" ? `${v} (${new Date(v * 1000).toISOString()})` : undefined;
}

function ProviderTokenPanel({ session }: { session: ProviderSession }) {
  // The ID token is a bearer credential for STS until it expires: shown in full only on request.
  const [showToken, setShowToken] = useState(false);
  const c = session.claims;
  const exp = typeof c.exp === "number" ? new Date(c.exp * 1000) : undefined;
  const iat = typeof c.iat === "number" ? c.iat : undefined;
  return (
    <section className="panel" aria-labelledby="token-heading">
      <h2 id="token-heading">1. Provider sign-in</h2>
      <p className="panel-meta">
        Authorization code + PKCE; tokens redeemed in {Math.round(session.callbackMs)} ms and kept in memory only. The ID token below is decoded, not
        verified — STS verifies it.
      </p>
      <Fields
        label="ID token claims"
        items={[
          ["Issuer (iss)", String(c.iss ?? "")],
          ["Subject (sub)", String(c.sub ?? "")],
          ["Audience (aud)", Array.isArray(c.aud) ? c.aud.join(", ") : String(c.aud ?? "")],
          ["Authorized party (azp)", c.azp === undefined ? undefined : String(c.azp)],
          ["Issued at (iat)", claimTime(c.iat)],
          ["Expires (exp)", claimTime(c.exp)],
          ["Signing key", `${String(session.header.alg ?? "?")} · kid ${String(session.header.kid ?? "—")}`],
        ]}
      />
      {exp && iat !== undefined && <Countdown label="ID token expires in" expiration={exp} totalSeconds={Math.max(1, (exp.getTime() / 1000) - iat)} />}
      <Raw label="ID token header and claims" text={JSON.stringify({ header: session.header, claims: c }, null, 2)} />
      <Raw label="ID token (compact)" text={showToken ? session.idToken : shorten(session.idToken, 24, 12)} />
      <button type="button" aria-pressed={showToken} onClick={() => setShowToken((v) => !v)}>
        {showToken ? "Shorten the ID token" : "Show the full ID token"}
      </button>
    </section>
  );
}

function ExchangePanel({ config, session, onCredentials }: { config: AppConfig; session: ProviderSession; onCredentials: (r: AwsCallResult<WebIdentityResult>) => void }) {
  const ids = { role: useId(), name: useId(), duration: useId(), policy: useId() };
  const [roleArn, setRoleArn] = useState(config.roles[0]?.arn ?? "");
  const [sessionName, setSessionName] = useState(() => defaultSessionName(session.claims));
  const [duration, setDuration] = useState(String(config.durationSeconds));
  const [policy, setPolicy] = useState("");
  const exchange = useMutation({
    mutationFn: (input: ExchangeInput) => exchangeToken(config, session, input),
    onSuccess: (result) => {
      // A User Timing mark for `npm run bench` (callback-to-credentials); harmless otherwise.
      performance.mark("wic:credentials");
      onCredentials(result);
    },
  });
  const { mutate } = exchange;

  // Exchange once right after sign-in with the defaults; later exchanges are explicit.
  const autoRun = useRef(false);
  useEffect(() => {
    if (autoRun.current) return;
    autoRun.current = true;
    mutate({ roleArn: config.roles[0]?.arn ?? "", sessionName: defaultSessionName(session.claims), durationSeconds: config.durationSeconds });
  }, [mutate, config, session]);

  const nameProblem = sessionNameProblem(sessionName);
  const durationNumber = Number(duration);
  const durationProblem = Number.isInteger(durationNumber) && durationNumber >= 900 && durationNumber <= 43200 ? undefined : "Duration must be 900–43200 seconds.";
  const lastExchange: Exchange | undefined = exchange.data?.exchange ?? (exchange.error as { exchange?: Exchange } | null)?.exchange;

  return (
    <section className="panel" aria-labelledby="exchange-heading">
      <h2 id="exchange-heading">2. AssumeRoleWithWebIdentity</h2>
      <p className="panel-meta">An unsigned call to STS at {exchange.data?.exchange.request.url ?? config.stsEndpoint ?? `the ${config.region} regional endpoint`}: the provider's ID token is the proof of identity.</p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (nameProblem || durationProblem) return;
          exchange.mutate({ roleArn, sessionName, durationSeconds: durationNumber, ...(policy.trim() ? { policy: policy.trim() } : {}) });
        }}
      >
        <label htmlFor={ids.role}>Role</label>
        <select id={ids.role} value={roleArn} onChange={(e) => setRoleArn(e.target.value)}>
          {config.roles.map((r) => (
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
          <button type="submit" className="primary" disabled={exchange.isPending}>
            Get AWS credentials
          </button>
          <span role="status" className="status">{exchange.isPending ? "Calling STS…" : exchange.isSuccess ? "Credentials received." : ""}</span>
        </p>
      </form>
      {exchange.isError && <ErrorReport title="STS refused the exchange" error={exchange.error} />}
      {exchange.data && (
        <Fields
          label="AssumeRoleWithWebIdentity result"
          items={[
            ["Assumed role ARN", exchange.data.result.assumedRoleUser.arn],
            ["Assumed role id", exchange.data.result.assumedRoleUser.assumedRoleId],
            ["Subject", exchange.data.result.subjectFromWebIdentityToken],
            ["Provider", exchange.data.result.provider],
            ["Audience", exchange.data.result.audience],
            ["Packed policy size", exchange.data.result.packedPolicySize === undefined ? undefined : `${exchange.data.result.packedPolicySize}%`],
            ["Source identity", exchange.data.result.sourceIdentity],
            ["Request id", exchange.data.result.requestId],
          ]}
        />
      )}
      {lastExchange && (
        <ExchangeView
          title="AssumeRoleWithWebIdentity exchange"
          exchange={lastExchange}
          redact={redactor([{ value: session.webIdentityToken, display: shorten(session.webIdentityToken, 24, 12) }, ...credentialSecrets(exchange.data?.result.credentials)])}
        />
      )}
    </section>
  );
}

/** How credentials appear in raw views: the secret key masked, the session token shortened. */
function credentialSecrets(c: TemporaryCredentials | undefined): Secret[] {
  if (!c) return [];
  return [
    { value: c.secretAccessKey, display: "•••••••• (hidden: reveal it under Temporary credentials)" },
    { value: c.sessionToken, display: shorten(c.sessionToken, 16, 8) },
  ];
}

function CredentialsPanel({ result }: { result: WebIdentityResult }) {
  const [reveal, setReveal] = useState(false);
  const c = result.credentials;
  const totalSeconds = Math.max(1, Math.round((c.expiration.getTime() - result.receivedAt) / 1000));
  return (
    <section className="panel" aria-labelledby="credentials-heading">
      <h2 id="credentials-heading">3. Temporary credentials</h2>
      <p className="panel-meta">In memory only: reloading or signing out forgets them.</p>
      <Countdown label="Credentials expire in" expiration={c.expiration} totalSeconds={totalSeconds} />
      <Fields
        label="Credentials"
        items={[
          ["Access key id", c.accessKeyId],
          ["Secret access key", reveal ? c.secretAccessKey : "•".repeat(40)],
          ["Session token", shorten(c.sessionToken, 16, 8)],
          ["Expiration", c.expiration.toISOString()],
        ]}
      />
      <button type="button" aria-pressed={reveal} onClick={() => setReveal((r) => !r)}>
        {reveal ? "Hide secret access key" : "Reveal secret access key"}
      </button>
    </section>
  );
}

function SignedCallsPanel({ config, credentials, initialSkew }: { config: AppConfig; credentials: TemporaryCredentials; initialSkew: ClockSkew | undefined }) {
  const query = useQuery(callerIdentityQuery(config, credentials, initialSkew));
  const skew = query.data?.clockSkew ?? initialSkew;
  const x = query.data?.exchange ?? (query.error as { exchange?: Exchange } | null)?.exchange;
  return (
    <section className="panel" aria-labelledby="calls-heading">
      <h2 id="calls-heading">4. Signed calls</h2>
      <p className="panel-meta">
        SigV4-signed with the temporary credentials above. {skew ? describeClockSkew(skew) : "The clock offset to AWS is not known yet."}
        {skew && skew.offsetMs !== 0 ? " Signatures use the corrected time." : ""}
      </p>
      <p className="row">
        <button type="button" className="primary" onClick={() => void query.refetch()} disabled={query.isFetching}>
          Who am I?
        </button>
        <span className="status">sts:GetCallerIdentity</span>
        <span role="status" className="status">{query.isFetching ? "Calling STS…" : ""}</span>
      </p>
      {query.isError && <ErrorReport title="GetCallerIdentity failed" error={query.error} />}
      {query.data && (
        <Fields
          label="Caller identity"
          items={[
            ["Account", query.data.result.account],
            ["Arn", query.data.result.arn],
            ["UserId", query.data.result.userId],
            ["Request id", query.data.result.requestId],
          ]}
        />
      )}
      {x && <ExchangeView title="GetCallerIdentity exchange" exchange={x} redact={redactor(credentialSecrets(credentials))} />}
    </section>
  );
}
