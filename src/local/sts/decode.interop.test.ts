/**
 * DecodeAuthorizationMessage, GetAccessKeyInfo and GetCallerIdentity (every caller type) of the local STS against the
 * official `@aws-sdk/client-sts`. Encoded messages come from the local S3's and the STS's own refusals, read from the
 * trace endpoint (`encodedAuthorizationMessage`, a local-stack extension).
 */
import { GetObjectCommand } from "@aws-sdk/client-s3";
import {
  AssumeRoleCommand,
  DecodeAuthorizationMessageCommand,
  GetAccessKeyInfoCommand,
  GetCallerIdentityCommand,
  GetFederationTokenCommand,
  GetSessionTokenCommand,
} from "@aws-sdk/client-sts";
import { describe, expect, it } from "vitest";
import { BUCKET, DEPLOY_ROLE, GUEST_ARN, keysFrom, OPERATOR_ARN, ROOT_ARN, sdkFailure, traceOf, triple, useIamStack, type Keys } from "./iamTesting";

const stack = useIamStack();
const operator = () => stack.keysOf("operator");

function decode(keys: Keys, encoded: string) {
  return stack.stsClient(keys).send(new DecodeAuthorizationMessageCommand({ EncodedMessage: encoded }));
}

interface Decoded {
  allowed: boolean;
  explicitDeny: boolean;
  matchedStatements: { items: unknown[] };
  failures: { items: unknown[] };
  context: {
    principal: { id: string; arn: string };
    action: string;
    resource: string;
    conditions: { items: { key: string; values: { items: { value: string }[] } }[] };
  };
}

/** The encoded message of guest's refused S3 GetObject (with GetSessionToken credentials), from the S3 trace endpoint. */
async function s3Refusal(): Promise<string> {
  const guest = keysFrom((await stack.stsClient(stack.keysOf("guest")).send(new GetSessionTokenCommand({}))).Credentials);
  const f = await sdkFailure(stack.s3Client(guest).send(new GetObjectCommand({ Bucket: BUCKET, Key: "users/bob/welcome.txt" })));
  expect([f.name, f.status, f.message]).toEqual(["AccessDenied", 403, "Access Denied"]);
  const trace = await traceOf(stack.s3.url, f.requestId);
  expect(trace.body.service).toBe("s3");
  return trace.body.encodedAuthorizationMessage ?? "";
}

describe("DecodeAuthorizationMessage", () => {
  it("decodes an S3 refusal's encoded message into AWS's JSON shape", async () => {
    const out = await decode(operator(), await s3Refusal());
    const decoded = JSON.parse(out.DecodedMessage ?? "") as Decoded;
    expect(decoded.allowed).toBe(false);
    expect(decoded.explicitDeny).toBe(false);
    expect(decoded.matchedStatements).toEqual({ items: [] });
    expect(decoded.failures).toEqual({ items: [] });
    expect(decoded.context.principal).toEqual({ id: expect.stringMatching(/^AIDA[A-Z2-7]{17}$/), arn: GUEST_ARN });
    expect(decoded.context.action).toBe("s3:GetObject");
    expect(decoded.context.resource).toBe(`arn:aws:s3:::${BUCKET}/users/bob/welcome.txt`);
    const conditions = Object.fromEntries(decoded.context.conditions.items.map((c) => [c.key, c.values.items.map((v) => v.value)]));
    expect(conditions["aws:username"]).toEqual(["guest"]);
    expect(conditions["aws:MultiFactorAuthPresent"]).toEqual(["false"]);
    expect(conditions["aws:SecureTransport"]).toEqual(["false"]);
  });

  it("decodes AssumeRole's refusal by the caller's own policies (from the STS trace endpoint)", async () => {
    const f = await sdkFailure(stack.stsClient(stack.keysOf("guest")).send(new AssumeRoleCommand({ RoleArn: DEPLOY_ROLE, RoleSessionName: "g1" })));
    const encoded = (await traceOf(stack.sts.url, f.requestId)).body.encodedAuthorizationMessage ?? "";
    const decoded = JSON.parse((await decode(operator(), encoded)).DecodedMessage ?? "") as Decoded;
    expect([decoded.allowed, decoded.context.action, decoded.context.resource, decoded.context.principal.arn]).toEqual([false, "sts:AssumeRole", DEPLOY_ROLE, GUEST_ARN]);
  });

  it("needs sts:DecodeAuthorizationMessage: guest → AccessDenied with AWS's text", async () => {
    const f = await sdkFailure(decode(stack.keysOf("guest"), await s3Refusal()));
    expect(triple(f)).toEqual([
      "AccessDenied",
      403,
      `User: ${GUEST_ARN} is not authorized to perform: sts:DecodeAuthorizationMessage because no identity-based policy allows the sts:DecodeAuthorizationMessage action`,
    ]);
  });

  it("anything it did not encode, or an altered message → InvalidAuthorizationMessageException 400", async () => {
    const garbage = await sdkFailure(decode(operator(), "not-a-message"));
    expect([garbage.name, garbage.code, garbage.status]).toEqual(["InvalidAuthorizationMessageException", "InvalidAuthorizationMessageException", 400]);
    const encoded = await s3Refusal();
    const flipped = encoded.slice(0, 20) + (encoded[20] === "A" ? "B" : "A") + encoded.slice(21);
    expect((await sdkFailure(decode(operator(), flipped))).code).toBe("InvalidAuthorizationMessageException");
    const tooLong = await sdkFailure(decode(operator(), "x".repeat(10_241)));
    expect(tooLong.message).toBe(
      `1 validation error detected: Value '${"x".repeat(10_241)}' at 'encodedMessage' failed to satisfy constraint: Member must have length less than or equal to 10240`,
    );
  });
});

