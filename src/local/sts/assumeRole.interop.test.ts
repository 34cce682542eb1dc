/**
 * AssumeRole of the local STS against the official `@aws-sdk/client-sts`, signed with stack.json's IAM users' and
 * root's long-term keys and with the session credentials it issues: success, trust and identity-policy refusals with
 * AWS's texts, root, role chaining, ExternalId, MFA, session policies, tags and transitive tags, source identity.
 */
import { randomBytes } from "node:crypto";
import { AssumeRoleCommand, GetCallerIdentityCommand, GetFederationTokenCommand, GetSessionTokenCommand, type AssumeRoleCommandInput } from "@aws-sdk/client-sts";
import { describe, expect, it } from "vitest";
import { CHAIN_TARGET, DEPLOY_ROLE, GUEST_ARN, keysFrom, MFA_ROLE, OPERATOR_ARN, PARTNER_ROLE, sdkFailure, traceOf, triple, useIamStack, WEB_ROLE, type Keys } from "./iamTesting";
import { isAssumedRoleSession } from "./sessions";

const stack = useIamStack();

const notAuthorized = (caller: string, role: string) => `User: ${caller} is not authorized to perform: sts:AssumeRole on resource: ${role}`;

function assume(keys: Keys, input: Partial<AssumeRoleCommandInput> & { RoleArn: string }) {
  return stack.stsClient(keys).send(new AssumeRoleCommand({ RoleSessionName: "op-session", ...input }));
}

const operator = () => stack.keysOf("operator");

async function deploySession(extra: Partial<AssumeRoleCommandInput> = {}): Promise<Keys> {
  return keysFrom((await assume(operator(), { RoleArn: DEPLOY_ROLE, ...extra })).Credentials);
}

function opened(keys: Keys) {
  const session = stack.sessions.open(keys.sessionToken ?? "");
  if (!session || !isAssumedRoleSession(session)) throw new Error("not an assumed-role session of this STS");
  return session;
}

