/** AssumeRole (signed): a role session from the caller's credentials — an IAM user's, or another role session's (role chaining). */
import type { QueryParams } from "../query";
import { answerOf, parseStsAnswer, readRoleSession, type RoleSessionResult, type StsAnswer } from "./answer";
import { operationParams, runOperation, type StsCallOptions, type StsCallResult, type StsClient } from "./client";
import { ARN_LIMITS, listChecks, NAME_PATTERN, POLICY_PATTERN, policyArnChecks, TAG_KEY_PATTERN, tagChecks, validate, type Tag } from "./validation";

export type { Tag } from "./validation";

/** A context assertion from a trusted context provider (e.g. IAM Identity Center's trusted identity propagation). */
export interface ProvidedContext {
  readonly providerArn: string;
  readonly contextAssertion: string;
}

/** Inputs of AssumeRole (https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html). */
export interface AssumeRoleParams {
  readonly roleArn: string;
  readonly roleSessionName: string;
  /** Managed session policies (≤ 10). */
  readonly policyArns?: readonly string[] | undefined;
  /** Inline session policy (JSON). */
  readonly policy?: string | undefined;
  /** 900–43200, at most the role's MaxSessionDuration; at most 3600 when chaining from another role session. */
  readonly durationSeconds?: number | undefined;
  /** Session tags (≤ 50); need `sts:TagSession` in the trust policy. */
  readonly tags?: readonly Tag[] | undefined;
  /** Tag keys (among `tags`) that pass on to sessions chained from this one. */
  readonly transitiveTagKeys?: readonly string[] | undefined;
  /** What the role's owner asked third parties to send (`sts:ExternalId` in the trust policy). */
  readonly externalId?: string | undefined;
  /** The MFA device (`arn:aws:iam::ACCOUNT:mfa/NAME` or a hardware serial) and its current 6-digit code. */
  readonly serialNumber?: string | undefined;
  readonly tokenCode?: string | undefined;
  /** Recorded in CloudTrail for every action of the session; needs `sts:SetSourceIdentity`. */
  readonly sourceIdentity?: string | undefined;
  readonly providedContexts?: readonly ProvidedContext[] | undefined;
}

/** The parsed AssumeRole answer (`PackedPolicySize` only when a session policy or tags were passed). */
export type AssumeRoleResult = RoleSessionResult;

/**
 * The form parameters of AssumeRole, checked against the model (reference/sts.md §4.1).
 * @throws {AwsClientError} `invalid-parameters`, worded as AWS's ValidationError.
 */
export function assumeRoleParams(params: AssumeRoleParams): QueryParams {
  validate([
    [{ member: "roleArn", required: true, ...ARN_LIMITS }, params.roleArn],
    [{ member: "roleSessionName", required: true, min: 2, max: 64, pattern: NAME_PATTERN }, params.roleSessionName],
    ...policyArnChecks(params.policyArns),
    // AssumeRole's policy type has no model maximum since 2023 (the packed size still limits it).
    [{ member: "policy", min: 1, pattern: POLICY_PATTERN }, params.policy],
    [{ member: "durationSeconds", range: [900, 43200] }, params.durationSeconds],
    ...tagChecks(params.tags),
    ...listChecks("transitiveTagKeys", params.transitiveTagKeys, 50, (key, prefix) => [[{ member: prefix, min: 1, max: 128, pattern: TAG_KEY_PATTERN }, key]]),
    [{ member: "externalId", min: 2, max: 1224, pattern: ["[\\w+=,.@:\\/-]*", /^[\w+=,.@:/-]*$/] }, params.externalId],
    [{ member: "serialNumber", min: 9, max: 256, pattern: ["[\\w+=/:,.@-]*", /^[\w+=/:,.@-]*$/] }, params.serialNumber],
    [{ member: "tokenCode", min: 6, max: 6, pattern: ["[\\d]*", /^\d*$/] }, params.tokenCode],
    [{ member: "sourceIdentity", min: 2, max: 64, pattern: NAME_PATTERN }, params.sourceIdentity],
    ...listChecks("providedContexts", params.providedContexts, 5, (context, prefix) => [
      [{ member: `${prefix}.providerArn`, ...ARN_LIMITS }, context.providerArn],
      [{ member: `${prefix}.contextAssertion`, min: 4, max: 2048 }, context.contextAssertion],
    ]),
  ]);
  return operationParams("AssumeRole", {
    RoleArn: params.roleArn,
    RoleSessionName: params.roleSessionName,
    PolicyArns: params.policyArns?.map((arn) => ({ arn })),
    Policy: params.policy,
    DurationSeconds: params.durationSeconds,
    Tags: params.tags?.map((tag) => ({ Key: tag.key, Value: tag.value })),
    TransitiveTagKeys: params.transitiveTagKeys,
    ExternalId: params.externalId,
    SerialNumber: params.serialNumber,
    TokenCode: params.tokenCode,
    SourceIdentity: params.sourceIdentity,
    ProvidedContexts: params.providedContexts?.map((c) => ({ ProviderArn: c.providerArn, ContextAssertion: c.contextAssertion })),
  });
}

/**
 * Reads an AssumeRole answer: credentials, assumed-role user, `PackedPolicySize` and `SourceIdentity` when present.
 * @throws {AwsServiceError} for AWS's error answer; {AwsClientError} `unexpected-response` / `invalid-response`.
 */
export async function processAssumeRoleResponse(response: Response): Promise<AssumeRoleResult> {
  return readAssumeRole(await answerOf(response));
}

function readAssumeRole(answer: StsAnswer): AssumeRoleResult {
  const { result, requestId, context } = parseStsAnswer(answer, "AssumeRole");
  return readRoleSession(result, context, requestId);
}

/**
 * AssumeRole end to end through `client`, signed with its credentials (or `options.credentials`).
 * @throws {AwsServiceError} / {AwsClientError} with `exchange` and `metadata` attached.
 */
export function assumeRole(client: StsClient, params: AssumeRoleParams, options?: StsCallOptions): Promise<StsCallResult<AssumeRoleResult>> {
  return runOperation(client, { params: assumeRoleParams(params), read: readAssumeRole, signed: true }, options);
}