describe("GetAccessKeyInfo", () => {
  it("answers the account encoded in any key id (long-term, temporary, another account's)", async () => {
    const client = stack.stsClient(operator());
    expect((await client.send(new GetAccessKeyInfoCommand({ AccessKeyId: operator().accessKeyId }))).Account).toBe("123456789012");
    const temporary = keysFrom((await stack.stsClient(operator()).send(new GetSessionTokenCommand({}))).Credentials);
    expect((await client.send(new GetAccessKeyInfoCommand({ AccessKeyId: temporary.accessKeyId }))).Account).toBe("123456789012");
    expect((await client.send(new GetAccessKeyInfoCommand({ AccessKeyId: "ASIA2AVYNEVMQECFBHEU" }))).Account).toBe("688655246681");
    // guest has no permissions, and needs none
    expect((await stack.stsClient(stack.keysOf("guest")).send(new GetAccessKeyInfoCommand({ AccessKeyId: "ASIA2AVYNEVMQECFBHEU" }))).Account).toBe("688655246681");
  });

  it("validates AccessKeyId (16–128 of [\\w]*); an id that encodes no account is refused", async () => {
    const client = stack.stsClient(operator());
    expect(triple(await sdkFailure(client.send(new GetAccessKeyInfoCommand({ AccessKeyId: "AKIASHORT" }))))).toEqual([
      "ValidationError",
      400,
      "1 validation error detected: Value 'AKIASHORT' at 'accessKeyId' failed to satisfy constraint: Member must have length greater than or equal to 16",
    ]);
    expect((await sdkFailure(client.send(new GetAccessKeyInfoCommand({ AccessKeyId: "AKIAIOSFODNN7EXAMPLE" })))).code).toBe("InvalidParameterValue");
  });
});

describe("GetCallerIdentity for each caller type (reference §4.2)", () => {
  const who = async (keys: Keys) => {
    const out = await stack.stsClient(keys).send(new GetCallerIdentityCommand({}));
    return [out.Arn, out.UserId, out.Account];
  };

  it("IAM user, root, their GetSessionToken credentials, an assumed role, a federated user", async () => {
    const user = await who(operator());
    expect(user[0]).toBe(OPERATOR_ARN);
    expect(user[1]).toMatch(/^AIDARZPUZDIK[A-P][A-Z2-7]{8}$/);
    expect(user[2]).toBe("123456789012");
    expect(await who(stack.keysOf("root"))).toEqual([ROOT_ARN, "123456789012", "123456789012"]);
    expect(await who(keysFrom((await stack.stsClient(operator()).send(new GetSessionTokenCommand({}))).Credentials))).toEqual(user);
    const rootSession = keysFrom((await stack.stsClient(stack.keysOf("root")).send(new GetSessionTokenCommand({}))).Credentials);
    expect(await who(rootSession)).toEqual([ROOT_ARN, "123456789012", "123456789012"]);
    const role = await stack.stsClient(operator()).send(new AssumeRoleCommand({ RoleArn: DEPLOY_ROLE, RoleSessionName: "who" }));
    expect(await who(keysFrom(role.Credentials))).toEqual([role.AssumedRoleUser?.Arn, role.AssumedRoleUser?.AssumedRoleId, "123456789012"]);
    const fed = await stack.stsClient(operator()).send(new GetFederationTokenCommand({ Name: "who-fed" }));
    expect(await who(keysFrom(fed.Credentials))).toEqual(["arn:aws:sts::123456789012:federated-user/who-fed", "123456789012:who-fed", "123456789012"]);
  });

  it("guest (no permissions at all) may still call it", async () => {
    expect((await who(stack.keysOf("guest")))[0]).toBe(GUEST_ARN);
  });
});
