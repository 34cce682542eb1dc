/**
 * The one error type of the local S3 stand-in: every check throws an {@link S3Fault}, and the server renders it as
 * S3's error document (`<Error><Code/><Message/>…<RequestId/><HostId/></Error>`, see ./xml.ts).
 *
 * Codes, statuses and messages are S3's (Amazon S3 API Reference "Error responses" → "List of error codes", and the
 * element names real S3 adds to particular errors). Where a text is ours and not a known S3 text, the constant says so.
 */

/** Every error code the local S3 sends, exactly as S3 spells it (never renamed). */
export type S3FaultCode =
  | "AccessDenied"
  | "AccessForbidden"
  | "AuthorizationHeaderMalformed"
  | "AuthorizationQueryParametersError"
  | "BadDigest"
  | "BadRequest"
  | "EntityTooLarge"
  | "ExpiredToken"
  | "IncompleteBody"
  | "InternalError"
  | "InvalidAccessKeyId"
  | "InvalidArgument"
  | "InvalidDigest"
  | "InvalidRange"
  | "InvalidRequest"
  | "InvalidToken"
  | "InvalidURI"
  | "KeyTooLongError"
  | "MethodNotAllowed"
  | "MissingContentLength"
  | "NoSuchBucket"
  | "NoSuchKey"
  | "NotImplemented"
  | "PreconditionFailed"
  | "RequestTimeTooSkewed"
  | "SignatureDoesNotMatch"
  | "XAmzContentSHA256Mismatch";

/** Extra elements of an error document, in the order S3 writes them (between `Message` and `RequestId`). */
export type FaultFields = readonly (readonly [string, string])[];

/** A typed S3 fault: error code, HTTP status, message and the extra elements S3 adds for that code. */
export class S3Fault extends Error {
  override readonly name = "S3Fault";

  constructor(
    readonly code: S3FaultCode,
    readonly status: number,
    message: string,
    readonly fields: FaultFields = [],
    options?: { cause?: unknown; headers?: Readonly<Record<string, string>> },
  ) {
    super(message, options);
    this.headers = options?.headers ?? {};
  }

  /** Extra response headers (e.g. `Connection: close` after a refused upload). */
  readonly headers: Readonly<Record<string, string>>;
}

/** True when `e` is an {@link S3Fault}. */
export function isS3Fault(e: unknown): e is S3Fault {
  return e instanceof S3Fault;
}

/** S3's message texts. Each is S3's own unless its comment says `ours`. */
export const S3_MESSAGES = {
  accessDenied: "Access Denied",
  requestExpired: "Request has expired",
  /** Ours [~]: S3's wording for a presigned URL dated in the future was not found. */
  requestNotYetValid: "Request is not yet valid",
  noDate: "AWS authentication requires a valid Date or x-amz-date header",
  headersNotSigned: "There were headers present in the request which were not signed",
  signatureMismatch: "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
  tooSkewed: "The difference between the request time and the current time is too large.",
  invalidAccessKeyId: "The AWS Access Key Id you provided does not exist in our records.",
  invalidToken: "The provided token is malformed or otherwise invalid.",
  expiredToken: "The provided token has expired.",
  noSuchKey: "The specified key does not exist.",
  noSuchBucket: "The specified bucket does not exist",
  invalidRange: "The requested range is not satisfiable",
  entityTooLarge: "Your proposed upload exceeds the maximum allowed size",
  missingContentLength: "You must provide the Content-Length HTTP header.",
  badDigest: "The Content-MD5 you specified did not match what we received.",
  invalidDigest: "The Content-MD5 you specified was invalid.",
  sha256Mismatch: "The provided 'x-amz-content-sha256' header does not match what was computed.",
  methodNotAllowed: "The specified method is not allowed against this resource.",
  notImplemented: "A header you provided implies functionality that is not implemented",
  /** Ours: the stand-in's scope, said plainly. */
  operationNotImplemented: "The local S3 stand-in does not implement this operation.",
  invalidUri: "Couldn't parse the specified URI.",
  keyTooLong: "Your key is too long",
  encodingType: "Invalid Encoding Method specified in Request",
  preconditionFailed: "At least one of the pre-conditions you specified did not hold",
  incompleteBody: "You did not provide the number of bytes specified by the Content-Length HTTP header",
  internalError: "We encountered an internal error. Please try again.",
  oneAuthMechanism:
    "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified",
  authHeaderComponents: "The authorization header is malformed; the authorization header requires three components: Credential, SignedHeaders, and Signature.",
  unsupportedAuth: "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.",
  presignRequired:
    "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.",
  presignAlgorithm: 'X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"',
  expiresNotNumber: "X-Amz-Expires should be a number",
  expiresNegative: "X-Amz-Expires must be non-negative",
  expiresTooLong: "X-Amz-Expires must be less than a week (in seconds) that is 604800",
  presignDate: "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"",
  missingContentSha256: "Missing required header for this request: x-amz-content-sha256",
  contentSha256Value:
    "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER or a valid sha256 value.",
  maxKeys: "Provided max-keys not an integer or within integer range",
  continuationToken: "The continuation token provided is incorrect",
  corsForbidden:
    "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.",
  corsInsufficient: "Insufficient information. Origin request header needed.",
  /** Ours [~]: S3's text for a preflight to a bucket that does not exist was not found. */
  corsNoBucket: "CORSResponse: Bucket not found",
} as const;

/** `AccessDenied` 403 "Access Denied" (an IAM refusal; the trace is recorded under the request id). */
export function accessDenied(): S3Fault {
  return new S3Fault("AccessDenied", 403, S3_MESSAGES.accessDenied);
}

/** `NoSuchKey` 404 with `<Key>`. */
export function noSuchKey(key: string): S3Fault {
  return new S3Fault("NoSuchKey", 404, S3_MESSAGES.noSuchKey, [["Key", key]]);
}

/** `NoSuchBucket` 404 with `<BucketName>`. */
export function noSuchBucket(bucket: string): S3Fault {
  return new S3Fault("NoSuchBucket", 404, S3_MESSAGES.noSuchBucket, [["BucketName", bucket]]);
}

/** `NotImplemented` 501 for an operation the stand-in lacks (our text). */
export function notImplemented(what: string): S3Fault {
  return new S3Fault("NotImplemented", 501, `${S3_MESSAGES.operationNotImplemented} (${what})`);
}

/** `MethodNotAllowed` 405 with `<Method>` and `<ResourceType>` (`OBJECT`, `BUCKET` or `SERVICE`). */
export function methodNotAllowed(method: string, resourceType: "OBJECT" | "BUCKET" | "SERVICE"): S3Fault {
  return new S3Fault("MethodNotAllowed", 405, S3_MESSAGES.methodNotAllowed, [
    ["Method", method],
    ["ResourceType", resourceType],
  ]);
}
