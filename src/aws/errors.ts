import { parseSkewMessage } from "./clock";
import type { Exchange, ResponseMetadata } from "./exchange";

/**
 * Error codes STS is known to send (reference/sts.md §3.2), plus the generic Query-protocol and retry-family codes
 * this client classifies. AWS may send others: {@link AwsErrorCode} keeps any string, exactly as sent.
 */
export const STS_ERROR_CODES = Object.freeze([
  "InvalidIdentityToken",
  "ExpiredTokenException",
  "ExpiredToken",
  "IDPRejectedClaim",
  "IDPCommunicationError",
  "MalformedPolicyDocument",
  "PackedPolicyTooLarge",
  "RegionDisabledException",
  "AccessDenied",
  "ValidationError",
  "InvalidParameterValue",
  "MissingParameter",
  "InvalidAction",
  "SignatureDoesNotMatch",
  "InvalidClientTokenId",
  "IncompleteSignature",
  "MissingAuthenticationToken",
  "Throttling",
  "InvalidAuthorizationMessageException",
  "InternalFailure",
  "ServiceUnavailable",
] as const);

/** A code STS is known to send. */
export type StsErrorCode = (typeof STS_ERROR_CODES)[number];

/** An AWS error code exactly as sent: a known STS code, or any other string (never renamed). */
export type AwsErrorCode = StsErrorCode | (string & {});

/** `Sender` (the request was wrong, 4xx) or `Receiver` (AWS failed, 5xx), from `ErrorResponse/Error/Type`. */
export type AwsErrorType = "Sender" | "Receiver";

/** Constructor fields of {@link AwsServiceError}. */
export interface AwsServiceErrorInit {
  readonly code: AwsErrorCode;
  /** AWS's message as sent; may be empty. */
  readonly message: string;
  /** From the body; when absent, `Receiver` for 5xx and `Sender` otherwise. */
  readonly type?: AwsErrorType | undefined;
  readonly status: number;
  readonly requestId?: string | undefined;
  /** The raw response body, kept as `cause`. */
  readonly body: string;
  readonly exchange?: Exchange | undefined;
}

/**
 * AWS answered with an error envelope (`<ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/>`,
 * https://docs.aws.amazon.com/STS/latest/APIReference/CommonErrors.html). `code` is exactly as sent; `message` is
 * AWS's message; `cause` is the raw body; `exchange` (attached by the high-level calls in `sts.ts`) is the whole
 * round trip for the inspector. Use {@link explainError} for a plain-language sentence.
 */
export class AwsServiceError extends Error {
  override readonly name = "AwsServiceError";
  readonly code: AwsErrorCode;
  readonly type: AwsErrorType;
  readonly status: number;
  readonly requestId: string | undefined;
  /** The round trip that produced this error, when the caller recorded one. */
  exchange: Exchange | undefined;
  /** Request id, status, attempts and retry delay, set by the client (`sts/client.ts`). */
  metadata: ResponseMetadata | undefined;

  constructor(init: AwsServiceErrorInit) {
    super(init.message === "" ? init.code : init.message, { cause: init.body });
    this.code = init.code;
    this.type = init.type ?? (init.status >= 500 ? "Receiver" : "Sender");
    this.status = init.status;
    this.requestId = init.requestId;
    this.exchange = init.exchange;
  }
}

/**
 * What went wrong on the client side:
 * - `cors-or-network`: `fetch` rejected (TypeError "Failed to fetch"); a browser reports a CORS refusal, DNS/TLS
 *   failure and an offline network the same way, so this cannot tell which;
 * - `network`: the connection broke after the response started (CORS had passed);
 * - `timeout`: an `AbortSignal.timeout()` (or any `TimeoutError` reason) fired;
 * - `aborted`: the caller's signal aborted the call;
 * - `unexpected-response`: the answer was not the expected AWS XML (HTML or JSON page, empty body, wrong root, a
 *   non-2xx status without an AWS error envelope);
 * - `invalid-response`: the right XML envelope, but a required field is missing, empty or malformed;
 * - `invalid-parameters`: the request was not sent: a parameter breaks AWS's documented limits (the message is worded
 *   as AWS's `ValidationError`);
 * - `invalid-configuration`: the client cannot make the call (malformed endpoint or region, no credentials to sign
 *   with, a credentials provider that failed).
 */
export type AwsClientErrorKind =
  | "network"
  | "cors-or-network"
  | "timeout"
  | "aborted"
  | "unexpected-response"
  | "invalid-response"
  | "invalid-parameters"
  | "invalid-configuration";

/** Constructor options of {@link AwsClientError}. */
export interface AwsClientErrorOptions {
  /** HTTP status when a response arrived. */
  readonly status?: number | undefined;
  /** The raw response body (responses) or the underlying error (network failures). */
  readonly cause?: unknown;
  readonly exchange?: Exchange | undefined;
}

/**
 * The call did not produce an AWS answer this client understands; `kind` says which way it failed (see
 * {@link AwsClientErrorKind}) and `message` says what happened and what to do. `cause` holds the raw body or the
 * underlying error; `exchange` (attached by the high-level calls in `sts.ts`) the round trip so far.
 */