describe("AssumeRole with an IAM user's long-term keys", () => {
  it("operator assumes DeployRole: the SDK parses every field; GetCallerIdentity names the session", async () => {
    const started = Math.floor(stack.now() / 1000) * 1000;
    const out = await assume(operator(), { RoleArn: DEPLOY_ROLE });
    expect(out.AssumedRoleUser?.Arn).toBe("arn:aws:sts::123456789012:assumed-role/DeployRole/op-session");
    expect(out.AssumedRoleUser?.AssumedRoleId).toMatch(/^AROARZPUZDIK[A-P][A-Z2-7]{8}:op-session$/);
    expect(out.Credentials?.AccessKeyId).toMatch(/^ASIARZPUZDIK[A-P][A-Z2-7]{7}$/);
    expect(out.Credentials?.SecretAccessKey).toHaveLength(40);
    const lifetime = (out.Credentials?.Expiration?.getTime() ?? 0) - started;
    expect(lifetime).toBeGreaterThanOrEqual(3600_000);
    expect(lifetime).toBeLessThanOrEqual(3602_000);
    expect(out.PackedPolicySize).toBeUndefined();
    expect(out.SourceIdentity).toBeUndefined();
    const who = await stack.stsClient(keysFrom(out.Credentials)).send(new GetCallerIdentityCommand({}));
    expect([who.Arn, who.UserId, who.Account]).toEqual([out.AssumedRoleUser?.Arn, out.AssumedRoleUser?.AssumedRoleId, "123456789012"]);
  });

  it("a role whose trust policy does not name the caller → AccessDenied 403 with AWS's text; the trace says why, no encoded message", async () => {
    const f = await sdkFailure(assume(operator(), { RoleArn: WEB_ROLE }));
    expect([f.name, f.code, f.type, f.status, f.message]).toEqual(["AccessDenied", "AccessDenied", "Sender", 403, notAuthorized(OPERATOR_ARN, WEB_ROLE)]);
    const trace = await traceOf(stack.sts.url, f.requestId);
    expect(trace.status).toBe(200);
    expect(trace.body.trace?.summary).toContain("the trust policy of WebIdentityConsoleUser");
    expect(trace.body.encodedAuthorizationMessage).toBeUndefined();
    const missing = "arn:aws:iam::123456789012:role/NoSuchRole";
    expect(triple(await sdkFailure(assume(operator(), { RoleArn: missing })))).toEqual(["AccessDenied", 403, notAuthorized(OPERATOR_ARN, missing)]);
  });

  it("the trust policy names the account, but guest's own policies do not allow sts:AssumeRole → the same text, with an encoded message", async () => {
    const f = await sdkFailure(assume(stack.keysOf("guest"), { RoleArn: DEPLOY_ROLE }));
    expect(triple(f)).toEqual(["AccessDenied", 403, notAuthorized(GUEST_ARN, DEPLOY_ROLE)]);
    const trace = await traceOf(stack.sts.url, f.requestId);
    expect(trace.body.trace?.summary).toBe("No statement allows sts:AssumeRole on arn:aws:iam::123456789012:role/demo/DeployRole: there are no policies to allow it.");
    expect(trace.body.encodedAuthorizationMessage).toMatch(/^[A-Za-z0-9_-]{40,}$/);
  });

  it("the account root is refused: 'Roles may not be assumed by root accounts.', also with its GetSessionToken credentials", async () => {
    const root = stack.keysOf("root");
    expect(triple(await sdkFailure(assume(root, { RoleArn: DEPLOY_ROLE })))).toEqual(["AccessDenied", 403, "Roles may not be assumed by root accounts."]);
    const rootSession = keysFrom((await stack.stsClient(root).send(new GetSessionTokenCommand({}))).Credentials);
    expect(triple(await sdkFailure(assume(rootSession, { RoleArn: DEPLOY_ROLE })))).toEqual(["AccessDenied", 403, "Roles may not be assumed by root accounts."]);
  });

  it("DurationSeconds: up to the role's MaxSessionDuration (7200), above it the MaxSessionDuration text, above 43200 the model's", async () => {
    const out = await assume(operator(), { RoleArn: DEPLOY_ROLE, DurationSeconds: 7200 });
    expect((out.Credentials?.Expiration?.getTime() ?? 0) - stack.now()).toBeGreaterThan(7190_000);
    expect(triple(await sdkFailure(assume(operator(), { RoleArn: DEPLOY_ROLE, DurationSeconds: 7201 })))).toEqual([
      "ValidationError",
      400,
      "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
    ]);
    expect(triple(await sdkFailure(assume(operator(), { RoleArn: DEPLOY_ROLE, DurationSeconds: 43201 })))).toEqual([
      "ValidationError",
      400,
      "1 validation error detected: Value '43201' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 43200",
    ]);
  });

  it("validates members like AWS: the session name pattern, a non-role ARN, the token code", async () => {
    expect(triple(await sdkFailure(assume(operator(), { RoleArn: DEPLOY_ROLE, RoleSessionName: "a:b" })))).toEqual([
      "ValidationError",
      400,
      "1 validation error detected: Value 'a:b' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*",
    ]);
    expect(triple(await sdkFailure(assume(operator(), { RoleArn: OPERATOR_ARN })))).toEqual(["ValidationError", 400, `${OPERATOR_ARN} is invalid`]);
    const f = await sdkFailure(assume(operator(), { RoleArn: MFA_ROLE, SerialNumber: "arn:aws:iam::123456789012:mfa/operator", TokenCode: "12a456" }));
    expect(triple(f)).toEqual([
      "ValidationError",
      400,
      "1 validation error detected: Value '12a456' at 'tokenCode' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\d]*",
    ]);
  });

  it("a long-term key sent with a session token, or signed with a wrong secret, is refused", async () => {
    const token = await sdkFailure(assume({ ...operator(), sessionToken: "IQoJb3JpZ2luX2VjEXAMPLE" }, { RoleArn: DEPLOY_ROLE }));
    expect(triple(token)).toEqual(["InvalidClientTokenId", 403, "The security token included in the request is invalid."]);
    const wrong = await sdkFailure(assume({ ...operator(), secretAccessKey: "x".repeat(40) }, { RoleArn: DEPLOY_ROLE }));
    expect([wrong.code, wrong.status]).toEqual(["SignatureDoesNotMatch", 403]);
  });
});

