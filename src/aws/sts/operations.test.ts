// The operations beyond AssumeRoleWithWebIdentity/GetCallerIdentity (those are in ../sts.test.ts): form bodies,
// client-side validation worded as AWS's ValidationError, the documented answers (reference/sts.md §4.2), and the
// client's configuration, metadata and cancellation.
import { describe, expect, it } from "vitest";
import { AwsClientError, isAwsClientError } from "../errors";
import { encodeQuery } from "../query";
import {
  assumeRole,
  assumeRoleParams,
  assumeRoleWithSamlParams,
  createStsClient,
  decodeAuthorizationMessage,
  getAccessKeyInfo,
  getAccessKeyInfoParams,
  getFederationToken,
  getFederationTokenParams,
  getSessionToken,
  getSessionTokenParams,
  processAssumeRoleWithSamlResponse,
  withEndpoint,
  withRegion,
  type StsClientConfig,
} from "./index";
import { rejection } from "../testing";

const CREDENTIALS = { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY" };
const ROLE = "arn:aws:iam::123456789012:role/demo";

function client(respond: (body: string) => Response, config: Partial<StsClientConfig> = {}) {
  const bodies: string[] = [];
  const fetchImpl = (async (_url: RequestInfo | URL, init?: RequestInit) => {
    bodies.push(String(init?.body ?? ""));
    return respond(String(init?.body ?? ""));
  }) as typeof fetch;
  return { client: createStsClient({ region: "eu-west-1", credentials: CREDENTIALS, retry: { retries: 0, baseMs: 0 }, fetch: fetchImpl, ...config }), bodies };
}

function xml(body: string, status = 200): Response {
  return new Response(body, { status, headers: { "content-type": "text/xml", "x-amzn-requestid": "hdr-id" } });
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected an error");
}

const CREDENTIALS_XML = `<Credentials><SessionToken>token</SessionToken><SecretAccessKey>secret</SecretAccessKey><Expiration>2019-07-15T23:28:33.359Z</Expiration><AccessKeyId>ASIAEXAMPLE</AccessKeyId></Credentials>`;

describe("AssumeRole", () => {
  it("sends every parameter in the Query protocol's list forms", () => {
    const params = assumeRoleParams({
      roleArn: ROLE,
      roleSessionName: "John",
      policyArns: ["arn:aws:iam::123456789012:policy/one"],
      policy: '{"Version":"2012-10-17"}',
      durationSeconds: 1800,
      tags: [
        { key: "Project", value: "Unicorn" },
        { key: "Team", value: "Automation" },
      ],
      transitiveTagKeys: ["Project"],
      externalId: "123ABC",
      serialNumber: "arn:aws:iam::123456789012:mfa/alice",
      tokenCode: "123456",
      sourceIdentity: "DevUser123",
      providedContexts: [{ providerArn: "arn:aws:iam::aws:contextProvider/IdentityCenter", contextAssertion: "abcd" }],
    });
    expect(encodeQuery(params)).toBe(
      "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fdemo&RoleSessionName=John" +
        "&PolicyArns.member.1.arn=arn%3Aaws%3Aiam%3A%3A123456789012%3Apolicy%2Fone&Policy=%7B%22Version%22%3A%222012-10-17%22%7D" +
        "&DurationSeconds=1800&Tags.member.1.Key=Project&Tags.member.1.Value=Unicorn&Tags.member.2.Key=Team&Tags.member.2.Value=Automation" +
        "&TransitiveTagKeys.member.1=Project&ExternalId=123ABC&SerialNumber=arn%3Aaws%3Aiam%3A%3A123456789012%3Amfa%2Falice&TokenCode=123456" +
        "&SourceIdentity=DevUser123&ProvidedContexts.member.1.ProviderArn=arn%3Aaws%3Aiam%3A%3Aaws%3AcontextProvider%2FIdentityCenter" +
        "&ProvidedContexts.member.1.ContextAssertion=abcd",
    );
  });

  it("refuses bad input before sending, worded like AWS's ValidationError, every problem listed", () => {
    const error = thrown(() => assumeRoleParams({ roleArn: ROLE, roleSessionName: "Session1:2", durationSeconds: 123, tokenCode: "12345" }));
    expect(error).toBeInstanceOf(AwsClientError);
    expect(error).toMatchObject({ kind: "invalid-parameters" });
    expect((error as Error).message).toBe(
      "3 validation errors detected: Value 'Session1:2' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*; " +
        "Value '123' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900; " +
        "Value '12345' at 'tokenCode' failed to satisfy constraint: Member must have length greater than or equal to 6",
    );
  });

  it("names list members and their items as AWS does", () => {
    const arns = Array.from({ length: 11 }, (_, i) => `arn:aws:iam::123456789012:policy/p${i}`);
    expect((thrown(() => assumeRoleParams({ roleArn: ROLE, roleSessionName: "s1", policyArns: arns })) as Error).message).toMatch(
      /^1 validation error detected: Value '\[arn:aws:iam::123456789012:policy\/p0, .*\]' at 'policyArns' failed to satisfy constraint: Member must have length less than or equal to 10$/,
    );
    expect((thrown(() => assumeRoleParams({ roleArn: ROLE, roleSessionName: "s1", tags: [{ key: "a b!", value: "ok" }] })) as Error).message).toBe(
      "1 validation error detected: Value 'a b!' at 'tags.1.member.key' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+",
    );
    expect((thrown(() => assumeRoleParams({ roleArn: "", roleSessionName: "s1" })) as Error).message).toBe(
      "2 validation errors detected: Value '' at 'roleArn' failed to satisfy constraint: Member must satisfy regular expression pattern: " +
        "[\\u0009\\u000A\\u000D\\u0020-\\u007E\\u0085\\u00A0-\\uD7FF\\uE000-\\uFFFD\\u10000-\\u10FFFF]+; " +
        "Value '' at 'roleArn' failed to satisfy constraint: Member must have length greater than or equal to 20",
    );
  });

  it("reads the documented answer (STS user guide id_credentials_temp_request)", async () => {
    const { client: c, bodies } = client(() =>
      xml(`<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><SourceIdentity>DevUser123</SourceIdentity>${CREDENTIALS_XML}
<AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/demo/John</Arn><AssumedRoleId>ARO123EXAMPLE123:John</AssumedRoleId></AssumedRoleUser>
<PackedPolicySize>8</PackedPolicySize></AssumeRoleResult><ResponseMetadata><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ResponseMetadata></AssumeRoleResponse>`),
    );
    const { result, metadata, exchange } = await assumeRole(c, { roleArn: ROLE, roleSessionName: "John" });
    expect(result).toEqual({
      credentials: { accessKeyId: "ASIAEXAMPLE", secretAccessKey: "secret", sessionToken: "token", expiration: new Date("2019-07-15T23:28:33.359Z") },
      assumedRoleUser: { arn: "arn:aws:sts::123456789012:assumed-role/demo/John", assumedRoleId: "ARO123EXAMPLE123:John" },
      packedPolicySize: 8,
      sourceIdentity: "DevUser123",
      requestId: "c6104cbe-af31-11e0-8154-cbc7ccf896c7",
    });
    expect(metadata).toEqual({ requestId: "c6104cbe-af31-11e0-8154-cbc7ccf896c7", httpStatus: 200, attempts: 1, totalRetryDelayMs: 0 });
    expect(bodies).toEqual(["Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fdemo&RoleSessionName=John"]);
    expect(exchange.signing?.credentialScope).toMatch(/^\d{8}\/eu-west-1\/sts\/aws4_request$/);
    expect(exchange.request.url).toBe("https://sts.eu-west-1.amazonaws.com/");
  });

  it("a refusal carries AWS's code, the exchange and the metadata", async () => {
    const message = "User: arn:aws:iam::111111111111:user/deployer is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123456789012:role/demo";
    const { client: c } = client(() =>
      xml(`<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>${message}</Message></Error><RequestId>r-403</RequestId></ErrorResponse>`, 403),
    );
    const error = await rejection(assumeRole(c, { roleArn: ROLE, roleSessionName: "John" }));
    expect(error).toMatchObject({ name: "AwsServiceError", code: "AccessDenied", message, status: 403 });
    expect((error as { metadata: unknown }).metadata).toEqual({ requestId: "r-403", httpStatus: 403, attempts: 1, totalRetryDelayMs: 0 });
    expect((error as { exchange?: { response?: { status: number } } }).exchange?.response?.status).toBe(403);
  });
});

describe("GetSessionToken and GetFederationToken", () => {
  it("build their bodies and check the 900–129600 s range", () => {
    expect(encodeQuery(getSessionTokenParams())).toBe("Action=GetSessionToken&Version=2011-06-15");
    expect(encodeQuery(getSessionTokenParams({ durationSeconds: 129600, serialNumber: "GAHT12345678", tokenCode: "654321" }))).toBe(
      "Action=GetSessionToken&Version=2011-06-15&DurationSeconds=129600&SerialNumber=GAHT12345678&TokenCode=654321",
    );
    expect((thrown(() => getSessionTokenParams({ durationSeconds: 129601 })) as Error).message).toBe(
      "1 validation error detected: Value '129601' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 129600",
    );
    expect(encodeQuery(getFederationTokenParams({ name: "Bob", policyArns: ["arn:aws:iam::123456789012:policy/ro"], tags: [{ key: "k", value: "" }] }))).toBe(
      "Action=GetFederationToken&Version=2011-06-15&Name=Bob&PolicyArns.member.1.arn=arn%3Aaws%3Aiam%3A%3A123456789012%3Apolicy%2Fro&Tags.member.1.Key=k&Tags.member.1.Value=",
    );
    expect((thrown(() => getFederationTokenParams({ name: "B" })) as Error).message).toBe(
      "1 validation error detected: Value 'B' at 'name' failed to satisfy constraint: Member must have length greater than or equal to 2",
    );
  });

  it("read their answers (federated user with PackedPolicySize 0)", async () => {
    const { client: c } = client((body) =>
      body.startsWith("Action=GetSessionToken")
        ? xml(`<GetSessionTokenResponse><GetSessionTokenResult>${CREDENTIALS_XML}</GetSessionTokenResult><ResponseMetadata><RequestId>g-1</RequestId></ResponseMetadata></GetSessionTokenResponse>`)
        : xml(
            `<GetFederationTokenResponse><GetFederationTokenResult>${CREDENTIALS_XML}<FederatedUser><Arn>arn:aws:sts::123456789012:federated-user/Bob</Arn>` +
              `<FederatedUserId>123456789012:Bob</FederatedUserId></FederatedUser><PackedPolicySize>0</PackedPolicySize></GetFederationTokenResult></GetFederationTokenResponse>`,
          ),
    );
    expect((await getSessionToken(c)).result.credentials.accessKeyId).toBe("ASIAEXAMPLE");
    const federated = await getFederationToken(c, { name: "Bob" });
    expect(federated.result.federatedUser).toEqual({ arn: "arn:aws:sts::123456789012:federated-user/Bob", federatedUserId: "123456789012:Bob" });
    expect(federated.result.packedPolicySize).toBe(0);
    expect(federated.metadata.requestId).toBe("hdr-id");
  });
});

describe("GetAccessKeyInfo and DecodeAuthorizationMessage", () => {
  it("check their inputs and read their answers", async () => {
    expect((thrown(() => getAccessKeyInfoParams("AKIA-short")) as Error).message).toBe(
      "2 validation errors detected: Value 'AKIA-short' at 'accessKeyId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w]*; " +
        "Value 'AKIA-short' at 'accessKeyId' failed to satisfy constraint: Member must have length greater than or equal to 16",
    );
    const decoded = '{"allowed":false,"explicitDeny":false,"matchedStatements":{"items":[]},"failures":{"items":[]}}';
    const { client: c } = client((body) =>
      body.includes("GetAccessKeyInfo")
        ? xml(`<GetAccessKeyInfoResponse><GetAccessKeyInfoResult><Account>012345678901</Account></GetAccessKeyInfoResult></GetAccessKeyInfoResponse>`)
        : xml(`<DecodeAuthorizationMessageResponse><DecodeAuthorizationMessageResult><DecodedMessage>${decoded.replace(/"/g, "&quot;")}</DecodedMessage></DecodeAuthorizationMessageResult></DecodeAuthorizationMessageResponse>`),
    );
    expect((await getAccessKeyInfo(c, "AKIAIOSFODNN7EXAMPLE")).result.account).toBe("012345678901");
    expect(JSON.parse((await decodeAuthorizationMessage(c, "encoded-blob")).result.decodedMessage)).toMatchObject({ allowed: false });
    expect(thrown(() => void decodeAuthorizationMessage(c, ""))).toMatchObject({ kind: "invalid-parameters" });
  });
});

describe("AssumeRoleWithSAML", () => {
  it("never echoes the assertion in a validation message", () => {
    const error = thrown(() => assumeRoleWithSamlParams({ roleArn: ROLE, principalArn: "arn:aws:iam::123456789012:saml-provider/Local", samlAssertion: "abc" }));
    expect((error as Error).message).toBe("1 validation error detected: Value at 'sAMLAssertion' failed to satisfy constraint: Member must have length greater than or equal to 4");
  });

  it("reads Subject, SubjectType, Issuer, Audience and NameQualifier", async () => {
    const result = await processAssumeRoleWithSamlResponse(
      xml(`<AssumeRoleWithSAMLResponse><AssumeRoleWithSAMLResult>${CREDENTIALS_XML}<AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/SamlUser/alice</Arn>
<AssumedRoleId>AROAEXAMPLE:alice</AssumedRoleId></AssumedRoleUser><Subject>alice</Subject><SubjectType>persistent</SubjectType><Issuer>http://127.0.0.1:9406/saml</Issuer>
<Audience>https://signin.aws.amazon.com/saml</Audience><NameQualifier>SbdGOnUkh1i4+EXAMPLExL/jEvs=</NameQualifier></AssumeRoleWithSAMLResult></AssumeRoleWithSAMLResponse>`),
    );
    expect(result).toMatchObject({ subject: "alice", subjectType: "persistent", audience: "https://signin.aws.amazon.com/saml", nameQualifier: "SbdGOnUkh1i4+EXAMPLExL/jEvs=" });
  });
});

describe("the client", () => {
  it("is configured once and validated: region, endpoint, retry policy, timeout", () => {
    expect(createStsClient({ region: "eu-west-1" }).endpoint).toEqual({ url: "https://sts.eu-west-1.amazonaws.com/", signingRegion: "eu-west-1" });
    expect(createStsClient({ region: "aws-global" }).endpoint).toEqual({ url: "https://sts.amazonaws.com/", signingRegion: "us-east-1" });
    for (const config of [{ region: "Europe" }, { region: "eu-west-1", endpoint: "ftp://x" }, { region: "eu-west-1", retry: { retries: 11, baseMs: 1 } }, { region: "eu-west-1", timeoutMs: 0 }]) {
      const error = thrown(() => createStsClient(config));
      expect(isAwsClientError(error) && error.kind).toBe("invalid-configuration");
    }
  });

  it("changes endpoint and region only explicitly, keeping everything else", () => {
    const base = createStsClient({ region: "eu-west-1", credentials: CREDENTIALS, timeoutMs: 1234 });
    const local = withEndpoint(base, "http://127.0.0.1:9401/");
    expect(local.endpoint).toEqual({ url: "http://127.0.0.1:9401/", signingRegion: "eu-west-1" });
    expect(local.config.timeoutMs).toBe(1234);
    expect(withRegion(local, "ap-south-1").endpoint).toEqual({ url: "http://127.0.0.1:9401/", signingRegion: "ap-south-1" });
    expect(withRegion(base, "ap-south-1").endpoint.url).toBe("https://sts.ap-south-1.amazonaws.com/");
    expect(thrown(() => withRegion(base, "moon-1"))).toMatchObject({ kind: "invalid-configuration" });
  });

  it("a signed call without credentials is a typed configuration error; a failing provider too", async () => {
    const { client: c } = client(() => xml("<x/>"), { credentials: undefined });
    expect(await rejection(getSessionToken(c))).toMatchObject({ kind: "invalid-configuration", metadata: { attempts: 0 }, message: "GetSessionToken is a signed call, and the client has no credentials to sign it with." });
    const failing = await rejection(getSessionToken(c, {}, { credentials: () => Promise.reject(new Error("vault sealed")) }));
    expect(failing).toMatchObject({ kind: "invalid-configuration", message: "The credentials for GetSessionToken could not be obtained: vault sealed" });
  });

  it("asks a credentials provider before each attempt", async () => {
    let asked = 0;
    const answers = [xml("<ErrorResponse><Error><Code>Throttling</Code><Message>Rate exceeded</Message></Error></ErrorResponse>", 400), xml(`<GetSessionTokenResponse><GetSessionTokenResult>${CREDENTIALS_XML}</GetSessionTokenResult></GetSessionTokenResponse>`)];
    const { client: c } = client(() => answers.shift() ?? xml("<x/>", 500), {
      credentials: () => (asked++, CREDENTIALS),
      retry: { retries: 2, baseMs: 1 },
      sleep: async () => {},
    });
    const { metadata } = await getSessionToken(c);
    expect(asked).toBe(2);
    expect(metadata.attempts).toBe(2);
  });

  it("the caller's signal cancels the call, also while waiting between attempts", async () => {
    const controller = new AbortController();
    const { client: c, bodies } = client(
      () => {
        setTimeout(() => controller.abort(), 5);
        return xml("<ErrorResponse><Error><Code>ServiceUnavailable</Code><Message>busy</Message></Error></ErrorResponse>", 503);
      },
      { retry: { retries: 3, baseMs: 60_000 }, random: () => 0.99 },
    );
    const error = await rejection(getSessionToken(c, {}, { signal: controller.signal }));
    expect(error).toMatchObject({ name: "AwsClientError", kind: "aborted", metadata: { attempts: 1, httpStatus: 503 } });
    expect((error as AwsClientError).exchange?.response?.status).toBe(503);
    expect(bodies).toHaveLength(1);
  });
});