export class AwsClientError extends Error {
  override readonly name = "AwsClientError";
  readonly kind: AwsClientErrorKind;
  readonly status: number | undefined;
  /** The round trip that produced this error, when the caller recorded one. */
  exchange: Exchange | undefined;
  /** Request id, status, attempts and retry delay, set by the client (`sts/client.ts`). */
  metadata: ResponseMetadata | undefined;

  constructor(kind: AwsClientErrorKind, message: string, options: AwsClientErrorOptions = {}) {
    super(message, "cause" in options ? { cause: options.cause } : undefined);
    this.kind = kind;
    this.status = options.status;
    this.exchange = options.exchange;
  }
}

/** True for an {@link AwsServiceError} (by `name` marker, so it also works across bundles/realms). */
export function isAwsServiceError(error: unknown): error is AwsServiceError {
  return error instanceof Error && error.name === "AwsServiceError" && "code" in error;
}

/** True for an {@link AwsClientError} (by `name` marker). */
export function isAwsClientError(error: unknown): error is AwsClientError {
  return error instanceof Error && error.name === "AwsClientError" && "kind" in error;
}

/** Throttling codes (botocore standard retry mode; smithy service-error-classification). */
export const THROTTLING_CODES: readonly string[] = Object.freeze([
  "Throttling",
  "ThrottlingException",
  "ThrottledException",
  "RequestThrottledException",
  "TooManyRequestsException",
  "ProvisionedThroughputExceededException",
  "TransactionInProgressException",
  "RequestLimitExceeded",
  "BandwidthLimitExceeded",
  "LimitExceededException",
  "RequestThrottled",
  "SlowDown",
  "PriorRequestNotComplete",
  "EC2ThrottledException",
]);

/** Transient error codes retried by the AWS SDKs. */
export const TRANSIENT_CODES: readonly string[] = Object.freeze(["RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete", "IDPCommunicationError"]);

/** HTTP statuses retried whatever the body says. */
export const TRANSIENT_STATUSES: readonly number[] = Object.freeze([429, 500, 502, 503, 504]);

/** Codes the AWS SDK for JavaScript v3 treats as clock skew (retry after correcting the clock). */
export const CLOCK_SKEW_CODES: readonly string[] = Object.freeze([
  "AuthFailure",
  "InvalidSignatureException",
  "RequestExpired",
  "RequestInTheFuture",
  "RequestTimeTooSkewed",
  "SignatureDoesNotMatch",
]);

/**
 * Whether retrying the same request may succeed (reference/sts.md §3.2): `IDPCommunicationError`, the throttling
 * family, transient timeouts, HTTP 429/500/502/503/504, network failures and timeouts. Never `InvalidIdentityToken`
 * (nor any other rejection of the request itself), never an abort, never an invalid success answer. Clock-skew
 * errors are not blindly retryable: see {@link isClockSkewError}.
 */
export function isRetryable(error: unknown): boolean {
  if (isAwsServiceError(error)) {
    if (error.code === "InvalidIdentityToken") return false;
    return THROTTLING_CODES.includes(error.code) || TRANSIENT_CODES.includes(error.code) || TRANSIENT_STATUSES.includes(error.status);
  }
  if (isAwsClientError(error)) {
    switch (error.kind) {
      case "network":
      case "cors-or-network":
      case "timeout":
        return true;
      case "unexpected-response":
        return error.status !== undefined && TRANSIENT_STATUSES.includes(error.status);
      case "aborted":
      case "invalid-response":
      case "invalid-parameters":
      case "invalid-configuration":
        return false;
    }
  }
  return false;
}

/**
 * Whether AWS refused the signature because the local clock is off: a clock-skew code, and for
 * `SignatureDoesNotMatch` only its "Signature expired / not yet current" wording (a wrong secret uses the same code).
 */
export function isClockSkewError(error: unknown): error is AwsServiceError {
  if (!isAwsServiceError(error) || !CLOCK_SKEW_CODES.includes(error.code)) return false;
  if (error.code !== "SignatureDoesNotMatch") return true;
  return parseSkewMessage(error.message) !== undefined || /Signature (expired|not yet current)/.test(error.message);
}

/** The first `max` characters of a body, whitespace collapsed, with an ellipsis when cut. */
export function bodySnippet(body: string, max = 200): string {
  const flat = body.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

/** Whether a body looks like an HTML page (a proxy, captive portal or web server error page). */
export function looksLikeHtml(body: string): boolean {
  return /^\s*(<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>])/i.test(body) || /<\/(html|body|title)>/i.test(body);
}

function requestedAction(error: { exchange: Exchange | undefined }): string | undefined {
  const body = error.exchange?.request.body;
  if (body === undefined) return undefined;
  return /(?:^|&)Action=([^&]*)/.exec(body)?.[1];
}

