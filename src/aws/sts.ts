import { clockSkewFromExchange, clockSkewFromMessage, correctedNow, NO_CLOCK_SKEW, type ClockSkew } from "./clock";
import { AwsClientError, AwsServiceError, bodySnippet, isAwsClientError, isAwsServiceError, isClockSkewError, isRetryable, looksLikeHtml, type AwsErrorType } from "./errors";
import { headersToRecord, type AwsCallResult, type Exchange, type ExchangeRequest, type SigningSteps } from "./exchange";
import { encodeQuery, type QueryParams } from "./query";
export { stsEndpoint, type StsEndpoint } from "./endpoint";
import { signRequest, type SigningCredentials } from "./signer";
import { elementAt, isXmlElement, parseXml, rootName, textAt, XmlParseError, type XmlElement } from "./xml";

export type { AwsCallResult, Exchange, ExchangeRequest, ExchangeResponse, SigningSteps } from "./exchange";
export type { SigningCredentials } from "./signer";

/** The STS API version every call sends (`Version=2011-06-15`). */
export const STS_API_VERSION = "2011-06-15";

/** Content type of Query-protocol bodies. Alone, it keeps an unsigned POST a CORS "simple request" (no preflight). */
export const FORM_CONTENT_TYPE = "application/x-www-form-urlencoded";

/** An STS call's result with its exchange record (see `exchange.ts`). */
export type StsCallResult<T> = AwsCallResult<T>;

// ---------------------------------------------------------------------------------------------------------------
// Endpoints

// ---------------------------------------------------------------------------------------------------------------
// Sending

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