describe("ExternalId (a trust policy naming the user directly)", () => {
  it("operator with the right external id is admitted without any permission policy for the role", async () => {
    const out = await assume(operator(), { RoleArn: PARTNER_ROLE, ExternalId: "partner-4711" });
    expect(out.AssumedRoleUser?.Arn).toBe("arn:aws:sts::123456789012:assumed-role/PartnerAccess/op-session");
  });

  it("a missing or wrong external id, or another user → AccessDenied", async () => {
    expect(triple(await sdkFailure(assume(operator(), { RoleArn: PARTNER_ROLE })))).toEqual(["AccessDenied", 403, notAuthorized(OPERATOR_ARN, PARTNER_ROLE)]);
    const wrong = await sdkFailure(assume(operator(), { RoleArn: PARTNER_ROLE, ExternalId: "partner-4712" }));
    expect(triple(wrong)).toEqual(["AccessDenied", 403, notAuthorized(OPERATOR_ARN, PARTNER_ROLE)]);
    expect((await traceOf(stack.sts.url, wrong.requestId)).body.trace?.summary).toContain("StringEquals sts:ExternalId = partner-4711 is not met (got partner-4712)");
    expect(triple(await sdkFailure(assume(stack.keysOf("guest"), { RoleArn: PARTNER_ROLE, ExternalId: "partner-4711" })))).toEqual([
      "AccessDenied",
      403,
      notAuthorized(GUEST_ARN, PARTNER_ROLE),
    ]);
  });
});

describe("MFA (SerialNumber / TokenCode, a TOTP of the user's device)", () => {
  it("without MFA the MfaRequired role refuses; with the current code (or one step off) it admits, and the session records MFA", async () => {
    expect(triple(await sdkFailure(assume(operator(), { RoleArn: MFA_ROLE })))).toEqual(["AccessDenied", 403, notAuthorized(OPERATOR_ARN, MFA_ROLE)]);
    const out = await assume(operator(), { RoleArn: MFA_ROLE, ...stack.mfa("operator") });
    expect(out.AssumedRoleUser?.Arn).toBe("arn:aws:sts::123456789012:assumed-role/MfaRequired/op-session");
    expect(opened(keysFrom(out.Credentials)).mfaAuthenticatedAt).toBe(Math.floor(stack.now() / 1000));
    await expect(assume(operator(), { RoleArn: MFA_ROLE, ...stack.mfa("operator", -1) })).resolves.toBeDefined();
  });

  it("a wrong code → 'MultiFactorAuthentication failed with invalid MFA one time pass code.'; a code two steps old too", async () => {
    const { SerialNumber, TokenCode } = stack.mfa("operator");
    const wrongCode = String((Number(TokenCode) + 1) % 1_000_000).padStart(6, "0");
    const expected = ["AccessDenied", 403, "MultiFactorAuthentication failed with invalid MFA one time pass code."];
    expect(triple(await sdkFailure(assume(operator(), { RoleArn: MFA_ROLE, SerialNumber, TokenCode: wrongCode })))).toEqual(expected);
    const stale = stack.mfa("operator", -2);
    if (stale.TokenCode !== TokenCode && stale.TokenCode !== stack.mfa("operator", -1).TokenCode) {
      expect(triple(await sdkFailure(assume(operator(), { RoleArn: MFA_ROLE, ...stale })))).toEqual(expected);
    }
  });

  it("another user's device → '…unable to validate MFA code.  Please verify your MFA serial number…'", async () => {
    const f = await sdkFailure(assume(operator(), { RoleArn: MFA_ROLE, ...stack.mfa("guest") }));
    expect(triple(f)).toEqual([
      "AccessDenied",
      403,
      "MultiFactorAuthentication failed, unable to validate MFA code.  Please verify your MFA serial number is valid and associated with this user.",
    ]);
  });

  it("GetSessionToken credentials obtained with MFA carry it to AssumeRole", async () => {
    const mfaSession = keysFrom((await stack.stsClient(operator()).send(new GetSessionTokenCommand({ ...stack.mfa("operator") }))).Credentials);
    const out = await assume(mfaSession, { RoleArn: MFA_ROLE });
    expect(out.AssumedRoleUser?.Arn).toBe("arn:aws:sts::123456789012:assumed-role/MfaRequired/op-session");
    const plain = keysFrom((await stack.stsClient(operator()).send(new GetSessionTokenCommand({}))).Credentials);
    expect(triple(await sdkFailure(assume(plain, { RoleArn: MFA_ROLE })))).toEqual(["AccessDenied", 403, notAuthorized(OPERATOR_ARN, MFA_ROLE)]);
  });
});

