/**
 * GetSessionToken and GetFederationToken of the local STS against the official `@aws-sdk/client-sts`, and what their
 * credentials may do at the local S3 (`@aws-sdk/client-s3`, sharing the session store): durations per caller, session
 * credentials refused with AWS's texts, MFA, `sts:GetFederationToken`, the federated user's ARN and id, and a
 * federation token's permissions = the user's ∩ its session policy (none without one).
 */
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import {
  AssumeRoleCommand,
  DecodeAuthorizationMessageCommand,
  GetCallerIdentityCommand,
  GetFederationTokenCommand,
  GetSessionTokenCommand,
  type GetFederationTokenCommandInput,
} from "@aws-sdk/client-sts";
import { describe, expect, it } from "vitest";
import { BUCKET, DEPLOY_ROLE, GUEST_ARN, keysFrom, OPERATOR_ARN, ROOT_ARN, sdkFailure, traceOf, triple, useIamStack, type Keys } from "./iamTesting";

const stack = useIamStack();
const operator = () => stack.keysOf("operator");
const lifetimeSeconds = (expiration: Date | undefined) => Math.round(((expiration?.getTime() ?? 0) - stack.now()) / 1000);

function sessionToken(keys: Keys, input: { DurationSeconds?: number; SerialNumber?: string; TokenCode?: string } = {}) {
  return stack.stsClient(keys).send(new GetSessionTokenCommand(input));
}

function federationToken(keys: Keys, input: Partial<GetFederationTokenCommandInput> = {}) {
  return stack.stsClient(keys).send(new GetFederationTokenCommand({ Name: "fed-user", ...input }));
}

async function s3Get(keys: Keys, key: string): Promise<string> {
  const out = await stack.s3Client(keys).send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return (await out.Body?.transformToString()) ?? "";
}

