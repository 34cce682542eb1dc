/**
 * The signed questions about identities: GetCallerIdentity (who signed this?), GetAccessKeyInfo (which account owns
 * this key?) and DecodeAuthorizationMessage (why was that request refused?).
 */
import type { QueryParams } from "../query";
import type { SigningCredentials } from "../signer";
import { answerOf, parseStsAnswer, requiredText, type StsAnswer } from "./answer";
import { operationParams, runOperation, type StsCallOptions, type StsCallResult, type StsClient } from "./client";
import { sendPrepared, signedQueryRequest, type FetchOptions, type PreparedRequest } from "./send";
import { validate } from "./validation";

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

/** Options of the step-by-step signed request builders. */
export interface SigningTimeOptions {
  /** Signing time; default the local clock. */
  readonly now?: Date | undefined;
}

const GET_CALLER_IDENTITY = operationParams("GetCallerIdentity", {});

/**
 * Builds the SigV4-signed (service `sts`) GetCallerIdentity POST with its signing steps.
 * @throws {TypeError} for empty credentials or region.
 */
export function prepareGetCallerIdentity(endpoint: string, region: string, credentials: SigningCredentials, options: SigningTimeOptions = {}): Promise<PreparedRequest> {
  return signedQueryRequest(endpoint, region, credentials, GET_CALLER_IDENTITY, options.now);
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

/**
 * GetCallerIdentity end to end through `client`: signed with the clock offset the client knows, the offset measured
 * from the answer's `Date` header (`clockSkew` on the result and the client); after a clock-skew refusal the offset
 * is learnt from that answer and the call re-signed once.
 *
 * @throws {AwsServiceError} / {AwsClientError} with `exchange` and `metadata` attached.
 */
export function getCallerIdentity(client: StsClient, options?: StsCallOptions): Promise<StsCallResult<GetCallerIdentityResult>> {
  return runOperation(client, { params: GET_CALLER_IDENTITY, read: readGetCallerIdentity, signed: true }, options);
}

// ---------------------------------------------------------------------------------------------------------------
// GetAccessKeyInfo

/** The parsed GetAccessKeyInfo answer. */
export interface GetAccessKeyInfoResult {
  /** The account that owns the key (12 digits, as text). */
  readonly account: string;
  readonly requestId: string | undefined;
}

/**
 * The form parameters of GetAccessKeyInfo (`AccessKeyId`: 16–128 word characters).
 * @throws {AwsClientError} `invalid-parameters`.
 */
export function getAccessKeyInfoParams(accessKeyId: string): QueryParams {
  validate([[{ member: "accessKeyId", required: true, min: 16, max: 128, pattern: ["[\\w]*", /^\w*$/] }, accessKeyId]]);
  return operationParams("GetAccessKeyInfo", { AccessKeyId: accessKeyId });
}

/** Reads a GetAccessKeyInfo answer. @throws {AwsServiceError} / {AwsClientError}. */
export async function processGetAccessKeyInfoResponse(response: Response): Promise<GetAccessKeyInfoResult> {
  return readGetAccessKeyInfo(await answerOf(response));
}

function readGetAccessKeyInfo(answer: StsAnswer): GetAccessKeyInfoResult {
  const { result, requestId, context } = parseStsAnswer(answer, "GetAccessKeyInfo");
  return { account: requiredText(result, context, ["Account"]), requestId };
}

/**
 * GetAccessKeyInfo (https://docs.aws.amazon.com/STS/latest/APIReference/API_GetAccessKeyInfo.html) end to end.
 * @throws {AwsServiceError} / {AwsClientError} with `exchange` and `metadata` attached.
 */
export function getAccessKeyInfo(client: StsClient, accessKeyId: string, options?: StsCallOptions): Promise<StsCallResult<GetAccessKeyInfoResult>> {
  return runOperation(client, { params: getAccessKeyInfoParams(accessKeyId), read: readGetAccessKeyInfo, signed: true }, options);
}

// ---------------------------------------------------------------------------------------------------------------
// DecodeAuthorizationMessage

/** The parsed DecodeAuthorizationMessage answer. */
export interface DecodeAuthorizationMessageResult {
  /** AWS's JSON text: `allowed`, `explicitDeny`, `matchedStatements`, `failures`, `context`. */
  readonly decodedMessage: string;
  readonly requestId: string | undefined;
}

/**
 * The form parameters of DecodeAuthorizationMessage (`EncodedMessage`: 1–10240 characters).
 * @throws {AwsClientError} `invalid-parameters`.
 */
export function decodeAuthorizationMessageParams(encodedMessage: string): QueryParams {
  validate([[{ member: "encodedMessage", required: true, min: 1, max: 10240 }, encodedMessage]]);
  return operationParams("DecodeAuthorizationMessage", { EncodedMessage: encodedMessage });
}

/** Reads a DecodeAuthorizationMessage answer. @throws {AwsServiceError} / {AwsClientError}. */
export async function processDecodeAuthorizationMessageResponse(response: Response): Promise<DecodeAuthorizationMessageResult> {
  return readDecodeAuthorizationMessage(await answerOf(response));
}

function readDecodeAuthorizationMessage(answer: StsAnswer): DecodeAuthorizationMessageResult {
  const { result, requestId, context } = parseStsAnswer(answer, "DecodeAuthorizationMessage");
  return { decodedMessage: requiredText(result, context, ["DecodedMessage"]), requestId };
}

/**
 * DecodeAuthorizationMessage (https://docs.aws.amazon.com/STS/latest/APIReference/API_DecodeAuthorizationMessage.html)
 * end to end; the caller needs `sts:DecodeAuthorizationMessage`. `InvalidAuthorizationMessageException` for a
 * message that is not AWS's or has expired.
 * @throws {AwsServiceError} / {AwsClientError} with `exchange` and `metadata` attached.
 */
export function decodeAuthorizationMessage(client: StsClient, encodedMessage: string, options?: StsCallOptions): Promise<StsCallResult<DecodeAuthorizationMessageResult>> {
  return runOperation(client, { params: decodeAuthorizationMessageParams(encodedMessage), read: readDecodeAuthorizationMessage, signed: true }, options);
}
