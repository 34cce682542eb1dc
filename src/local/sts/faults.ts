/**
 * The one error type of the local STS stand-in: every `checkX(...)` throws a {@link StsFault}, and the single
 * handler in `server.ts` renders it as the STS `ErrorResponse` (XML, or JSON with `Accept: application/json`).
 *
 * Codes, statuses and messages follow /work/shared/reference/sts.md §3 (STS API reference "Common Errors" and the
 * per-operation error lists of `AssumeRoleWithWebIdentity`).
 */
import type { EvaluationTrace } from "../iam/trace";

/** Every error code the local STS sends, exactly as AWS spells it (never renamed). */
export type StsFaultCode =
  | "AccessDenied"
  | "ExpiredToken"
  | "ExpiredTokenException"
  | "IDPCommunicationError"
  | "IDPRejectedClaim"
  | "IncompleteSignature"
  | "InternalFailure"
  | "InvalidAction"
  | "InvalidAuthorizationMessageException"
  | "InvalidClientTokenId"
  | "InvalidIdentityToken"
  | "InvalidParameterValue"
  | "MalformedPolicyDocument"
  | "MalformedQueryString"
  | "MethodNotAllowed"
  | "MissingAction"
  | "MissingAuthenticationToken"
  | "MissingParameter"
  | "NotImplemented"
  | "PackedPolicyTooLarge"
  | "RequestEntityTooLarge"
  | "SignatureDoesNotMatch"
  | "Throttling"
  | "ValidationError";

/**
 * A typed STS fault: AWS error code, HTTP status and message. `Type` in the rendered envelope is derived from the
 * status (`Sender` for 4xx, `Receiver` for 5xx), as in the STS `ErrorResponse` (reference §3.1).
 */
export class StsFault extends Error {
  override readonly name = "StsFault";
  /**
   * For a refusal by a policy (`AccessDenied`): the local IAM evaluator's explanation, for the loopback-only trace
   * endpoint under the request id. Never rendered into the AWS error response (AWS does not say which check failed).
   */
  readonly trace?: EvaluationTrace;
  /**
   * For a refusal by a permission policy: the encoded authorization message DecodeAuthorizationMessage can decode,
   * kept with the trace for the trace endpoint. Never rendered into the response (real STS does not send one).
   */
  readonly encodedAuthorizationMessage?: string;

  constructor(
    readonly code: StsFaultCode,
    readonly status: number,
    message: string,
    options?: { cause?: unknown; trace?: EvaluationTrace; encodedAuthorizationMessage?: string },
  ) {
    super(message, options);
    if (options?.trace) this.trace = options.trace;
    if (options?.encodedAuthorizationMessage !== undefined) this.encodedAuthorizationMessage = options.encodedAuthorizationMessage;
  }

  /** `Sender` for client errors (4xx), `Receiver` for server errors (5xx). */
  get type(): "Sender" | "Receiver" {
    return this.status >= 500 ? "Receiver" : "Sender";
  }
}

/** True when `e` is an {@link StsFault}. */
export function isStsFault(e: unknown): e is StsFault {
  return e instanceof StsFault;
}

/** Exact AWS message texts shared by several checks (reference §3.2, §7). */
export const MESSAGES = {
  notAuthorizedWebIdentity: "Not authorized to perform sts:AssumeRoleWithWebIdentity",
  verificationKey:
    "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements",
  incorrectAudience: "Incorrect token audience",
  notAJwt: "The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)",
  invalidClientToken: "The security token included in the request is invalid.",
  expiredSessionToken: "The security token included in the request is expired",
  missingAuthToken: "Request is missing Authentication Token",
  signatureMismatch:
    "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
  maxSessionDuration: "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
  roleChainingDuration: "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
  rootAssumeRole: "Roles may not be assumed by root accounts.",
  sessionTokenWithSessionCredentials: "Cannot call GetSessionToken with session credentials",
  federationTokenWithSessionCredentials: "Cannot call GetFederationToken with session credentials",
  /** Real AWS text (AssumeRole and GetSessionToken with a wrong code; many CLI logs, e.g. aws/aws-cli#2279). */
  mfaInvalidCode: "MultiFactorAuthentication failed with invalid MFA one time pass code.",
  /** Real AWS text, two spaces after "code." included (GetSessionToken with a serial not the caller's; aws/aws-cli#6325). */
  mfaUnknownSerial: "MultiFactorAuthentication failed, unable to validate MFA code.  Please verify your MFA serial number is valid and associated with this user.",
} as const;

/**
 * AWS's `AccessDenied` text for a caller refused `action` on `resource`: `User: <caller arn> is not authorized to
 * perform: <action> on resource: <resource>` (reference §3.2, for AssumeRole; the same form is captured for
 * GetFederationToken, with ` with an explicit deny` appended when a Deny statement decided).
 */
export function notAuthorizedMessage(callerArn: string, action: string, resource: string, explicitDeny: boolean): string {
  return `User: ${callerArn} is not authorized to perform: ${action} on resource: ${resource}${explicitDeny ? " with an explicit deny" : ""}`;
}

/**
 * AWS's `AccessDenied` text for an action without a resource in the message, as captured for
 * DecodeAuthorizationMessage: `User: <caller arn> is not authorized to perform: <action> because no identity-based
 * policy allows the <action> action`; for an explicit Deny the newer form ` with an explicit deny in an identity-based
 * policy` is used [~ not captured for this action].
 */
export function notAuthorizedNoResourceMessage(callerArn: string, action: string, explicitDeny: boolean): string {
  return explicitDeny
    ? `User: ${callerArn} is not authorized to perform: ${action} with an explicit deny in an identity-based policy`
    : `User: ${callerArn} is not authorized to perform: ${action} because no identity-based policy allows the ${action} action`;
}