describe("GetSessionToken", () => {
  it("an IAM user gets 12-hour credentials by default; GetCallerIdentity with them is the user", async () => {
    const out = await sessionToken(operator());
    expect(out.Credentials?.AccessKeyId).toMatch(/^ASIARZPUZDIK[A-P][A-Z2-7]{7}$/);
    expect(lifetimeSeconds(out.Credentials?.Expiration)).toBeGreaterThan(43_190);
    expect(lifetimeSeconds(out.Credentials?.Expiration)).toBeLessThanOrEqual(43_200);
    const who = await stack.stsClient(keysFrom(out.Credentials)).send(new GetCallerIdentityCommand({}));
    expect(who.Arn).toBe(OPERATOR_ARN);
    expect(who.UserId).toMatch(/^AIDARZPUZDIK[A-P][A-Z2-7]{8}$/);
  });

  it("DurationSeconds 900–129600 (the model's texts outside); the root gets at most 1 hour, silently", async () => {
    expect(lifetimeSeconds((await sessionToken(operator(), { DurationSeconds: 129_600 })).Credentials?.Expiration)).toBeGreaterThan(129_590);
    expect(triple(await sdkFailure(sessionToken(operator(), { DurationSeconds: 899 })))).toEqual([
      "ValidationError",
      400,
      "1 validation error detected: Value '899' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900",
    ]);
    expect(triple(await sdkFailure(sessionToken(operator(), { DurationSeconds: 129_601 })))).toEqual([
      "ValidationError",
      400,
      "1 validation error detected: Value '129601' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 129600",
    ]);
    const root = await sessionToken(stack.keysOf("root"), { DurationSeconds: 7200 });
    expect(lifetimeSeconds(root.Credentials?.Expiration)).toBeLessThanOrEqual(3600);
    expect(lifetimeSeconds(root.Credentials?.Expiration)).toBeGreaterThan(3590);
    const who = await stack.stsClient(keysFrom(root.Credentials)).send(new GetCallerIdentityCommand({}));
    expect([who.Arn, who.UserId, who.Account]).toEqual([ROOT_ARN, "123456789012", "123456789012"]);
  });

  it("session credentials → AccessDenied 'Cannot call GetSessionToken with session credentials'", async () => {
    const own = keysFrom((await sessionToken(operator())).Credentials);
    expect(triple(await sdkFailure(sessionToken(own)))).toEqual(["AccessDenied", 403, "Cannot call GetSessionToken with session credentials"]);
    const role = keysFrom((await stack.stsClient(operator()).send(new AssumeRoleCommand({ RoleArn: DEPLOY_ROLE, RoleSessionName: "s1" }))).Credentials);
    expect(triple(await sdkFailure(sessionToken(role)))).toEqual(["AccessDenied", 403, "Cannot call GetSessionToken with session credentials"]);
  });

  it("with MFA: the right code is recorded in the session; a wrong code or another user's device is refused with AWS's texts", async () => {
    const out = await sessionToken(operator(), stack.mfa("operator"));
    const session = stack.sessions.open(out.Credentials?.SessionToken ?? "");
    expect(session?.kind).toBe("user-session");
    expect(session?.mfaAuthenticatedAt).toBe(Math.floor(stack.now() / 1000));
    const { SerialNumber, TokenCode } = stack.mfa("operator");
    const wrong = String((Number(TokenCode) + 500_000) % 1_000_000).padStart(6, "0");
    expect(triple(await sdkFailure(sessionToken(operator(), { SerialNumber, TokenCode: wrong })))).toEqual([
      "AccessDenied",
      403,
      "MultiFactorAuthentication failed with invalid MFA one time pass code.",
    ]);
    expect(triple(await sdkFailure(sessionToken(operator(), stack.mfa("guest"))))).toEqual([
      "AccessDenied",
      403,
      "MultiFactorAuthentication failed, unable to validate MFA code.  Please verify your MFA serial number is valid and associated with this user.",
    ]);
  });

  it("the credentials have the user's permissions at S3 (operator reads the bucket, guest reads nothing)", async () => {
    const op = keysFrom((await sessionToken(operator())).Credentials);
    expect(await s3Get(op, "users/alice/welcome.txt")).toContain("Hello Alice Example!");
    const guest = keysFrom((await sessionToken(stack.keysOf("guest"))).Credentials);
    const f = await sdkFailure(s3Get(guest, "users/alice/welcome.txt"));
    expect([f.name, f.status]).toEqual(["AccessDenied", 403]);
    expect((await traceOf(stack.s3.url, f.requestId)).body.trace?.summary).toBe(
      "No statement allows s3:GetObject on arn:aws:s3:::web-identity-console-demo/users/alice/welcome.txt: there are no policies to allow it.",
    );
  });

  it("the credentials may call AssumeRole and GetCallerIdentity, not DecodeAuthorizationMessage or GetFederationToken", async () => {
    const op = keysFrom((await sessionToken(operator())).Credentials);
    const decode = await sdkFailure(stack.stsClient(op).send(new DecodeAuthorizationMessageCommand({ EncodedMessage: "x" })));
    expect(triple(decode)).toEqual([
      "AccessDenied",
      403,
      `User: ${OPERATOR_ARN} is not authorized to perform: sts:DecodeAuthorizationMessage because no identity-based policy allows the sts:DecodeAuthorizationMessage action`,
    ]);
    expect(triple(await sdkFailure(federationToken(op)))).toEqual(["AccessDenied", 403, "Cannot call GetFederationToken with session credentials"]);
  });
});