describe("role chaining (AssumeRole with role-session credentials)", () => {
  it("DeployRole's session assumes ChainTarget (trusted by role ARN, allowed by DeployRole's policy) for at most 1 hour", async () => {
    const deploy = await deploySession();
    const out = await assume(deploy, { RoleArn: CHAIN_TARGET, RoleSessionName: "chained" });
    expect(out.AssumedRoleUser?.Arn).toBe("arn:aws:sts::123456789012:assumed-role/ChainTarget/chained");
    expect(opened(keysFrom(out.Credentials)).chained).toBe(true);
    const f = await sdkFailure(assume(deploy, { RoleArn: CHAIN_TARGET, DurationSeconds: 3601 }));
    expect(triple(f)).toEqual(["ValidationError", 400, "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining."]);
    // ChainTarget allows 7200 s when not chained — but only DeployRole's sessions are trusted.
    expect(triple(await sdkFailure(assume(operator(), { RoleArn: CHAIN_TARGET })))).toEqual(["AccessDenied", 403, notAuthorized(OPERATOR_ARN, CHAIN_TARGET)]);
  });

  it("a session whose role's policies do not allow the next role → AccessDenied naming the assumed-role ARN", async () => {
    const partner = keysFrom((await assume(operator(), { RoleArn: PARTNER_ROLE, ExternalId: "partner-4711" })).Credentials);
    const f = await sdkFailure(assume(partner, { RoleArn: DEPLOY_ROLE }));
    expect(triple(f)).toEqual(["AccessDenied", 403, notAuthorized("arn:aws:sts::123456789012:assumed-role/PartnerAccess/op-session", DEPLOY_ROLE)]);
  });
});

describe("session policies", () => {
  it("a session policy reports PackedPolicySize; one too large → PackedPolicyTooLarge; malformed → MalformedPolicyDocument", async () => {
    const small = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }] });
    const out = await assume(operator(), { RoleArn: DEPLOY_ROLE, Policy: small, PolicyArns: [{ arn: "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess" }] });
    expect(out.PackedPolicySize).toBeGreaterThan(0);
    expect(opened(keysFrom(out.Credentials)).policyArns).toEqual(["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"]);
    const statements = Array.from({ length: 120 }, (_, i) => ({ Sid: `S${i}`, Effect: "Allow", Action: "s3:GetObject", Resource: `arn:aws:s3:::${randomBytes(24).toString("hex")}/*` }));
    const big = await sdkFailure(assume(operator(), { RoleArn: DEPLOY_ROLE, Policy: JSON.stringify({ Version: "2012-10-17", Statement: statements }) }));
    expect([big.name, big.code, big.status]).toEqual(["PackedPolicyTooLargeException", "PackedPolicyTooLarge", 400]);
    expect(big.message).toMatch(/^Packed policy consumes (\d{3,})% of allotted space, please use smaller policy\.$/);
    const bad = await sdkFailure(assume(operator(), { RoleArn: DEPLOY_ROLE, Policy: "{not json" }));
    expect([bad.name, bad.code, bad.status, bad.message]).toEqual(["MalformedPolicyDocumentException", "MalformedPolicyDocument", 400, "The policy is not in the valid JSON format."]);
  });
});

