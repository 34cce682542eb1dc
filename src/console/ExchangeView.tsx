import type { Exchange } from "../aws/exchange";
import { Raw } from "../ui/Raw";

function rawRequest(x: Exchange, redact: (s: string) => string): string {
  const head = Object.entries(x.request.headers).map(([k, v]) => `${k}: ${redact(v)}`);
  return [`${x.request.method} ${x.request.url}`, ...head, "", redact(x.request.body)].join("\n");
}

function rawResponse(x: Exchange): string {
  if (!x.response) return "(no response: the request failed before an answer arrived)";
  const head = Object.entries(x.response.headers).map(([k, v]) => `${k}: ${v}`);
  return [`HTTP ${x.response.status} ${x.response.statusText}`.trim(), ...head, "", x.response.body].join("\n");
}

/**
 * The inspector's view of one round trip: request as sent, SigV4 steps, raw response, timing.
 * `redact` shortens secrets in what is displayed (the web identity token, the session token).
 */
export function ExchangeView({ title, exchange, redact = (s) => s }: { title: string; exchange: Exchange; redact?: (s: string) => string }) {
  return (
    <div aria-label={title} role="group">
      <p className="panel-meta">
        {exchange.request.method} {exchange.request.url} · {exchange.response ? `HTTP ${exchange.response.status}` : "no response"} ·{" "}
        {Math.round(exchange.durationMs)} ms · sent {exchange.startedAt.toLocaleTimeString()}
      </p>
      <Raw label="Request" text={rawRequest(exchange, redact)} />
      {exchange.signing && (
        <>
          <Raw label="Canonical request" text={exchange.signing.canonicalRequest} />
          <Raw label="String to sign" text={exchange.signing.stringToSign} />
          <Raw
            label="Signature"
            text={`Credential scope: ${exchange.signing.credentialScope}\nSigned headers: ${exchange.signing.signedHeaders}\nSignature: ${exchange.signing.signature}`}
          />
        </>
      )}
      <Raw label="Response" text={rawResponse(exchange)} />
    </div>
  );
}