function explainServiceError(error: AwsServiceError): string {
  const aws = error.message === error.code ? "" : ` (AWS said: "${error.message}")`;
  const action = requestedAction(error);
  switch (error.code) {
    case "InvalidIdentityToken":
      if (action === "AssumeRoleWithSAML") {
        return `AWS rejected the SAML assertion${aws}. An assertion can be used once, and only until it expires: get a new one from the identity provider. If it persists, check the IAM SAML provider's metadata (its signing certificate) and the assertion's audience.`;
      }
      if (/No OpenIDConnect provider found/i.test(error.message)) {
        return `AWS has no IAM OIDC identity provider for this token's issuer. Create one in IAM whose URL equals the token's "iss" exactly${aws}.`;
      }
      if (/audience/i.test(error.message)) {
        return `The token's audience (the app's client ID) is not in the IAM identity provider's client-ID list. Add it there${aws}.`;
      }
      if (/verification key/i.test(error.message)) {
        return `AWS could not fetch the identity provider's signing keys (its discovery document or JWKS). Check that the issuer's /.well-known/openid-configuration and jwks_uri are publicly reachable and complete${aws}.`;
      }
      return `AWS rejected the identity token${aws}. Sign in again; if it persists, check the IAM identity provider setup.`;
    case "ExpiredTokenException":
      return `The identity provider's token has expired; sign in again${aws}.`;
    case "ExpiredToken":
      return `These temporary AWS credentials have expired; get new ones (refresh, or sign in again)${aws}.`;
    case "IDPRejectedClaim":
      return `When STS checked the token with the identity provider, the provider said it is no longer valid: it expired, was revoked (e.g. the app's access was removed), or belongs to another app. Sign in again to get a new token${aws}.`;
    case "IDPCommunicationError": {
      const attempts = (error.exchange?.retried?.length ?? 0) + 1;
      const tried = attempts > 1 ? ` The app tried ${attempts} times, waiting a little longer each time.` : "";
      return `STS could not reach the identity provider to check the token.${tried} This is usually temporary: try again in a moment; if it persists, the provider may be down${aws}.`;
    }
    case "AccessDenied":
      if (action === "AssumeRoleWithWebIdentity" || /AssumeRoleWithWebIdentity/.test(error.message)) {
        return `The role's trust policy does not allow this identity, or the role does not exist. Check the role ARN, the Federated principal, the action sts:AssumeRoleWithWebIdentity and the conditions on the provider's aud/sub keys${aws}.`;
      }
      if (/with session credentials/.test(error.message)) {
        return `AWS does not allow this call with temporary (session) credentials; it needs long-term IAM user credentials${aws}.`;
      }
      if (action === "AssumeRole") {
        return `Two checks must pass: the target role's trust policy must name this session's role (or its account), and — unless it names the role itself — this role's own permissions must allow sts:AssumeRole on the target. One of them failed${aws}.`;
      }
      return `AWS denied the request: the role's permissions do not allow it${aws}.`;
    case "SignatureDoesNotMatch":
      if (isClockSkewError(error)) {
        return `This device's clock differs from AWS time by more than 15 minutes, so the signature was refused. Correct the system clock (or let the app correct for the skew) and try again${aws}.`;
      }
      return `AWS computed a different signature: the secret access key does not match the access key, or the request was changed after signing (for example by a proxy)${aws}.`;
    case "InvalidClientTokenId":
      return `AWS does not recognise the access key or session token: the credentials are invalid, were revoked, or belong to a Region or partition that does not accept them. Get new credentials${aws}.`;
    case "IncompleteSignature":
    case "MissingAuthenticationToken":
      return `The request was not signed the way AWS expects${aws}.`;
    case "ValidationError":
      if (/role chaining/i.test(error.message)) {
        return `Role chaining — assuming a role with another role session's credentials — limits the new session to 1 hour (3600 s), whatever the target role's maximum. Ask for 3600 seconds or less${aws}.`;
      }
      if (/MaxSessionDuration|session limit|durationSeconds/i.test(error.message)) {
        return `The requested session duration is not allowed for this role; choose a shorter duration (900 s up to the role's maximum)${aws}.`;
      }
      return `STS rejected a parameter of the request${aws}.`;
    case "MalformedPolicyDocument":
      return `The session policy is not a valid IAM policy document${aws}.`;
    case "PackedPolicyTooLarge":
      return `The session policy (with any managed policy ARNs and session tags) is too large once packed; make it smaller${aws}.`;
    case "RegionDisabledException":
      return `STS is not activated in this Region for the role's account; use another Region's endpoint or ask the account administrator to activate it${aws}.`;
    case "InvalidAuthorizationMessageException":
      return `The encoded authorization message is invalid or has expired${aws}.`;
    default:
      if (THROTTLING_CODES.includes(error.code)) return `AWS is limiting the request rate; wait a moment and try again${aws}.`;
      if (error.type === "Receiver" || error.status >= 500) return `AWS had an internal problem (${error.code}); try again later${aws}.`;
      return `AWS refused the request with ${error.code}${aws}.`;
  }
}

/**
 * One plain-language sentence (or two) for the UI about an error from this module: what happened and what the user
 * can do. AWS's own message is quoted for service errors; client errors already carry such a message.
 */
export function explainError(error: unknown): string {
  if (isAwsServiceError(error)) return explainServiceError(error);
  if (isAwsClientError(error)) return error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}