describe("session tags, transitive tags and source identity", () => {
  it("tags need sts:TagSession in the trust policy; passed tags report PackedPolicySize and are the session's", async () => {
    const out = await assume(operator(), {
      RoleArn: DEPLOY_ROLE,
      Tags: [
        { Key: "Team", Value: "blue" },
        { Key: "Project", Value: "demo" },
      ],
      TransitiveTagKeys: ["Team"],
    });
    expect(out.PackedPolicySize).toBeGreaterThan(0);
    const session = opened(keysFrom(out.Credentials));
    expect(session.sessionTags).toEqual([
      { key: "Team", value: "blue" },
      { key: "Project", value: "demo" },
    ]);
    expect(session.transitiveTagKeys).toEqual(["Team"]);
    // MfaRequired's trust policy allows sts:AssumeRole only.
    const f = await sdkFailure(assume(operator(), { RoleArn: MFA_ROLE, ...stack.mfa("operator"), Tags: [{ Key: "Team", Value: "blue" }] }));
    expect(triple(f)).toEqual(["AccessDenied", 403, notAuthorized(OPERATOR_ARN, MFA_ROLE)]);
  });

  it("transitive tags pass to the chained session (the others do not), and cannot be overridden", async () => {
    const deploy = await deploySession({ Tags: [{ Key: "Team", Value: "blue" }, { Key: "Project", Value: "demo" }], TransitiveTagKeys: ["Team"] });
    const chained = await assume(deploy, { RoleArn: CHAIN_TARGET, RoleSessionName: "chained" });
    const session = opened(keysFrom(chained.Credentials));
    expect(session.sessionTags).toEqual([{ key: "Team", value: "blue" }]);
    expect(session.transitiveTagKeys).toEqual(["Team"]);
    const conflict = await sdkFailure(assume(deploy, { RoleArn: CHAIN_TARGET, Tags: [{ Key: "team", Value: "red" }] }));
    expect(triple(conflict)).toEqual([
      "InvalidParameterValue",
      400,
      "One of the specified transitive tag keys can't be set because it conflicts with a transitive tag key from the calling session.",
    ]);
    const more = await assume(deploy, { RoleArn: CHAIN_TARGET, Tags: [{ Key: "Stage", Value: "test" }], TransitiveTagKeys: ["Stage"] });
    expect(opened(keysFrom(more.Credentials)).sessionTags).toEqual([
      { key: "Team", value: "blue" },
      { key: "Stage", value: "test" },
    ]);
  });

  it("duplicate keys (case-insensitive) and transitive keys that are not tags → InvalidParameterValue with AWS's texts", async () => {
    const dup = await sdkFailure(assume(operator(), { RoleArn: DEPLOY_ROLE, Tags: [{ Key: "Team", Value: "a" }, { Key: "team", Value: "b" }] }));
    expect(triple(dup)).toEqual(["InvalidParameterValue", 400, "Duplicate tag keys found. Please note that Tag keys are case insensitive."]);
    const notTag = await sdkFailure(assume(operator(), { RoleArn: DEPLOY_ROLE, Tags: [{ Key: "Team", Value: "a" }], TransitiveTagKeys: ["Project"] }));
    expect(triple(notTag)).toEqual(["InvalidParameterValue", 400, "The specified transitive tag key must be included in the requested tags."]);
    const badKey = await sdkFailure(assume(operator(), { RoleArn: DEPLOY_ROLE, Tags: [{ Key: "a*b", Value: "x" }] }));
    expect(badKey.code).toBe("ValidationError");
    expect(badKey.message).toContain("at 'tags.1.member.key' failed to satisfy constraint: Member must satisfy regular expression pattern");
  });

  it("SourceIdentity needs sts:SetSourceIdentity (DeployRole has it, ChainTarget not — chained sessions keep it); 'aws:' is reserved", async () => {
    const out = await assume(operator(), { RoleArn: DEPLOY_ROLE, SourceIdentity: "alice-op" });
    expect(out.SourceIdentity).toBe("alice-op");
    const f = await sdkFailure(assume(keysFrom(out.Credentials), { RoleArn: CHAIN_TARGET }));
    expect(triple(f)).toEqual(["AccessDenied", 403, notAuthorized("arn:aws:sts::123456789012:assumed-role/DeployRole/op-session", CHAIN_TARGET)]);
    const reserved = await sdkFailure(assume(operator(), { RoleArn: DEPLOY_ROLE, SourceIdentity: "aws:me" }));
    expect(triple(reserved)).toEqual([
      "ValidationError",
      400,
      "2 validation errors detected: Value 'aws:me' at 'sourceIdentity' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*; Value 'aws:me' at 'sourceIdentity' failed to satisfy constraint: Member must not start with the reserved prefix 'aws:'",
    ]);
  });
});

describe("callers that may not assume roles", () => {
  it("a federated user's credentials (GetFederationToken) → AccessDenied", async () => {
    const fed = keysFrom((await stack.stsClient(operator()).send(new GetFederationTokenCommand({ Name: "fed-op" }))).Credentials);
    const f = await sdkFailure(assume(fed, { RoleArn: DEPLOY_ROLE }));
    expect(triple(f)).toEqual(["AccessDenied", 403, notAuthorized("arn:aws:sts::123456789012:federated-user/fed-op", DEPLOY_ROLE)]);
  });
});