describe("GetFederationToken", () => {
  const alicePolicy = JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject"], Resource: `arn:aws:s3:::${BUCKET}/users/alice/*` }],
  });

  it("answers the federated user's ARN and id and PackedPolicySize; GetCallerIdentity with the credentials is the federated user", async () => {
    const out = await federationToken(operator(), { Name: "bob-fed", Policy: alicePolicy });
    expect(out.FederatedUser).toEqual({ Arn: "arn:aws:sts::123456789012:federated-user/bob-fed", FederatedUserId: "123456789012:bob-fed" });
    expect(out.PackedPolicySize).toBeGreaterThan(0);
    expect(lifetimeSeconds(out.Credentials?.Expiration)).toBeGreaterThan(43_190);
    const who = await stack.stsClient(keysFrom(out.Credentials)).send(new GetCallerIdentityCommand({}));
    expect([who.Arn, who.UserId, who.Account]).toEqual(["arn:aws:sts::123456789012:federated-user/bob-fed", "123456789012:bob-fed", "123456789012"]);
  });

  it("at S3 its permissions are the user's ∩ the session policy", async () => {
    const fed = keysFrom((await federationToken(operator(), { Policy: alicePolicy })).Credentials);
    // user allows GetObject on the bucket, the policy on users/alice/* → allowed
    expect(await s3Get(fed, "users/alice/welcome.txt")).toContain("Hello Alice Example!");
    // the user allows it, the policy does not → refused
    const bob = await sdkFailure(s3Get(fed, "users/bob/welcome.txt"));
    expect([bob.name, bob.status]).toEqual(["AccessDenied", 403]);
    expect((await traceOf(stack.s3.url, bob.requestId)).body.trace?.summary).toContain("but no session policy does");
    // the policy allows PutObject, the user does not → refused
    const put = await sdkFailure(stack.s3Client(fed).send(new PutObjectCommand({ Bucket: BUCKET, Key: "users/alice/new.txt", Body: "x" })));
    expect([put.name, put.status]).toEqual(["AccessDenied", 403]);
    // neither allows listing through the policy → refused
    const list = await sdkFailure(stack.s3Client(fed).send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: "users/alice/" })));
    expect(list.status).toBe(403);
  });

  it("without a session policy the federated user may do nothing; PackedPolicySize is 0", async () => {
    const out = await federationToken(operator());
    expect(out.PackedPolicySize).toBe(0);
    const f = await sdkFailure(s3Get(keysFrom(out.Credentials), "users/alice/welcome.txt"));
    expect([f.name, f.status]).toEqual(["AccessDenied", 403]);
    expect((await traceOf(stack.s3.url, f.requestId)).body.trace?.summary).toContain("no session policy does");
  });

  it("guest lacks sts:GetFederationToken → AccessDenied naming the federated-user ARN, with an encoded message", async () => {
    const f = await sdkFailure(federationToken(stack.keysOf("guest"), { Name: "x-fed" }));
    expect(triple(f)).toEqual([
      "AccessDenied",
      403,
      `User: ${GUEST_ARN} is not authorized to perform: sts:GetFederationToken on resource: arn:aws:sts::123456789012:federated-user/x-fed`,
    ]);
    expect((await traceOf(stack.sts.url, f.requestId)).body.encodedAuthorizationMessage).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it("session credentials → 'Cannot call GetFederationToken with session credentials'; a federated user's own too", async () => {
    const fed = keysFrom((await federationToken(operator())).Credentials);
    expect(triple(await sdkFailure(federationToken(fed)))).toEqual(["AccessDenied", 403, "Cannot call GetFederationToken with session credentials"]);
    expect(triple(await sdkFailure(sessionToken(fed)))).toEqual(["AccessDenied", 403, "Cannot call GetSessionToken with session credentials"]);
  });

  it("validates Name, Policy and DurationSeconds; the root's tokens last at most 1 hour", async () => {
    expect(triple(await sdkFailure(federationToken(operator(), { Name: "a" })))).toEqual([
      "ValidationError",
      400,
      "1 validation error detected: Value 'a' at 'name' failed to satisfy constraint: Member must have length greater than or equal to 2",
    ]);
    expect(triple(await sdkFailure(federationToken(operator(), { Name: "a:b" })))).toEqual([
      "ValidationError",
      400,
      "1 validation error detected: Value 'a:b' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*",
    ]);
    expect(triple(await sdkFailure(federationToken(operator(), { DurationSeconds: 129_601 })))[2]).toContain("Member must have value less than or equal to 129600");
    const bad = await sdkFailure(federationToken(operator(), { Policy: "{not json" }));
    expect([bad.code, bad.status, bad.message]).toEqual(["MalformedPolicyDocument", 400, "The policy is not in the valid JSON format."]);
    const root = await federationToken(stack.keysOf("root"), { DurationSeconds: 43_200, Policy: alicePolicy });
    expect(lifetimeSeconds(root.Credentials?.Expiration)).toBeLessThanOrEqual(3600);
    // the root's permissions are everything, so the policy alone decides
    expect(await s3Get(keysFrom(root.Credentials), "users/alice/welcome.txt")).toContain("Hello Alice Example!");
  });

  it("session tags: sts:TagSession needed (operator has it), duplicates refused", async () => {
    const out = await federationToken(operator(), { Tags: [{ Key: "Team", Value: "blue" }] });
    expect(out.PackedPolicySize).toBeGreaterThan(0);
    expect(stack.sessions.open(out.Credentials?.SessionToken ?? "")?.sessionTags).toEqual([{ key: "Team", value: "blue" }]);
    const dup = await sdkFailure(federationToken(operator(), { Tags: [{ Key: "Team", Value: "a" }, { Key: "TEAM", Value: "b" }] }));
    expect(triple(dup)).toEqual(["InvalidParameterValue", 400, "Duplicate tag keys found. Please note that Tag keys are case insensitive."]);
  });
});
