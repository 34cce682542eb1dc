/**
 * The unsigned operations: AssumeRoleWithWebIdentity and AssumeRoleWithSAML. Each has its form parameters (validated
 * against the model's limits), a request/process pair for step-by-step use, and an end-to-end call through a client.
 */
import type { QueryParams } from "../query";
import { answerOf, parseStsAnswer, readRoleSession, requiredText, type RoleSessionResult, type StsAnswer } from "./answer";
import { operationParams, runOperation, type StsCallOptions, type StsCallResult, type StsClient } from "./client";
import { queryRequest, sendPrepared, type FetchOptions, type PreparedRequest } from "./send";
import { ARN_LIMITS, NAME_PATTERN, POLICY_PATTERN, policyArnChecks, validate } from "./validation";

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

/** The parsed AssumeRoleWithWebIdentity answer. */
export interface AssumeRoleWithWebIdentityResult extends RoleSessionResult {
  readonly subjectFromWebIdentityToken: string;
  /** `accounts.google.com`, `www.amazon.com`, `graph.facebook.com`, or an IAM OIDC provider ARN. */
  readonly provider: string;
  readonly audience: string;
}

/**
 * The form parameters of AssumeRoleWithWebIdentity, in the order sent, after checking them against the model
 * (RoleArn 20–2048, RoleSessionName 2–64 of `[\w+=,.@-]`, WebIdentityToken 4–20000, ProviderId 4–2048, Policy
 * 1–2048, DurationSeconds 900–43200, ≤ 10 PolicyArns).
 *
 * @throws {AwsClientError} `invalid-parameters`, worded as AWS's ValidationError.
 */
export function assumeRoleWithWebIdentityParams(params: AssumeRoleWithWebIdentityParams): QueryParams {
  validate([
    [{ member: "roleArn", required: true, ...ARN_LIMITS }, params.roleArn],
    [{ member: "roleSessionName", required: true, min: 2, max: 64, pattern: NAME_PATTERN }, params.roleSessionName],
    [{ member: "webIdentityToken", required: true, min: 4, max: 20000, sensitive: true }, params.webIdentityToken],
    [{ member: "providerId", min: 4, max: 2048 }, params.providerId],
    [{ member: "policy", min: 1, max: 2048, pattern: POLICY_PATTERN }, params.policy],
    [{ member: "durationSeconds", range: [900, 43200] }, params.durationSeconds],
    ...policyArnChecks(params.policyArns),
  ]);
  return operationParams("AssumeRoleWithWebIdentity", {
    RoleArn: params.roleArn,
    RoleSessionName: params.roleSessionName,
    WebIdentityToken: params.webIdentityToken,
    ProviderId: params.providerId,
    DurationSeconds: params.durationSeconds,
    Policy: params.policy,
    PolicyArns: params.policyArns?.map((arn) => ({ arn })),
  });
}

/**
 * Builds the **unsigned** AssumeRoleWithWebIdentity POST: body
 * `Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=…`, only `Content-Type:
 * application/x-www-form-urlencoded` (a CORS simple request).
 *
 * @throws {AwsClientError} `invalid-parameters` (see {@link assumeRoleWithWebIdentityParams}).
 */
export function prepareAssumeRoleWithWebIdentity(endpoint: string, params: AssumeRoleWithWebIdentityParams): PreparedRequest {
  return queryRequest(endpoint, assumeRoleWithWebIdentityParams(params));
}

/**
 * Sends AssumeRoleWithWebIdentity unsigned and returns the raw response, whatever its status; read it with
 * {@link processAssumeRoleWithWebIdentityResponse}. No retries.
 *
 * @throws {AwsClientError} `invalid-parameters`; `cors-or-network`, `timeout` or `aborted` when no response arrives.
 */
export async function assumeRoleWithWebIdentityRequest(endpoint: string, params: AssumeRoleWithWebIdentityParams, options: FetchOptions = {}): Promise<Response> {
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
  return {
    ...readRoleSession(result, context, requestId),
    subjectFromWebIdentityToken: requiredText(result, context, ["SubjectFromWebIdentityToken"]),
    provider: requiredText(result, context, ["Provider"]),
    audience: requiredText(result, context, ["Audience"]),
  };
}

/**
 * AssumeRoleWithWebIdentity end to end through `client`: validated, sent unsigned, retried per the client's policy
 * (`IDPCommunicationError`, throttling, 5xx, network — never `InvalidIdentityToken`), read, recorded.
 *
 * @throws {AwsServiceError} / {AwsClientError} with `exchange` and `metadata` attached.
 */
