import { useState } from "react";
import type { Exchange } from "../aws/exchange";
import { formatClockTime } from "../credentials/expiry";
import { Fields } from "../ui/Fields";
import { Raw } from "../ui/Raw";

function rawRequest(x: Exchange): string {
  const head = Object.entries(x.request.headers).map(([k, v]) => `${k}: ${v}`);
  return [`${x.request.method} ${x.request.url}`, ...head, "", x.request.body].join("\n");
}

function rawResponse(x: Exchange): string {
  if (!x.response) return "(no response: the request failed before an answer arrived)";
  const head = Object.entries(x.response.headers).map(([k, v]) => `${k}: ${v}`);
  return [`HTTP ${x.response.status} ${x.response.statusText}`.trim(), ...head, "", x.response.body].join("\n");
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

/** The decoded parameters of a form body (`a=1&b=2`), or undefined for any other body. */
export function formParameters(x: Exchange): [string, string][] | undefined {
  const type = Object.entries(x.request.headers).find(([k]) => k.toLowerCase() === "content-type")?.[1] ?? "";
  if (!type.toLowerCase().startsWith("application/x-www-form-urlencoded") || x.request.body === "") return undefined;
  return [...new URLSearchParams(x.request.body)];
}

/**
 * The inspector's view of one round trip: request as sent (and its form parameters decoded), SigV4 steps, raw response,
 * timing, earlier attempts. `redact` hides secrets (token, secret key, session token) in everything shown; "Show
 * secrets" — an explicit action — shows them in full. While anything is hidden, copy buttons say so instead of
 * copying a shortened text.
 */
export function ExchangeView({ title, exchange, redact = (s) => s }: { title: string; exchange: Exchange; redact?: (s: string) => string }) {
  const [revealed, setRevealed] = useState(false);
  const show = revealed ? (t: string) => t : redact;
  const raw = (label: string, text: string) => {
    const shown = show(text);
    return <Raw label={label} text={shown} copy={shown === text ? text : null} />;
  };
  const params = formParameters(exchange);
  const request = rawRequest(exchange);
  const response = rawResponse(exchange);
  const attempts = exchange.retried?.map((r) => rawResponse(r.exchange)) ?? [];
  const hidesSomething = [request, exchange.signing?.canonicalRequest ?? "", response, ...attempts].some((t) => redact(t) !== t);
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
              <li key={i}>{raw(`Attempt ${i + 1} response (${r.why})`, attempts[i] ?? "")}</li>
            ))}
          </ol>
        </>
      )}
      {hidesSomething && (
        <p>
          <button type="button" aria-pressed={revealed} onClick={() => setRevealed((v) => !v)}>
            Show secrets
          </button>
        </p>
      )}
      {raw("Request", request)}
      {params && <Fields label="Form parameters (decoded)" items={params.map(([k, v]) => [k, show(v)])} />}
      {exchange.signing && (
        <>
          {raw("Canonical request", exchange.signing.canonicalRequest)}
          {raw("String to sign", exchange.signing.stringToSign)}
          <Raw
            label="Signature"
            text={`Credential scope: ${exchange.signing.credentialScope}\nSigned headers: ${exchange.signing.signedHeaders}\nSignature: ${exchange.signing.signature}`}
          />
        </>
      )}
      {raw("Response", response)}
    </div>
  );
}
