import { useState } from "react";
import type { ProviderSession } from "../auth/oidc";
import { Fields } from "../ui/Fields";
import { Raw, shorten } from "../ui/Raw";

function claimTime(v: unknown): string | undefined {
  return typeof v === "number" ? `${v} (${new Date(v * 1000).toISOString()})` : undefined;
}

const OBTAINED: Record<ProviderSession["obtainedBy"], string> = {
  "sign-in": "Authorization code + PKCE",
  "silent-renewal": "Renewed silently (prompt=none in a hidden frame)",
  "refresh-token": "Renewed with the in-memory refresh token",
};

/** Step 1: the provider's tokens — an ID token decoded (not verified: STS verifies), or an opaque access token explained. */
export function ProviderTokenPanel({ session }: { session: ProviderSession }) {
  const idToken = session.stsToken === "id_token";
  return (
    <section className="panel" aria-labelledby="token-heading">
      <h2 id="token-heading">1. Provider sign-in</h2>
      <p className="panel-meta">
        {OBTAINED[session.obtainedBy]}; {idToken ? "tokens" : "token"} received in {Math.round(session.callbackMs)} ms and kept in memory only.
        {idToken && " The ID token below is decoded, not verified — STS verifies it."}
      </p>
      {idToken ? <IdTokenDetails session={session} /> : <AccessTokenDetails session={session} />}
    </section>
  );
}

/** A token is a bearer credential for STS until it expires: shown in full only on request. */
function TokenText({ label, what, token, keep }: { label: string; what: string; token: string; keep: [number, number] }) {
  const [full, setFull] = useState(false);
  return (
    <>
      <Raw label={label} text={full ? token : shorten(token, ...keep)} copy={full ? token : null} />
      <button type="button" aria-pressed={full} onClick={() => setFull((v) => !v)}>
        Show the full {what}
      </button>
    </>
  );
}

function IdTokenDetails({ session }: { session: ProviderSession }) {
  const c = session.claims;
  return (
    <>
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
          ["Refresh token", session.hasRefreshToken ? "granted (in memory; revoked on sign-out)" : undefined],
        ]}
      />
      <Raw label="ID token header and claims" text={JSON.stringify({ header: session.header, claims: c }, null, 2)} />
      <TokenText label="ID token (compact)" what="ID token" token={session.idToken} keep={[24, 12]} />
    </>
  );
}

function AccessTokenDetails({ session }: { session: ProviderSession }) {
  const profile = session.profile;
  return (
    <>
      <p>
        This provider gives an <strong>opaque access token</strong>, not an ID token: there is nothing in it to decode. STS receives it with{" "}
        <code>ProviderId={session.stsProviderId}</code> and asks {session.stsProviderId} whether it is still valid: revoked or expired is{" "}
        <code>IDPRejectedClaim</code>, no answer <code>IDPCommunicationError</code>.
      </p>
      <Fields
        label="Access token"
        items={[
          ["Token type", session.tokenType || undefined],
          ["Scope", session.scope || undefined],
          ["Expires", session.webIdentityTokenExpiresAt === undefined ? undefined : claimTime(session.webIdentityTokenExpiresAt)],
          ["ProviderId sent to STS", session.stsProviderId],
        ]}
      />
      {profile && (
        <Fields
          label="Who the provider says this is (its profile endpoint)"
          items={[
            ["User id", profile.userId],
            ["Name", profile.name],
            ["Email", profile.email],
            ["Profile endpoint", profile.url],
            ["Problem", profile.problem],
          ]}
        />
      )}
      {profile?.raw !== undefined && <Raw label="Profile answer" text={profile.raw} />}
      <TokenText label="Access token" what="access token" token={session.accessToken} keep={[12, 6]} />
    </>
  );
}
