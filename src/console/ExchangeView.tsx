import type { Exchange } from "../aws/exchange";
import { formatClockTime } from "../credentials/expiry";
import { Raw } from "../ui/Raw";

function rawRequest(x: Exchange, redact: (s: string) => string): string {
  const head = Object.entries(x.request.headers).map(([k, v]) => `${k}: ${redact(v)}`);
  return [`${x.request.method} ${x.request.url}`, ...head, "", redact(x.request.body)].join("\n");
}

function rawResponse(x: Exchange, redact: (s: string) => string): string {
  if (!x.response) return "(no response: the request failed before an answer arrived)";
  const head = Object.entries(x.response.headers).map(([k, v]) => `${k}: ${redact(v)}`);
  return [`HTTP ${x.response.status} ${x.response.statusText}`.trim(), ...head, "", redact(x.response.body)].join("\n");
}

/** A secret as it may appear in raw text, and what to show instead. */
export interface Secret {
  value: string;
  display: string;
}

/** Replace every occurrence of each secret (longest first, so a secret inside another is handled). */
export function redactor(secrets: Secret[]): (text: string) => string {
  const list = secrets.filter((s) => s.value.length >= 8).sort((a, b) => b.value.length - a.value.length);
  return (text) => list.reduce((t, s) => t.split(s.value).join(s.display), text);
}

/**
 * The inspector's view of one round trip: request as sent, SigV4 steps, raw response, timing.
 * `redact` hides secrets in everything displayed or copied from here (token, secret key, session token): revealing a
 * secret is an explicit action elsewhere, never a side effect of opening a raw view.
 */
export function ExchangeView({ title, exchange, redact = (s) => s }: { title: string; exchange: Exchange; redact?: (s: string) => string }) {
  return (
    <div aria-label={title} role="group">
      <p className="panel-meta">
        {exchange.request.method} {exchange.request.url} · {exchange.response ? `HTTP ${exchange.response.status}` : "no response"} ·{" "}
        {Math.round(exchange.durationMs)} ms · sent {formatClockTime(exchange.startedAt)}
      </p>
      {exchange.retried && exchange.retried.length > 0 && (
        <>
          <p className="panel-meta">
            Attempt {exchange.retried.length + 1}: the client retried{" "}
            {exchange.retried.map((r, i) => `${i > 0 ? ", then " : ""}after ${r.why} (waited ${Math.round(r.delayMs)} ms)`).join("")}.
          </p>
          <ol className="history" aria-label="Earlier attempts">
            {exchange.retried.map((r, i) => (
              <li key={i}>
                <Raw label={`Attempt ${i + 1} response (${r.why})`} text={rawResponse(r.exchange, redact)} />
              </li>
            ))}
          </ol>
        </>
      )}
      <Raw label="Request" text={rawRequest(exchange, redact)} />
      {exchange.signing && (
        <>
          <Raw label="Canonical request" text={redact(exchange.signing.canonicalRequest)} />
          <Raw label="String to sign" text={redact(exchange.signing.stringToSign)} />
          <Raw
            label="Signature"
            text={`Credential scope: ${exchange.signing.credentialScope}\nSigned headers: ${exchange.signing.signedHeaders}\nSignature: ${exchange.signing.signature}`}
          />
        </>
      )}
      <Raw label="Response" text={rawResponse(exchange, redact)} />
    </div>
  );
}
