/**
 * Sending STS Query-protocol requests and recording each round trip (the inspector's {@link Exchange}): the shared
 * machinery under every operation in this folder. No retries here (see `retry.ts` and `client.ts`).
 */
import { AwsClientError, isAwsClientError, isAwsServiceError } from "../errors";
import { headersToRecord, type AwsCallResult, type Exchange, type ExchangeRequest, type SigningSteps } from "../exchange";
import { encodeQuery, type QueryParams } from "../query";
import { signRequest, type SigningCredentials } from "../signer";
import type { StsAnswer } from "./answer";

/** The STS API version every call sends (`Version=2011-06-15`). */
export const STS_API_VERSION = "2011-06-15";

/** Content type of Query-protocol bodies. Alone, it keeps an unsigned POST a CORS "simple request" (no preflight). */
export const FORM_CONTENT_TYPE = "application/x-www-form-urlencoded";

/** What every wire call accepts. */
export interface FetchOptions {
  /** Aborts the call (user cancel, or `AbortSignal.timeout(ms)` → a `timeout` error). */
  readonly signal?: AbortSignal | undefined;
  /** A `fetch` to use instead of the global one (tests, instrumentation). */
  readonly fetch?: typeof fetch | undefined;
}

/** A request ready to send: what goes on the wire, plus the SigV4 steps when signed. */
export interface PreparedRequest extends ExchangeRequest {
  readonly signing?: SigningSteps | undefined;
}

/** `timeout` when an abort's reason is a TimeoutError (`AbortSignal.timeout`), else `aborted`. */
export function abortReasonKind(reason: unknown): "timeout" | "aborted" {
  return reason instanceof Error && reason.name === "TimeoutError" ? "timeout" : "aborted";
}

function failureToClientError(error: unknown, url: string, signal: AbortSignal | undefined, phase: "request" | "body"): AwsClientError {
  if (isAwsClientError(error)) return error;
  const kind = signal?.aborted
    ? abortReasonKind(signal.reason)
    : error instanceof Error && error.name === "TimeoutError"
      ? "timeout"
      : error instanceof Error && error.name === "AbortError"
        ? "aborted"
        : phase === "body"
          ? "network"
          : "cors-or-network";
  let origin = url;
  try {
    origin = new URL(url).origin;
  } catch {
    // keep the raw text
  }
  switch (kind) {
    case "timeout":
      return new AwsClientError("timeout", `The request to ${origin} took too long and was stopped. Check the connection and try again.`, { cause: error });
    case "aborted":
      return new AwsClientError("aborted", `The request to ${origin} was cancelled.`, { cause: error });
    case "network":
      return new AwsClientError("network", `The connection to ${origin} broke while the answer was arriving. Check the connection and try again.`, { cause: error });
    default:
      return new AwsClientError(
        "cors-or-network",
        `Could not get an answer from ${origin}: either the network is down or the endpoint is unreachable, or the browser ` +
          `blocked the answer because the endpoint does not allow this site (CORS). A browser reports both the same way. ` +
          `Check the connection and the endpoint URL; the browser console names a CORS refusal.`,
        { cause: error },
      );
  }
}

/**
 * Sends a prepared request with `fetch` (no cookies: `credentials: "omit"`, no HTTP cache) and returns the response
 * whatever its status. No retries.
 *
 * @throws {AwsClientError} `cors-or-network` when fetch rejects (TypeError), `timeout` when the signal's reason is a
 * TimeoutError, `aborted` when the signal aborted otherwise.
 */
export async function sendPrepared(prepared: PreparedRequest, options: FetchOptions = {}): Promise<Response> {
  const doFetch = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init));
  const hasBody = prepared.method !== "GET" && prepared.method !== "HEAD";
  try {
    return await doFetch(prepared.url, {
      method: prepared.method,
      headers: prepared.headers,
      ...(hasBody ? { body: prepared.body } : {}),
      credentials: "omit",
      cache: "no-store",
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (error) {
    throw failureToClientError(error, prepared.url, options.signal, "request");
  }
}

/** Reads the whole body as text; a failure mid-body becomes a typed client error. */
export async function readBody(response: Response, signal?: AbortSignal, url?: string): Promise<string> {
  try {
    return await response.text();
  } catch (error) {
    throw failureToClientError(error, response.url || url || "the endpoint", signal, "body");
  }
}

/** The unsigned Query-protocol POST of `params` (only `Content-Type`: a CORS simple request). */
export function queryRequest(endpoint: string, params: QueryParams): PreparedRequest {
  return { method: "POST", url: endpoint, headers: { "content-type": FORM_CONTENT_TYPE }, body: encodeQuery(params) };
}

/** The SigV4-signed (service `sts`) Query-protocol POST of `params`, with its signing steps. */
export async function signedQueryRequest(endpoint: string, region: string, credentials: SigningCredentials, params: QueryParams, now: Date | undefined): Promise<PreparedRequest> {
  const body = encodeQuery(params);
  const signed = await signRequest({ method: "POST", url: endpoint, headers: { "content-type": FORM_CONTENT_TYPE }, body, credentials, service: "sts", region, now });
  const { canonicalRequest, stringToSign, signature, signedHeaders, credentialScope, amzDate } = signed;
  return { method: "POST", url: signed.url, headers: signed.headers, body, signing: { canonicalRequest, stringToSign, signature, signedHeaders, credentialScope, amzDate } };
}

/** Options of one recorded round trip. */
export interface CallOptions extends FetchOptions {
  /** Stop the call after this many ms (a `timeout` error); combined with `signal`. */
  readonly timeoutMs?: number | undefined;
  /** Local clock in epoch ms for timing; default `Date.now`. */
  readonly clock?: (() => number) | undefined;
}

function callSignal(options: CallOptions): AbortSignal | undefined {
  if (options.timeoutMs === undefined) return options.signal;
  const timeout = AbortSignal.timeout(options.timeoutMs);
  if (options.signal === undefined) return timeout;
  return AbortSignal.any([options.signal, timeout]);
}

/** Puts the round trip on a typed error (the inspector shows failed calls too). */
export function attachExchange(error: unknown, exchange: Exchange): unknown {
  if (isAwsServiceError(error) || isAwsClientError(error)) error.exchange = exchange;
  return error;
}

/**
 * One round trip, recorded: sends `prepared`, reads the body and hands the answer to `read`. Any failure is a typed
 * error carrying the exchange so far.
 */
export async function exchangeAndProcess<T>(prepared: PreparedRequest, read: (answer: StsAnswer) => T, options: CallOptions): Promise<AwsCallResult<T>> {
  const clock = options.clock ?? Date.now;
  const signal = callSignal(options);
  const request: ExchangeRequest = { method: prepared.method, url: prepared.url, headers: prepared.headers, body: prepared.body };
  const startedAtMs = clock();
  const base = { request, startedAt: new Date(startedAtMs), ...(prepared.signing ? { signing: prepared.signing } : {}) };
  let response: Response;
  let body: string;
  try {
    response = await sendPrepared(prepared, { signal, fetch: options.fetch });
    body = await readBody(response, signal, prepared.url);
  } catch (error) {
    throw attachExchange(error, { ...base, durationMs: clock() - startedAtMs });
  }
  const exchange: Exchange = {
    ...base,
    response: { status: response.status, statusText: response.statusText, headers: headersToRecord(response.headers), body },
    durationMs: clock() - startedAtMs,
  };
  try {
    return { result: read({ status: response.status, ok: response.ok, headers: response.headers, body }), exchange };
  } catch (error) {
    throw attachExchange(error, exchange);
  }
}
