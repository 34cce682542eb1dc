/**
 * The local stack's `GET <sts endpoint>/__local/trace/<request id>` (a local-stack extension real AWS does not have,
 * README "Local stack extensions"): why a refusal happened, and the encoded authorization message that
 * DecodeAuthorizationMessage opens. Read only when config.json `stsCalls.localTrace` says the endpoint is the stack.
 */

export interface LocalTrace {
  /** One sentence: the deciding rule and the check that failed. */
  readonly summary: string;
  readonly encodedAuthorizationMessage: string | undefined;
}

/** The trace of a refusal, or why there is none (never throws). */
export type LocalTraceResult = { readonly ok: true; readonly trace: LocalTrace } | { readonly ok: false; readonly problem: string };

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export async function fetchLocalTrace(endpoint: string, requestId: string, signal?: AbortSignal, fetchImpl: typeof fetch = fetch): Promise<LocalTraceResult> {
  const url = `${endpoint.replace(/\/$/, "")}/__local/trace/${encodeURIComponent(requestId)}`;
  let response: Response;
  try {
    response = await fetchImpl(url, { signal: signal ?? null, cache: "no-store" });
  } catch (error) {
    return { ok: false, problem: `Could not read the local stack's trace at ${url}: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (response.status === 404) return { ok: false, problem: `The local stack keeps no trace for request ${requestId} (it keeps recent refusals by a policy only).` };
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    body = undefined;
  }
  const trace = isRecord(body) && isRecord(body.trace) ? body.trace : undefined;
  if (!response.ok || !isRecord(body) || typeof trace?.summary !== "string") {
    return { ok: false, problem: `The local stack's trace at ${url} answered HTTP ${response.status} without a trace.` };
  }
  const encoded = body.encodedAuthorizationMessage;
  return { ok: true, trace: { summary: trace.summary, encodedAuthorizationMessage: typeof encoded === "string" ? encoded : undefined } };
}