function abortReasonKind(reason: unknown): "timeout" | "aborted" {
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

async function readBody(response: Response, signal?: AbortSignal, url?: string): Promise<string> {
  try {
    return await response.text();
  } catch (error) {
    throw failureToClientError(error, response.url || url || "the endpoint", signal, "body");
  }
}

function queryRequest(endpoint: string, params: QueryParams): PreparedRequest {
  return { method: "POST", url: endpoint, headers: { "content-type": FORM_CONTENT_TYPE }, body: encodeQuery(params) };
}

async function signedQueryRequest(endpoint: string, region: string, credentials: SigningCredentials, params: QueryParams, now: Date | undefined): Promise<PreparedRequest> {
  const body = encodeQuery(params);
  const signed = await signRequest({ method: "POST", url: endpoint, headers: { "content-type": FORM_CONTENT_TYPE }, body, credentials, service: "sts", region, now });
  const { canonicalRequest, stringToSign, signature, signedHeaders, credentialScope, amzDate } = signed;
  return { method: "POST", url: signed.url, headers: signed.headers, body, signing: { canonicalRequest, stringToSign, signature, signedHeaders, credentialScope, amzDate } };
}

// ---------------------------------------------------------------------------------------------------------------
// Reading answers

/** The request id from the response headers: `x-amzn-RequestId`, else `x-amzn-request-id` / `x-amz-request-id`. */
export function requestIdFromHeaders(headers: Headers): string | undefined {
  for (const name of ["x-amzn-requestid", "x-amzn-request-id", "x-amz-request-id"]) {
    const value = headers.get(name)?.trim();
    if (value) return value;
  }
  return undefined;
}

/** What the field checks need to name a problem: status, raw body, result element name. */
export interface AnswerContext {
  readonly status: number;
  readonly body: string;
  readonly resultName: string;
}

function unexpected(context: { status: number; body: string }, what: string): AwsClientError {
  const snippet = bodySnippet(context.body);
  return new AwsClientError(
    "unexpected-response",
    `The endpoint answered HTTP ${context.status} with ${what} instead of an STS response${snippet === "" ? "" : `: "${snippet}"`}. ` +
      `A proxy, a captive portal or a wrong endpoint URL is likely; check the STS endpoint setting and the network.`,
    { status: context.status, cause: context.body },
  );
}

function invalid(context: AnswerContext, path: string, problem: string): AwsClientError {
  return new AwsClientError(
    "invalid-response",
    `The STS answer (HTTP ${context.status}) is not usable: ${context.resultName}.${path} ${problem}. The endpoint may not be a faithful STS.`,
    { status: context.status, cause: context.body },
  );
}

function errorType(value: string | undefined): AwsErrorType | undefined {
  return value === "Sender" || value === "Receiver" ? value : undefined;
}

function serviceErrorFromJson(body: string, status: number, headerRequestId: string | undefined): AwsServiceError | undefined {
  if (!body.trimStart().startsWith("{")) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  const error = isXmlElement(parsed) ? parsed["Error"] : undefined;
  if (!isXmlElement(error) || typeof error["Code"] !== "string" || error["Code"] === "") return undefined;
  const message = typeof error["Message"] === "string" ? error["Message"] : typeof error["message"] === "string" ? error["message"] : "";
  const requestId = isXmlElement(parsed) && typeof parsed["RequestId"] === "string" && parsed["RequestId"] !== "" ? parsed["RequestId"] : headerRequestId;
  return new AwsServiceError({ code: error["Code"], message, type: errorType(typeof error["Type"] === "string" ? error["Type"] : undefined), status, requestId, body });
}

function describeNonXml(body: string): string {
  if (body.trim() === "") return "an empty body";
  if (looksLikeHtml(body)) return "an HTML page";
  if (/^\s*[[{]/.test(body)) return "JSON";
  return "text that is not XML";
}

/**
 * Reads an STS Query-protocol answer: the `{operation}Result` element and the request id, or the error.
 *
 * @throws {AwsServiceError} for an `ErrorResponse` (also the JSON and EC2-style `<Response><Errors>` envelopes).
 * @throws {AwsClientError} `unexpected-response` for anything else that is not `<{operation}Response>` with a 2xx
 * status, `invalid-response` when the result element is missing, `network`/`aborted`/`timeout` when the body cannot
 * be read.
 */
export async function readStsAnswer(response: Response, operation: string): Promise<{ result: XmlElement; requestId: string | undefined; context: AnswerContext }> {
  return parseStsAnswer(await answerOf(response), operation);
}

/** An answer whose body has been read: what the readers below need, with no second read of a stream. */
interface StsAnswer {
  readonly status: number;
  readonly ok: boolean;
  readonly headers: Headers;
  readonly body: string;
}

async function answerOf(response: Response): Promise<StsAnswer> {
  return { status: response.status, ok: response.ok, headers: response.headers, body: await readBody(response) };
}

/** {@link readStsAnswer} on an answer already read. */
function parseStsAnswer(answer: StsAnswer, operation: string): { result: XmlElement; requestId: string | undefined; context: AnswerContext } {
  const { body, status } = answer;
  const headerRequestId = requestIdFromHeaders(answer.headers);
  const context: AnswerContext = { status, body, resultName: `${operation}Result` };

  let document: XmlElement;
  try {
    document = parseXml(body);
  } catch (error) {
    if (!(error instanceof XmlParseError)) throw error;
    const jsonError = serviceErrorFromJson(body, status, headerRequestId);
    if (jsonError) throw jsonError;
    throw unexpected(context, describeNonXml(body));
  }

  const root = rootName(document);
  const envelope =
    root === "ErrorResponse"
      ? { error: elementAt(document, [root, "Error"]), requestId: textAt(document, [root, "RequestId"]) }
      : root === "Response" && elementAt(document, [root, "Errors"]) !== undefined
        ? { error: (elementAt(document, [root, "Errors", "Error"]) as unknown[] | undefined)?.[0], requestId: textAt(document, [root, "RequestID"]) ?? textAt(document, [root, "RequestId"]) }
        : undefined;
  if (envelope) {
    const code = textAt(envelope.error, ["Code"]);
    if (code === undefined || code === "") throw unexpected(context, `an ${root} without Error/Code`);
    throw new AwsServiceError({
      code,
      message: textAt(envelope.error, ["Message"]) ?? "",
      type: errorType(textAt(envelope.error, ["Type"])),
      status,
      requestId: envelope.requestId || headerRequestId,
      body,
    });
  }
  if (!answer.ok) throw unexpected(context, looksLikeHtml(body) ? "an HTML page" : `XML (<${root}>) that is not an AWS error`);
  if (root !== `${operation}Response`) throw unexpected(context, looksLikeHtml(body) ? "an HTML page" : `XML whose root is <${root}>, not <${operation}Response>`);
  const result = elementAt(document, [root, `${operation}Result`]);
  if (!isXmlElement(result)) throw new AwsClientError("invalid-response", `The STS answer (HTTP ${status}) has no ${operation}Result element.`, { status, cause: body });
  return { result, requestId: textAt(document, [root, "ResponseMetadata", "RequestId"]) || headerRequestId, context };
}

function requiredText(result: XmlElement, context: AnswerContext, path: readonly string[]): string {
  const value = textAt(result, path);
  if (value === undefined) {
    throw invalid(context, path.join("."), elementAt(result, path) === undefined ? "is missing" : "is not a single text value");
  }
  if (value === "") throw invalid(context, path.join("."), "is empty");
  return value;
}

function optionalText(result: XmlElement, context: AnswerContext, path: readonly string[]): string | undefined {
  if (elementAt(result, path) === undefined) return undefined;
  const value = textAt(result, path);
  if (value === undefined) throw invalid(context, path.join("."), "is not a single text value");
  return value === "" ? undefined : value;
}

const ISO_TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):?(\d{2}))$/;

/**
 * Parses an ISO 8601 / RFC 3339 timestamp as STS sends `Expiration`: `2024-01-18T15:20:17Z`, with a fraction of any
 * length (`.359Z`, nanoseconds), or with an offset (`+02:00`). `undefined` for anything else or an impossible date.
 */
export function parseIsoTimestamp(text: string): Date | undefined {
  const m = ISO_TIMESTAMP.exec(text.trim());
  if (m === null) return undefined;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number, number];
  const millis = Math.floor(Number(`0.${m[7] ?? "0"}`) * 1000);
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  const local = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  if (new Date(local).getUTCDate() !== day) return undefined; // 2024-02-30
  const offsetMinutes = m[8] !== undefined ? 0 : (m[9] === "-" ? -1 : 1) * (Number(m[10]) * 60 + Number(m[11]));
  if (m[8] === undefined && (Number(m[10]) > 23 || Number(m[11]) > 59)) return undefined;
  return new Date(local - offsetMinutes * 60_000);
}

