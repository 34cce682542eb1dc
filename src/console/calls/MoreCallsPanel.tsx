import { useRef, useState } from "react";
import { stsEndpoint } from "../../aws/endpoint";
import type { AppConfig } from "../../config";
import type { CredentialLifecycle, LifecycleState } from "../../credentials/lifecycle";
import { sessionSecrets } from "../secrets";
import { ChainCall } from "./ChainCall";
import type { CallsContext } from "./context";
import { DecodeCall } from "./DecodeCall";
import { SamlCall } from "./SamlCall";
import { AccessKeyInfoCall, SessionTokenCalls } from "./SessionCalls";

/**
 * Step 5: the rest of STS's API with these credentials — AWS's real answers, refusals included, each explained and
 * open to inspection. Shown while credentials exist.
 */
export function MoreCallsPanel({ config, lifecycle, state }: { config: AppConfig; lifecycle: CredentialLifecycle; state: LifecycleState }) {
  const [encoded, setEncoded] = useState("");
  const decodeField = useRef<HTMLTextAreaElement>(null);
  const endpoint = stsEndpoint(config.region, config.stsEndpoint);
  const ctx: CallsContext = {
    config,
    lifecycle,
    state,
    region: endpoint.signingRegion,
    secrets: sessionSecrets(state),
    traceEndpoint: config.stsCalls.localTrace ? endpoint.url : undefined,
    onDecode: (message) => {
      setEncoded(message);
      decodeField.current?.focus();
    },
  };
  return (
    <section className="panel wide" aria-labelledby="more-calls-heading">
      <h2 id="more-calls-heading">5. More STS calls</h2>
      <p className="panel-meta">
        The rest of STS's API, called with this session's credentials. Several are refused on purpose, for reasons worth knowing: each refusal is
        AWS's own answer, explained.
      </p>
      <AccessKeyInfoCall ctx={ctx} />
      <ChainCall ctx={ctx} />
      <DecodeCall ref={decodeField} ctx={ctx} message={encoded} onMessage={setEncoded} />
      <SessionTokenCalls ctx={ctx} />
      <SamlCall ctx={ctx} />
    </section>
  );
}
