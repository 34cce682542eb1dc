import { useEffect, useId, useMemo, useState } from "react";
import { readSamlResponse } from "../../aws/samlResponse";
import { assumeRoleWithSaml, type AssumeRoleWithSamlParams } from "../../aws/sts";
import { Fields } from "../../ui/Fields";
import { Raw } from "../../ui/Raw";
import { redactor } from "../ExchangeView";
import { credentialSecrets, tokenSecret } from "../secrets";
import { CallCard } from "./CallCard";
import { RoleSessionFields } from "./ChainCall";
import { CallOutcome } from "./CallOutcome";
import type { CallsContext } from "./context";
import { useStsCall } from "./useStsCall";

/** What the local SAML IdP's page posts to the window that opened it (a local-stack extension). */
function samlMessage(data: unknown): string | undefined {
  if (typeof data !== "object" || data === null) return undefined;
  const m = data as { type?: unknown; SAMLResponse?: unknown };
  return m.type === "saml-response" && typeof m.SAMLResponse === "string" ? m.SAMLResponse : undefined;
}

/**
 * AssumeRoleWithSAML: a SAML 2.0 assertion (from the configured SAML sign-in page, or pasted) becomes credentials for
 * one of the roles it lists. Unsigned, like AssumeRoleWithWebIdentity: the assertion's signature is the proof.
 */
export function SamlCall({ ctx }: { ctx: CallsContext }) {
  const saml = ctx.config.stsCalls.saml;
  const ids = { assertion: useId(), pair: useId() };
  const [assertion, setAssertion] = useState("");
  const [pairIndex, setPairIndex] = useState(0);
  const [windowStatus, setWindowStatus] = useState("");
  const read = useMemo(() => (assertion.trim() === "" ? undefined : readSamlResponse(assertion)), [assertion]);
  const pairs = read?.ok ? read.summary.roles : [];
  const call = useStsCall(ctx.config, ctx.lifecycle, (client, input: AssumeRoleWithSamlParams, signal) => assumeRoleWithSaml(client, input, { signal }), false);
  const redact = redactor([...ctx.secrets, ...tokenSecret(assertion.trim()), ...credentialSecrets(call.data?.result.credentials)]);

  useEffect(() => {
    if (!saml) return undefined;
    const from = new URL(saml.signInUrl).origin;
    const listener = (event: MessageEvent) => {
      const response = event.origin === from ? samlMessage(event.data) : undefined;
      if (response === undefined) return;
      setAssertion(response);
      setPairIndex(0);
      setWindowStatus(`${saml.label} handed over a SAML response.`);
    };
    window.addEventListener("message", listener);
    return () => window.removeEventListener("message", listener);
  }, [saml]);

  const openSignIn = () => {
    if (!saml) return;
    const url = new URL(saml.signInUrl);
    url.searchParams.set("origin", window.location.origin);
    const opened = window.open(url.toString(), "wic-saml-sign-in", "popup,width=520,height=640");
    setWindowStatus(opened ? `Sign in at ${saml.label} in the window that opened.` : `The browser blocked the sign-in window for ${url.origin}: allow pop-ups for this page and try again.`);
  };

  const pair = pairs[pairIndex] ?? pairs[0];
  return (
    <CallCard
      title="AssumeRoleWithSAML"
      about="A SAML 2.0 identity provider signs an assertion listing the roles you may take; STS checks its signature against the IAM SAML provider's metadata, its audience and its validity, then returns credentials. The assertion is a credential while it is valid: it stays in this page's memory."
      action="Call AssumeRoleWithSAML"
      busy={call.isPending}
      onRun={() => call.mutate({ roleArn: pair?.roleArn ?? "", principalArn: pair?.principalArn ?? "", samlAssertion: assertion.trim() })}
      inputs={
        <>
          {saml && (
            <p className="row">
              <button type="button" onClick={openSignIn}>
                Get an assertion from {saml.label}
              </button>
              <span role="status" className="status">
                {windowStatus}
              </span>
            </p>
          )}
          <label htmlFor={ids.assertion}>SAMLResponse (base64, as the identity provider posts it)</label>
          <textarea id={ids.assertion} rows={3} value={assertion} spellCheck={false} autoComplete="off" onChange={(e) => setAssertion(e.target.value)} />
          {read && !read.ok && <p className="alert">{read.problem}</p>}
          {read?.ok && (
            <>
              <Fields
                label="What the assertion says"
                items={[
                  ["Issuer", read.summary.issuer],
                  ["Subject (NameID)", read.summary.nameId],
                  ["NameID format", read.summary.nameIdFormat],
                  ["Audience", read.summary.audience],
                  ["Valid until", read.summary.notOnOrAfter],
                  ["Role session name", read.summary.roleSessionName],
                  ["Session duration", read.summary.sessionDuration === undefined ? undefined : `${read.summary.sessionDuration} s`],
                  ["Signature", read.summary.signed ? "present (STS checks it)" : "none: STS will refuse an unsigned assertion"],
                ]}
              />
              {pairs.length === 0 ? (
                <p className="alert">The assertion lists no Role attribute pair (role ARN, SAML provider ARN): STS has no role to give.</p>
              ) : (
                <>
                  <label htmlFor={ids.pair}>Role (from the assertion's Role attribute)</label>
                  <select id={ids.pair} value={pairIndex} onChange={(e) => setPairIndex(Number(e.target.value))}>
                    {pairs.map((p, i) => (
                      <option key={`${p.roleArn} ${p.principalArn}`} value={i}>
                        {p.roleArn} via {p.principalArn}
                      </option>
                    ))}
                  </select>
                </>
              )}
              <Raw label="Assertion XML" text={read.summary.xml} />
            </>
          )}
        </>
      }
    >
      <CallOutcome operation="AssumeRoleWithSAML" data={call.data} error={call.error} redact={redact} traceEndpoint={ctx.traceEndpoint} onDecode={ctx.onDecode}>
        {(r) => (
          <RoleSessionFields
            label="AssumeRoleWithSAML result"
            result={r}
            region={ctx.region}
            extra={[
              ["Subject", r.subject],
              ["Subject type", r.subjectType],
              ["Issuer", r.issuer],
              ["Audience", r.audience],
              ["Name qualifier", r.nameQualifier],
            ]}
          />
        )}
      </CallOutcome>
    </CallCard>
  );
}