// ---------------------------------------------------------------------------------------------------------------
// AssumeRoleWithWebIdentity

/** Inputs of AssumeRoleWithWebIdentity (https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html). */
export interface AssumeRoleWithWebIdentityParams {
  readonly roleArn: string;
  readonly roleSessionName: string;
  /** The OIDC ID token, or the OAuth 2 access token for Login with Amazon / Facebook. */
  readonly webIdentityToken: string;
  /** Only for OAuth 2 access tokens: `www.amazon.com` or `graph.facebook.com`. */
  readonly providerId?: string | undefined;
  /** 900–43200; STS defaults to 3600. */
  readonly durationSeconds?: number | undefined;
  /** Inline session policy (JSON text). */
  readonly policy?: string | undefined;
  /** Managed session policy ARNs, sent as `PolicyArns.member.N.arn`. */
  readonly policyArns?: readonly string[] | undefined;
}

/** Temporary AWS credentials. */
export interface TemporaryCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly expiration: Date;
}

/** The parsed AssumeRoleWithWebIdentity answer. */
export interface AssumeRoleWithWebIdentityResult {
  readonly credentials: TemporaryCredentials;
  readonly assumedRoleUser: { readonly arn: string; readonly assumedRoleId: string };
  readonly subjectFromWebIdentityToken: string;
  /** `accounts.google.com`, `www.amazon.com`, `graph.facebook.com`, or an IAM OIDC provider ARN. */
  readonly provider: string;
  readonly audience: string;
  /** Percent of the packed-policy limit; absent when no session policy/tags were involved. */
  readonly packedPolicySize?: number | undefined;
  readonly sourceIdentity?: string | undefined;
  /** `ResponseMetadata/RequestId`, else the `x-amzn-RequestId` header. */
  readonly requestId: string | undefined;
}

/**
 * The form body parameters of AssumeRoleWithWebIdentity, in the order sent.
 */
export function assumeRoleWithWebIdentityParams(params: AssumeRoleWithWebIdentityParams): QueryParams {
  return {
    Action: "AssumeRoleWithWebIdentity",
    Version: STS_API_VERSION,
    RoleArn: params.roleArn,
    RoleSessionName: params.roleSessionName,
    WebIdentityToken: params.webIdentityToken,
    ProviderId: params.providerId,
    DurationSeconds: params.durationSeconds,
    Policy: params.policy,
    PolicyArns: params.policyArns?.map((arn) => ({ arn })),
  };
}

/**
 * Builds the **unsigned** AssumeRoleWithWebIdentity POST: body
 * `Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=…`, only `Content-Type:
 * application/x-www-form-urlencoded` (a CORS simple request).
 *
 * @throws {TypeError} for a non-finite `durationSeconds`.
 */
export function prepareAssumeRoleWithWebIdentity(endpoint: string, params: AssumeRoleWithWebIdentityParams): PreparedRequest {
  return queryRequest(endpoint, assumeRoleWithWebIdentityParams(params));
}

