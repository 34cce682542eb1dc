import { useState } from "react";
import { formatClockTime } from "../credentials/expiry";
import type { CredentialSet } from "../credentials/lifecycle";
import { REASON_LABELS } from "../credentials/lifecycle";
import { Fields } from "../ui/Fields";
import { CopyButton, shorten } from "../ui/Raw";
import { CredentialExports } from "./UseCredentials";

/** A masked value: bullets to the eye, "hidden" to a screen reader (not "bullet" forty times). */
function Masked() {
  return (
    <>
      <span aria-hidden="true">{"•".repeat(40)}</span>
      <span className="visually-hidden">hidden</span>
    </>
  );
}

/** Step 3: the temporary credentials (secret masked until revealed); the countdown is in the Session panel. */
export function CredentialsPanel({ credentials, offsetMs, region }: { credentials: CredentialSet; offsetMs: number; region: string }) {
  const [reveal, setReveal] = useState(false);
  const [revealToken, setRevealToken] = useState(false);
  const c = credentials.result.credentials;
  return (
    <section className="panel" aria-labelledby="credentials-heading">
      <h2 id="credentials-heading">3. Temporary credentials</h2>
      <p className="panel-meta">In memory only: signing out forgets them, and a reload drops them (the app then tries to sign you in again silently).</p>
      <Fields
        label="Credentials"
        items={[
          ["Access key id", c.accessKeyId],
          ["Secret access key", reveal ? c.secretAccessKey : <Masked />],
          ["Session token", <code className="token">{revealToken ? c.sessionToken : shorten(c.sessionToken, 16, 8)}</code>],
          ["Expiration", `${c.expiration.toISOString()} (${formatClockTime(new Date(c.expiration.getTime() - offsetMs))} on this device's clock)`],
          ["Session length", `${credentials.sessionSeconds} s`],
          ["Obtained", REASON_LABELS[credentials.reason]],
        ]}
      />
      <p className="row">
        {/* A toggle keeps one label; aria-pressed says whether it is on. */}
        <button type="button" aria-pressed={reveal} onClick={() => setReveal((r) => !r)}>
          Reveal secret access key
        </button>
        <CopyButton label="Copy secret access key" value={reveal ? c.secretAccessKey : null} unavailable="Reveal it first to copy it" />
      </p>
      <p className="row">
        <button type="button" aria-pressed={revealToken} onClick={() => setRevealToken((r) => !r)}>
          Show full session token
        </button>
        <CopyButton label="Copy session token" value={revealToken ? c.sessionToken : null} />
      </p>
      <CredentialExports credentials={c} region={region} />
    </section>
  );
}
