/**
 * The browser's STS client: one module per operation family, over shared machinery.
 * - `client.ts`: the client configured once (endpoint, region, credentials, retry, timeout) and the runner every
 *   operation goes through (validation, retries, clock-skew correction, response metadata);
 * - `send.ts` / `answer.ts` / `retry.ts`: sending and recording a round trip, reading an answer, backoff;
 * - `webIdentity.ts`: AssumeRoleWithWebIdentity, AssumeRoleWithSAML (unsigned);
 * - `assumeRole.ts`: AssumeRole; `sessionTokens.ts`: GetSessionToken, GetFederationToken;
 * - `identity.ts`: GetCallerIdentity, GetAccessKeyInfo, DecodeAuthorizationMessage;
 * - `validation.ts`: the model's limits, checked before sending.
 */
export { stsEndpoint, type StsEndpoint } from "../endpoint";
export type { AwsCallResult, Exchange, ExchangeRequest, ExchangeResponse, ResponseMetadata, SigningSteps } from "../exchange";
export type { SigningCredentials } from "../signer";
export { parseIsoTimestamp, requestIdFromHeaders, readStsAnswer, type AssumedRoleUser, type RoleSessionResult, type TemporaryCredentials } from "./answer";
export * from "./assumeRole";
export * from "./client";
export * from "./identity";
export { callWithRetry, type RetryOptions } from "./retry";
export { FORM_CONTENT_TYPE, sendPrepared, STS_API_VERSION, type FetchOptions, type PreparedRequest } from "./send";
export * from "./sessionTokens";
export type { Tag } from "./validation";
export * from "./webIdentity";
