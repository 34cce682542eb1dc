/**
 * The browser's STS client (src/aws/sts) against the local STS for the signed operations, with the IAM users of
 * stack.json: AssumeRole (chaining, ExternalId, MFA, tags), GetSessionToken, GetFederationToken, GetAccessKeyInfo,
 * DecodeAuthorizationMessage and GetCallerIdentity per caller type — the answers the official SDK gets in
 * src/local/sts/*.interop.test.ts, read by our own client.
 */
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { BUCKET, CHAIN_TARGET, DEPLOY_ROLE, GUEST_ARN, MFA_ROLE, OPERATOR_ARN, PARTNER_ROLE, sdkFailure, traceOf, useIamStack } from "../../local/sts/iamTesting";
import { isAwsServiceError } from "../errors";
import { rejection } from "../testing";
import {
  assumeRole,
  createStsClient,
  decodeAuthorizationMessage,
  getAccessKeyInfo,
  getCallerIdentity,
  getFederationToken,
  getSessionToken,
  type CredentialsProvider,
  type TemporaryCredentials,
} from "./index";

const stack = useIamStack();

function client(credentials: CredentialsProvider) {
  return createStsClient({ region: stack.config.region, endpoint: stack.sts.url, credentials, retry: { retries: 0, baseMs: 0 } });
}

const operator = () => client(stack.keysOf("operator"));
const guest = () => client(stack.keysOf("guest"));

/** [code, status, message] of a service error. */
async function refusal(promise: Promise<unknown>): Promise<[string, number, string]> {
  const error = await rejection(promise);
  if (!isAwsServiceError(error)) throw new Error(`expected an AWS error, got ${String(error)}`);
  return [error.code, error.status, error.message];
}

