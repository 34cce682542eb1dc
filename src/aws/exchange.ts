/**
 * Records of one HTTP round trip for the inspector (DESIGN §2): the request as sent, the raw response, timing and,
 * for signed calls, every SigV4 step. Plain data (strings, numbers, a Date) so the UI can render and copy it.
 *
 * They contain secrets — the web identity token in a form body, `SecretAccessKey`/`SessionToken` in an STS answer,
 * `x-amz-security-token` in headers. Keep them in memory only; mask in the UI; never log or persist them.
 */

/** Header names lower-cased (as `Headers` iterates them), values as sent/received. */
export type HeaderRecord = Readonly<Record<string, string>>;

/** The request as it went on the wire (minus what the browser adds itself: Host, Origin, User-Agent, …). */
export interface ExchangeRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: HeaderRecord;
  readonly body: string;
}

/**
 * The response as the page could see it. In a browser, cross-origin responses only show CORS-safelisted and exposed
 * headers (STS exposes `x-amzn-RequestId` and `Date`).
 */
export interface ExchangeResponse {
  readonly status: number;
  readonly statusText: string;
  readonly headers: HeaderRecord;
  readonly body: string;
}

/** The SigV4 steps of a signed request (see `signer.ts`). */
export interface SigningSteps {
  readonly canonicalRequest: string;
  readonly stringToSign: string;
  readonly signature: string;
  readonly signedHeaders: string;
  readonly credentialScope: string;
  readonly amzDate: string;
}

/** An attempt that failed with a retryable error, and how long the client waited before the next one. */
export interface RetriedAttempt {
  readonly exchange: Exchange;
  /** The error code (service errors) or kind (client errors) that made it retry. */
  readonly why: string;
  readonly delayMs: number;
}

/** One round trip. `response` is absent when none arrived (network failure, CORS refusal, timeout, abort). */
export interface Exchange {
  readonly request: ExchangeRequest;
  readonly response?: ExchangeResponse;
  /** Local time the request was handed to `fetch`. */
  readonly startedAt: Date;
  /** Milliseconds from `startedAt` until the body was read or the failure happened. */
  readonly durationMs: number;
  readonly signing?: SigningSteps;
  /** The earlier attempts of the same call, oldest first, when it was retried (this exchange is the last attempt). */
  readonly retried?: readonly RetriedAttempt[];
}

/** A successful call: the parsed result and the exchange that produced it. */
export interface AwsCallResult<T> {
  readonly result: T;
  readonly exchange: Exchange;
}

/**
 * What a client call reports about itself, on every result and every error (the Java SDK's
 * `getCachedResponseMetadata`, without a global cache).
 */
export interface ResponseMetadata {
  /** AWS's request id (body, else the `x-amzn-RequestId` header); absent when no AWS answer arrived. */
  readonly requestId: string | undefined;
  /** HTTP status of the last attempt; absent when no response arrived. */
  readonly httpStatus: number | undefined;
  /** Requests sent, including re-signing after a clock-skew refusal: 1 without retries, 0 when none could be sent. */
  readonly attempts: number;
  /** Milliseconds spent waiting between attempts (backoff). */
  readonly totalRetryDelayMs: number;
}

/** Copies a `Headers` object into a plain record (lower-case names). */
export function headersToRecord(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((value, name) => {
    out[name] = value;
  });
  return out;
}