export function assumeRoleWithWebIdentity(client: StsClient, params: AssumeRoleWithWebIdentityParams, options?: StsCallOptions): Promise<StsCallResult<AssumeRoleWithWebIdentityResult>> {
  return runOperation(client, { params: assumeRoleWithWebIdentityParams(params), read: readAssumeRoleWithWebIdentity, signed: false }, options);
}

// ---------------------------------------------------------------------------------------------------------------
// AssumeRoleWithSAML

/** Inputs of AssumeRoleWithSAML (https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithSAML.html). */
export interface AssumeRoleWithSamlParams {
  readonly roleArn: string;
  /** The IAM SAML provider: `arn:aws:iam::ACCOUNT:saml-provider/NAME`. */
  readonly principalArn: string;
  /** The base64-encoded SAML `Response` the identity provider issued. */
  readonly samlAssertion: string;
  /** 900–43200; also capped by the assertion's `SessionNotOnOrAfter`. */
  readonly durationSeconds?: number | undefined;
  readonly policy?: string | undefined;
  readonly policyArns?: readonly string[] | undefined;
}

/** The parsed AssumeRoleWithSAML answer. */
export interface AssumeRoleWithSamlResult extends RoleSessionResult {
  /** The assertion's `NameID`. */
  readonly subject: string;
  /** `persistent`, `transient`, or the full NameID format URI. */
  readonly subjectType: string;
  /** The assertion's `Issuer`. */
  readonly issuer: string;
  /** The `Recipient` of the subject confirmation, e.g. `https://signin.aws.amazon.com/saml`. */
  readonly audience: string;
  /** BASE64(SHA1(Issuer + AccountId + "/" + ProviderFriendlyName)): with `subject`, a stable user id. */
  readonly nameQualifier: string;
}

/**
 * The form parameters of AssumeRoleWithSAML, checked against the model (RoleArn and PrincipalArn 20–2048,
 * SAMLAssertion 4–100000, Policy 1–2048, DurationSeconds 900–43200, ≤ 10 PolicyArns).
 *
 * @throws {AwsClientError} `invalid-parameters`.
 */
export function assumeRoleWithSamlParams(params: AssumeRoleWithSamlParams): QueryParams {
  validate([
    [{ member: "roleArn", required: true, ...ARN_LIMITS }, params.roleArn],
    [{ member: "principalArn", required: true, ...ARN_LIMITS }, params.principalArn],
    // AWS lower-cases the first letter of a member in these messages; for SAMLAssertion that gives `sAMLAssertion` [~,
    // not seen in a real answer].
    [{ member: "sAMLAssertion", required: true, min: 4, max: 100000, sensitive: true }, params.samlAssertion],
    [{ member: "policy", min: 1, max: 2048, pattern: POLICY_PATTERN }, params.policy],
    [{ member: "durationSeconds", range: [900, 43200] }, params.durationSeconds],
    ...policyArnChecks(params.policyArns),
  ]);
  return operationParams("AssumeRoleWithSAML", {
    RoleArn: params.roleArn,
    PrincipalArn: params.principalArn,
    SAMLAssertion: params.samlAssertion,
    DurationSeconds: params.durationSeconds,
    Policy: params.policy,
    PolicyArns: params.policyArns?.map((arn) => ({ arn })),
  });
}

/**
 * Reads an AssumeRoleWithSAML answer, asserting the credentials, the assumed-role user, `Subject`, `SubjectType`,
 * `Issuer`, `Audience` and `NameQualifier`.
 *
 * @throws {AwsServiceError} / {AwsClientError} as {@link processAssumeRoleWithWebIdentityResponse}.
 */
export async function processAssumeRoleWithSamlResponse(response: Response): Promise<AssumeRoleWithSamlResult> {
  return readAssumeRoleWithSaml(await answerOf(response));
}

function readAssumeRoleWithSaml(answer: StsAnswer): AssumeRoleWithSamlResult {
  const { result, requestId, context } = parseStsAnswer(answer, "AssumeRoleWithSAML");
  return {
    ...readRoleSession(result, context, requestId),
    subject: requiredText(result, context, ["Subject"]),
    subjectType: requiredText(result, context, ["SubjectType"]),
    issuer: requiredText(result, context, ["Issuer"]),
    audience: requiredText(result, context, ["Audience"]),
    nameQualifier: requiredText(result, context, ["NameQualifier"]),
  };
}

/**
 * AssumeRoleWithSAML end to end through `client` (unsigned, retried per the client's policy).
 * @throws {AwsServiceError} / {AwsClientError} with `exchange` and `metadata` attached.
 */
export function assumeRoleWithSaml(client: StsClient, params: AssumeRoleWithSamlParams, options?: StsCallOptions): Promise<StsCallResult<AssumeRoleWithSamlResult>> {
  return runOperation(client, { params: assumeRoleWithSamlParams(params), read: readAssumeRoleWithSaml, signed: false }, options);
}