describe("GetCallerIdentity per caller type", () => {
  it("IAM user, then the role session it assumes, then a federated user", async () => {
    expect((await getCallerIdentity(operator())).result).toMatchObject({ arn: OPERATOR_ARN, account: "123456789012", userId: expect.stringMatching(/^AIDA[A-Z2-7]{17}$/) });
    const role = await assumeRole(operator(), { roleArn: DEPLOY_ROLE, roleSessionName: "deploy-1" });
    expect((await getCallerIdentity(client(role.result.credentials))).result.arn).toBe("arn:aws:sts::123456789012:assumed-role/DeployRole/deploy-1");
    const federated = await getFederationToken(operator(), { name: "Bob", policy: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}' });
    expect(federated.result.federatedUser).toEqual({ arn: "arn:aws:sts::123456789012:federated-user/Bob", federatedUserId: "123456789012:Bob" });
    expect((await getCallerIdentity(client(federated.result.credentials))).result).toMatchObject({ arn: "arn:aws:sts::123456789012:federated-user/Bob", userId: "123456789012:Bob" });
  });
});

describe("AssumeRole", () => {
  it("with tags and a source identity; chaining is limited to one hour", async () => {
    const first = await assumeRole(operator(), {
      roleArn: DEPLOY_ROLE,
      roleSessionName: "deploy-2",
      tags: [{ key: "Project", value: "Unicorn" }],
      transitiveTagKeys: ["Project"],
      durationSeconds: 7200,
    });
    expect(first.result.packedPolicySize).toBeGreaterThan(0);
    const sourced = await assumeRole(operator(), { roleArn: DEPLOY_ROLE, roleSessionName: "deploy-3", sourceIdentity: "operator" });
    expect(sourced.result.sourceIdentity).toBe("operator");
    expect(first.metadata).toMatchObject({ httpStatus: 200, attempts: 1 });
    const chained = client(first.result.credentials);
    expect(await refusal(assumeRole(chained, { roleArn: CHAIN_TARGET, roleSessionName: "chain", durationSeconds: 7200 }))).toEqual([
      "ValidationError",
      400,
      "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
    ]);
    expect((await assumeRole(chained, { roleArn: CHAIN_TARGET, roleSessionName: "chain", durationSeconds: 3600 })).result.assumedRoleUser.arn).toBe(
      "arn:aws:sts::123456789012:assumed-role/ChainTarget/chain",
    );
  });

  it("refusals carry AWS's texts: the caller's own policy, the root user, a wrong ExternalId", async () => {
    expect(await refusal(assumeRole(guest(), { roleArn: DEPLOY_ROLE, roleSessionName: "g1" }))).toEqual([
      "AccessDenied",
      403,
      `User: ${GUEST_ARN} is not authorized to perform: sts:AssumeRole on resource: ${DEPLOY_ROLE}`,
    ]);
    expect(await refusal(assumeRole(client(stack.keysOf("root")), { roleArn: DEPLOY_ROLE, roleSessionName: "r1" }))).toEqual([
      "AccessDenied",
      403,
      "Roles may not be assumed by root accounts.",
    ]);
    const [code, status] = await refusal(assumeRole(operator(), { roleArn: PARTNER_ROLE, roleSessionName: "p1", externalId: "wrong-id" }));
    expect([code, status]).toEqual(["AccessDenied", 403]);
    expect((await assumeRole(operator(), { roleArn: PARTNER_ROLE, roleSessionName: "p1", externalId: "partner-4711" })).result.assumedRoleUser.arn).toBe(
      "arn:aws:sts::123456789012:assumed-role/PartnerAccess/p1",
    );
  });

  it("with the operator's current MFA code", async () => {
    const { SerialNumber, TokenCode } = stack.mfa("operator");
    const done = await assumeRole(operator(), { roleArn: MFA_ROLE, roleSessionName: "mfa", serialNumber: SerialNumber, tokenCode: TokenCode });
    expect(done.result.assumedRoleUser.arn).toBe("arn:aws:sts::123456789012:assumed-role/MfaRequired/mfa");
    expect((await refusal(assumeRole(operator(), { roleArn: MFA_ROLE, roleSessionName: "mfa" })))[0]).toBe("AccessDenied");
  });
});

describe("GetSessionToken and GetFederationToken", () => {
  it("work with long-term keys and are refused with session credentials, as AWS words it", async () => {
    const session = await getSessionToken(guest(), { durationSeconds: 900 });
    const credentials: TemporaryCredentials = session.result.credentials;
    expect(credentials.accessKeyId).toMatch(/^ASIA/);
    expect((await getCallerIdentity(client(credentials))).result.arn).toBe(GUEST_ARN);
    expect(await refusal(getSessionToken(client(credentials)))).toEqual(["AccessDenied", 403, "Cannot call GetSessionToken with session credentials"]);
    expect(await refusal(getFederationToken(client(credentials), { name: "Bob" }))).toEqual(["AccessDenied", 403, "Cannot call GetFederationToken with session credentials"]);
  });
});

describe("GetAccessKeyInfo and DecodeAuthorizationMessage", () => {
  it("names the account of any key, and decodes the local stack's refusal for a permitted caller only", async () => {
    expect((await getAccessKeyInfo(guest(), stack.keysOf("operator").accessKeyId)).result.account).toBe("123456789012");

    const guestSession = (await getSessionToken(guest())).result.credentials;
    const denied = await sdkFailure(stack.s3Client(guestSession).send(new GetObjectCommand({ Bucket: BUCKET, Key: "users/bob/welcome.txt" })));
    const encoded = (await traceOf(stack.s3.url, denied.requestId)).body.encodedAuthorizationMessage ?? "";
    const decoded = JSON.parse((await decodeAuthorizationMessage(operator(), encoded)).result.decodedMessage) as { allowed: boolean; context: { action: string } };
    expect([decoded.allowed, decoded.context.action]).toEqual([false, "s3:GetObject"]);
    expect((await refusal(decodeAuthorizationMessage(guest(), encoded)))[0]).toBe("AccessDenied");
    expect((await refusal(decodeAuthorizationMessage(operator(), "not-a-message")))[0]).toBe("InvalidAuthorizationMessageException");
  });
});