/**
 * Sends AssumeRoleWithWebIdentity (https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html)
 * unsigned and returns the raw response, whatever its status; read it with
 * {@link processAssumeRoleWithWebIdentityResponse}. No retries.
 *
 * @throws {AwsClientError} `cors-or-network`, `timeout` or `aborted` when no response arrives.
 */
export function assumeRoleWithWebIdentityRequest(endpoint: string, params: AssumeRoleWithWebIdentityParams, options: FetchOptions = {}): Promise<Response> {
  return sendPrepared(prepareAssumeRoleWithWebIdentity(endpoint, params), options);
}

/**
 * Reads an AssumeRoleWithWebIdentity answer, asserting every field it returns: `AccessKeyId`, `SecretAccessKey`,
 * `SessionToken`, `AssumedRoleUser/Arn`, `AssumedRoleUser/AssumedRoleId`, `SubjectFromWebIdentityToken`, `Provider`,
 * `Audience` are non-empty strings, `Expiration` parses, `PackedPolicySize` (if present) is an integer.
 *
 * @throws {AwsServiceError} for an AWS error answer (code exactly as sent).
 * @throws {AwsClientError} `unexpected-response` for a non-STS answer (HTML, JSON, empty, wrong root), with status and
 * a snippet; `invalid-response` naming the field path (e.g. `AssumeRoleWithWebIdentityResult.Credentials.AccessKeyId`).
 */
export async function processAssumeRoleWithWebIdentityResponse(response: Response): Promise<AssumeRoleWithWebIdentityResult> {
  return readAssumeRoleWithWebIdentity(await answerOf(response));
}

function readAssumeRoleWithWebIdentity(answer: StsAnswer): AssumeRoleWithWebIdentityResult {
  const { result, requestId, context } = parseStsAnswer(answer, "AssumeRoleWithWebIdentity");
  const credentials = readCredentials(result, context);
  const packed = optionalText(result, context, ["PackedPolicySize"]);
  if (packed !== undefined && !/^\d+$/.test(packed)) throw invalid(context, "PackedPolicySize", `is "${packed}", not a whole number`);
  return {
    credentials,
    assumedRoleUser: {
      arn: requiredText(result, context, ["AssumedRoleUser", "Arn"]),
      assumedRoleId: requiredText(result, context, ["AssumedRoleUser", "AssumedRoleId"]),
    },
    subjectFromWebIdentityToken: requiredText(result, context, ["SubjectFromWebIdentityToken"]),
    provider: requiredText(result, context, ["Provider"]),
    audience: requiredText(result, context, ["Audience"]),
    packedPolicySize: packed === undefined ? undefined : Number(packed),
    sourceIdentity: optionalText(result, context, ["SourceIdentity"]),
    requestId,
  };
}

function readCredentials(result: XmlElement, context: AnswerContext): TemporaryCredentials {
  const accessKeyId = requiredText(result, context, ["Credentials", "AccessKeyId"]);
  const secretAccessKey = requiredText(result, context, ["Credentials", "SecretAccessKey"]);
  const sessionToken = requiredText(result, context, ["Credentials", "SessionToken"]);
  const expirationText = requiredText(result, context, ["Credentials", "Expiration"]);
  const expiration = parseIsoTimestamp(expirationText);
  if (expiration === undefined) throw invalid(context, "Credentials.Expiration", `is "${bodySnippet(expirationText, 40)}", not an ISO 8601 date-time`);
  return { accessKeyId, secretAccessKey, sessionToken, expiration };
}

// ---------------------------------------------------------------------------------------------------------------
// GetCallerIdentity

/** The parsed GetCallerIdentity answer. */
export interface GetCallerIdentityResult {
  /** The 12-digit account id, as text (leading zeros kept). */
  readonly account: string;
  readonly arn: string;
  readonly userId: string;
  readonly requestId: string | undefined;
}

/** Options of the signed request builders. */
export interface SigningTimeOptions {
  /** Signing time; default the local clock. */
  readonly now?: Date | undefined;
}

/**
 * Builds the SigV4-signed (service `sts`) GetCallerIdentity POST with its signing steps.
 *
 * @throws {TypeError} for empty credentials or region.
 */
export function prepareGetCallerIdentity(endpoint: string, region: string, credentials: SigningCredentials, options: SigningTimeOptions = {}): Promise<PreparedRequest> {
  return signedQueryRequest(endpoint, region, credentials, { Action: "GetCallerIdentity", Version: STS_API_VERSION }, options.now);
}

