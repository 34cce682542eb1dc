/**
 * GetSessionToken and GetFederationToken (signed, with an IAM user's or the root user's long-term keys): temporary
 * credentials for the caller itself (optionally MFA-authenticated), or for a federated user whose permissions are the
 * intersection of the caller's and the session policy's.
 */
import type { QueryParams } from "../query";
import { answerOf, parseStsAnswer, readCredentials, readPackedPolicySize, requiredText, type StsAnswer, type TemporaryCredentials } from "./answer";
import { operationParams, runOperation, type StsCallOptions, type StsCallResult, type StsClient } from "./client";
import { NAME_PATTERN, POLICY_PATTERN, policyArnChecks, tagChecks, validate, type Tag } from "./validation";

// ---------------------------------------------------------------------------------------------------------------
// GetSessionToken

/** Inputs of GetSessionToken (https://docs.aws.amazon.com/STS/latest/APIReference/API_GetSessionToken.html). */
export interface GetSessionTokenParams {
  /** 900–129600 (default 43200); the root user gets at most 3600. */
  readonly durationSeconds?: number | undefined;
  readonly serialNumber?: string | undefined;
  readonly tokenCode?: string | undefined;
}

/** The parsed GetSessionToken answer. */
export interface GetSessionTokenResult {
  readonly credentials: TemporaryCredentials;
  readonly requestId: string | undefined;
}

/**
 * The form parameters of GetSessionToken, checked against the model.
 * @throws {AwsClientError} `invalid-parameters`.
 */
export function getSessionTokenParams(params: GetSessionTokenParams = {}): QueryParams {
  validate([
    [{ member: "durationSeconds", range: [900, 129600] }, params.durationSeconds],
    [{ member: "serialNumber", min: 9, max: 256, pattern: ["[\\w+=/:,.@-]*", /^[\w+=/:,.@-]*$/] }, params.serialNumber],
    [{ member: "tokenCode", min: 6, max: 6, pattern: ["[\\d]*", /^\d*$/] }, params.tokenCode],
  ]);
  return operationParams("GetSessionToken", { DurationSeconds: params.durationSeconds, SerialNumber: params.serialNumber, TokenCode: params.tokenCode });
}

/** Reads a GetSessionToken answer. @throws {AwsServiceError} / {AwsClientError}. */
export async function processGetSessionTokenResponse(response: Response): Promise<GetSessionTokenResult> {
  return readGetSessionToken(await answerOf(response));
}

function readGetSessionToken(answer: StsAnswer): GetSessionTokenResult {
  const { result, requestId, context } = parseStsAnswer(answer, "GetSessionToken");
  return { credentials: readCredentials(result, context), requestId };
}

/**
 * GetSessionToken end to end. AWS refuses it with session credentials (`AccessDenied`, "Cannot call GetSessionToken
 * with session credentials").
 * @throws {AwsServiceError} / {AwsClientError} with `exchange` and `metadata` attached.
 */
export function getSessionToken(client: StsClient, params: GetSessionTokenParams = {}, options?: StsCallOptions): Promise<StsCallResult<GetSessionTokenResult>> {
  return runOperation(client, { params: getSessionTokenParams(params), read: readGetSessionToken, signed: true }, options);
}

// ---------------------------------------------------------------------------------------------------------------
// GetFederationToken

/** Inputs of GetFederationToken (https://docs.aws.amazon.com/STS/latest/APIReference/API_GetFederationToken.html). */
export interface GetFederationTokenParams {
  /** The federated user's name: 2–32 of `[\w+=,.@-]`. */
  readonly name: string;
  /** Without a session policy (inline or managed) the federated user has no permissions at all. */
  readonly policy?: string | undefined;
  readonly policyArns?: readonly string[] | undefined;
  /** 900–129600 (default 43200); the root user gets at most 3600. */
  readonly durationSeconds?: number | undefined;
  readonly tags?: readonly Tag[] | undefined;
}

/** The parsed GetFederationToken answer. */
export interface GetFederationTokenResult {
  readonly credentials: TemporaryCredentials;
  /** `arn:aws:sts::ACCOUNT:federated-user/NAME` and `ACCOUNT:NAME`. */
  readonly federatedUser: { readonly arn: string; readonly federatedUserId: string };
  /** Always present for this operation (0 without a policy). */
  readonly packedPolicySize?: number | undefined;
  readonly requestId: string | undefined;
}

/**
 * The form parameters of GetFederationToken, checked against the model.
 * @throws {AwsClientError} `invalid-parameters`.
 */
export function getFederationTokenParams(params: GetFederationTokenParams): QueryParams {
  validate([
    [{ member: "name", required: true, min: 2, max: 32, pattern: NAME_PATTERN }, params.name],
    [{ member: "policy", min: 1, max: 2048, pattern: POLICY_PATTERN }, params.policy],
    ...policyArnChecks(params.policyArns),
    [{ member: "durationSeconds", range: [900, 129600] }, params.durationSeconds],
    ...tagChecks(params.tags),
  ]);
  return operationParams("GetFederationToken", {
    Name: params.name,
    Policy: params.policy,
    PolicyArns: params.policyArns?.map((arn) => ({ arn })),
    DurationSeconds: params.durationSeconds,
    Tags: params.tags?.map((tag) => ({ Key: tag.key, Value: tag.value })),
  });
}

/** Reads a GetFederationToken answer. @throws {AwsServiceError} / {AwsClientError}. */
export async function processGetFederationTokenResponse(response: Response): Promise<GetFederationTokenResult> {
  return readGetFederationToken(await answerOf(response));
}

function readGetFederationToken(answer: StsAnswer): GetFederationTokenResult {
  const { result, requestId, context } = parseStsAnswer(answer, "GetFederationToken");
  return {
    credentials: readCredentials(result, context),
    federatedUser: {
      arn: requiredText(result, context, ["FederatedUser", "Arn"]),
      federatedUserId: requiredText(result, context, ["FederatedUser", "FederatedUserId"]),
    },
    packedPolicySize: readPackedPolicySize(result, context),
    requestId,
  };
}

/**
 * GetFederationToken end to end. AWS refuses it with session credentials.
 * @throws {AwsServiceError} / {AwsClientError} with `exchange` and `metadata` attached.
 */
export function getFederationToken(client: StsClient, params: GetFederationTokenParams, options?: StsCallOptions): Promise<StsCallResult<GetFederationTokenResult>> {
  return runOperation(client, { params: getFederationTokenParams(params), read: readGetFederationToken, signed: true }, options);
}