/**
 * Sends GetCallerIdentity (https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html), signed
 * for `region` and service `sts`, and returns the raw response whatever its status; read it with
 * {@link processGetCallerIdentityResponse}. No retries.
 *
 * @throws {AwsClientError} `cors-or-network`, `timeout` or `aborted` when no response arrives.
 * @throws {TypeError} for empty credentials or region.
 */
export async function getCallerIdentityRequest(endpoint: string, region: string, credentials: SigningCredentials, options: FetchOptions & SigningTimeOptions = {}): Promise<Response> {
  return sendPrepared(await prepareGetCallerIdentity(endpoint, region, credentials, options), options);
}

/**
 * Reads a GetCallerIdentity answer, asserting `Account`, `Arn` and `UserId` are non-empty strings.
 *
 * @throws {AwsServiceError} for an AWS error answer (e.g. `ExpiredToken`, `InvalidClientTokenId`, `SignatureDoesNotMatch`).
 * @throws {AwsClientError} `unexpected-response` or `invalid-response` (naming e.g. `GetCallerIdentityResult.Account`).
 */
export async function processGetCallerIdentityResponse(response: Response): Promise<GetCallerIdentityResult> {
  return readGetCallerIdentity(await answerOf(response));
}

function readGetCallerIdentity(answer: StsAnswer): GetCallerIdentityResult {
  const { result, requestId, context } = parseStsAnswer(answer, "GetCallerIdentity");
  return {
    account: requiredText(result, context, ["Account"]),
    arn: requiredText(result, context, ["Arn"]),
    userId: requiredText(result, context, ["UserId"]),
    requestId,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Retry

/** Options of {@link callWithRetry}. */
export interface RetryOptions {
  /** Retries after the first attempt (0–10): `2` means at most 3 attempts. */
  readonly retries: number;
  /** Base delay in ms; attempt n waits a random time in [0, min(maxDelayMs, baseMs·2ⁿ)) ("full jitter"). */
  readonly baseMs: number;
  /** Cap of one delay; default 20 000 ms. */
  readonly maxDelayMs?: number | undefined;
  /** Stops waiting and retrying (the current attempt gets it through its own options). */
  readonly signal?: AbortSignal | undefined;
  /** Source of randomness in [0, 1); default `Math.random`. */
  readonly random?: (() => number) | undefined;
  /** How to wait; default a `setTimeout` that the signal cancels. */
  readonly sleep?: ((ms: number, signal?: AbortSignal) => Promise<void>) | undefined;
  /** Which errors to retry; default {@link isRetryable}. */
  readonly shouldRetry?: ((error: unknown) => boolean) | undefined;
  /** Told before each wait (for a "retrying…" hint in the UI). */
  readonly onRetry?: ((info: { readonly attempt: number; readonly delayMs: number; readonly error: unknown }) => void) | undefined;
}

function abortedError(signal: AbortSignal): AwsClientError {
  return abortReasonKind(signal.reason) === "timeout"
    ? new AwsClientError("timeout", "The call took too long and was stopped.", { cause: signal.reason })
    : new AwsClientError("aborted", "The call was cancelled.", { cause: signal.reason });
}

function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortedError(signal));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortedError(signal as AbortSignal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Calls `fn(attempt)` (attempt 0, 1, …) until it succeeds, retrying only errors `shouldRetry` accepts (default
 * {@link isRetryable}: `IDPCommunicationError`, throttling, 5xx, network — never `InvalidIdentityToken`), at most
 * `retries` times, waiting with exponential backoff and full jitter between attempts
 * (https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/).
 *
 * @throws the last error of `fn` when it is not retryable or the retries are used up.
 * @throws {AwsClientError} `aborted`/`timeout` when `signal` aborts before or while waiting.
 * @throws {RangeError} for `retries` outside 0–10 or a negative `baseMs`.
 */
export async function callWithRetry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const { retries, baseMs, signal } = options;
  if (!Number.isInteger(retries) || retries < 0 || retries > 10) throw new RangeError(`retries must be a whole number from 0 to 10, not ${retries}.`);
  if (!(baseMs >= 0)) throw new RangeError(`baseMs must be zero or more, not ${baseMs}.`);
  const maxDelayMs = options.maxDelayMs ?? 20_000;
  const random = options.random ?? Math.random;
  const sleep = options.sleep ?? defaultSleep;
  const shouldRetry = options.shouldRetry ?? isRetryable;
  for (let attempt = 0; ; attempt++) {
    if (signal?.aborted) throw abortedError(signal);
    try {
      return await fn(attempt);
    } catch (error) {
      if (attempt >= retries || !shouldRetry(error) || signal?.aborted) throw error;
      const delayMs = Math.floor(Math.min(1, Math.max(0, random())) * Math.min(maxDelayMs, baseMs * 2 ** attempt));
      options.onRetry?.({ attempt: attempt + 1, delayMs, error });
      await sleep(delayMs, signal);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// High-level calls: request + process, recorded as an exchange

/** Options of the high-level calls. */
export interface CallOptions extends FetchOptions {
  /** Stop the call after this many ms (a `timeout` error); combined with `signal`. */
  readonly timeoutMs?: number | undefined;
  /** Local clock in epoch ms for timing; default `Date.now`. */
  readonly clock?: (() => number) | undefined;
}

/** Options of the high-level signed calls. */
export interface SignedCallOptions extends CallOptions {
  /** Known clock offset to AWS; signing time is `clock() + offsetMs`. Default none. */
  readonly clockSkew?: ClockSkew | undefined;
  /** After a clock-skew refusal, learn the offset from that answer and re-sign once. Default true. */
  readonly correctClockSkew?: boolean | undefined;
}

/** A signed call's result: also the clock offset measured on its exchange (for the UI and the next call). */
export interface SignedStsCallResult<T> extends StsCallResult<T> {
  readonly clockSkew: ClockSkew | undefined;
}

function callSignal(options: CallOptions): AbortSignal | undefined {
  if (options.timeoutMs === undefined) return options.signal;
  const timeout = AbortSignal.timeout(options.timeoutMs);
  if (options.signal === undefined) return timeout;
  return AbortSignal.any([options.signal, timeout]);
}

function attachExchange(error: unknown, exchange: Exchange): unknown {
  if (isAwsServiceError(error) || isAwsClientError(error)) error.exchange = exchange;
  return error;
}

async function exchangeAndProcess<T>(prepared: PreparedRequest, read: (answer: StsAnswer) => T, options: CallOptions): Promise<StsCallResult<T>> {
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

/**
 * AssumeRoleWithWebIdentity end to end: {@link prepareAssumeRoleWithWebIdentity}, send, then
 * {@link processAssumeRoleWithWebIdentityResponse}, recording the exchange. One attempt; wrap in
 * {@link callWithRetry} to retry.
 *
 * @throws {AwsServiceError} / {AwsClientError} as the request and process steps do, with `exchange` attached.
 */
export function assumeRoleWithWebIdentity(endpoint: string, params: AssumeRoleWithWebIdentityParams, options: CallOptions = {}): Promise<StsCallResult<AssumeRoleWithWebIdentityResult>> {
  return exchangeAndProcess(prepareAssumeRoleWithWebIdentity(endpoint, params), readAssumeRoleWithWebIdentity, options);
}

/**
 * GetCallerIdentity end to end, signed with `clock() + clockSkew.offsetMs`, recording the exchange and the clock
 * offset measured from its `Date` header. When AWS refuses the signature for clock skew, learns the offset from that
 * answer (`Date` header, else the message) and re-signs once (unless `correctClockSkew: false`).
 *
 * @throws {AwsServiceError} / {AwsClientError} as the request and process steps do, with `exchange` attached.
 * @throws {TypeError} for empty credentials or region.
 */
export async function getCallerIdentity(endpoint: string, region: string, credentials: SigningCredentials, options: SignedCallOptions = {}): Promise<SignedStsCallResult<GetCallerIdentityResult>> {
  const clock = options.clock ?? Date.now;
  const attempt = async (skew: ClockSkew): Promise<SignedStsCallResult<GetCallerIdentityResult>> => {
    const prepared = await prepareGetCallerIdentity(endpoint, region, credentials, { now: correctedNow(skew, clock()) });
    const done = await exchangeAndProcess(prepared, readGetCallerIdentity, options);
    return { ...done, clockSkew: clockSkewFromExchange(done.exchange) };
  };
  const skew = options.clockSkew ?? NO_CLOCK_SKEW;
  try {
    return await attempt(skew);
  } catch (error) {
    if (options.correctClockSkew === false || !isClockSkewError(error) || error.exchange === undefined) throw error;
    const learned = clockSkewFromExchange(error.exchange) ?? clockSkewFromMessage(error.message, skew, clock());
    if (learned === undefined) throw error;
    return attempt(learned);
  }
}
