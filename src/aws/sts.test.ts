import { describe, expect, it, vi } from "vitest";
import { AwsClientError, AwsServiceError } from "./errors";
import { LWA_XML, rejection } from "./testing";
import {
  assumeRoleWithWebIdentity,
  assumeRoleWithWebIdentityRequest,
  callWithRetry,
  createStsClient,
  getCallerIdentity,
  getCallerIdentityRequest,
  parseIsoTimestamp,
  prepareAssumeRoleWithWebIdentity,
  processAssumeRoleWithWebIdentityResponse,
  processGetCallerIdentityResponse,
  stsEndpoint,
  type StsClientConfig,
} from "./sts";

// reference/sts.md §2.3 — generic IAM OIDC provider, shaped like real captures.
const SUCCESS_XML = `<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleWithWebIdentityResult>
    <SubjectFromWebIdentityToken>system:serviceaccount:default:s3-read-only</SubjectFromWebIdentityToken>
    <Audience>sts.amazonaws.com</Audience>
    <AssumedRoleUser>
      <Arn>arn:aws:sts::123456789012:assumed-role/WebApp/alice</Arn>
      <AssumedRoleId>AROADBQP57FF2AEXAMPLE:alice</AssumedRoleId>
    </AssumedRoleUser>
    <Credentials>
      <SessionToken>IQoJb3JpZ2luX2VjEO7//////////wEaCXVzLWVhc3QtMSJGMEQCIG</SessionToken>
      <SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY</SecretAccessKey>
      <Expiration>2024-01-18T15:20:17Z</Expiration>
      <AccessKeyId>ASIADBQP57FF2AEXAMPL</AccessKeyId>
    </Credentials>
    <SourceIdentity>alice</SourceIdentity>
    <Provider>arn:aws:iam::123456789012:oidc-provider/oidc.example.com</Provider>
  </AssumeRoleWithWebIdentityResult>
  <ResponseMetadata>
    <RequestId>3412e653-78f1-4754-9a08-9446df59fefe</RequestId>
  </ResponseMetadata>
</AssumeRoleWithWebIdentityResponse>`;
const SUCCESS_HEADERS = {
  "x-amzn-RequestId": "3412e653-78f1-4754-9a08-9446df59fefe",
  "Content-Type": "text/xml",
  Date: "Thu, 18 Jan 2024 14:20:16 GMT",
};

// reference/sts.md §3.1.
const ERROR_XML = `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <Error>
    <Type>Sender</Type>
    <Code>InvalidIdentityToken</Code>
    <Message>No OpenIDConnect provider found in your account for https://auth.mozilla.auth0.com/</Message>
  </Error>
  <RequestId>26603485-0bd5-11ea-a642-b7dfa91cf04b</RequestId>
</ErrorResponse>`;

const GCI_XML = `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetCallerIdentityResult>
    <Arn>arn:aws:sts::012345678901:assumed-role/WebApp/alice</Arn>
    <UserId>AROADBQP57FF2AEXAMPLE:alice</UserId>
    <Account>012345678901</Account>
  </GetCallerIdentityResult>
  <ResponseMetadata>
    <RequestId>01234567-89ab-cdef-0123-456789abcdef</RequestId>
  </ResponseMetadata>
</GetCallerIdentityResponse>`;

const HTML_502 = `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>502 Bad Gateway</title></head>
<body><h1>Bad Gateway</h1><p>The proxy server received an invalid response from an upstream server.<br></p></body></html>`;

const ENDPOINT = "https://sts.us-east-1.amazonaws.com/";
const PARAMS = { roleArn: "arn:aws:iam::123456789012:role/WebApp", roleSessionName: "alice", webIdentityToken: "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln" };
const CREDENTIALS = { accessKeyId: "ASIADBQP57FF2AEXAMPL", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY", sessionToken: "IQoJb3JpZ2luX2Vj" };

function xml(body: string, status = 200, headers: Record<string, string> = { "Content-Type": "text/xml" }): Response {
  return new Response(body, { status, headers });
}

/** A client for the regional us-east-1 endpoint (= ENDPOINT), without retries unless asked. */
function client(config: Partial<StsClientConfig> = {}) {
  return createStsClient({ region: "us-east-1", retry: { retries: 0, baseMs: 0 }, ...config });
}

type FetchCall = { url: string; init: RequestInit };
function fakeFetch(...responses: (Response | (() => Response) | Error)[]): { fetch: typeof fetch; calls: FetchCall[] } {
  const calls: FetchCall[] = [];
  const impl = (async (url: RequestInfo | URL, init?: RequestInit) => {
    calls.push({ url: String(url), init: init ?? {} });
    const next = responses[Math.min(calls.length - 1, responses.length - 1)];
    if (next instanceof Error) throw next;
    if (typeof next === "function") return next();
    if (next === undefined) throw new Error("no response configured");
    return next.clone();
  }) as typeof fetch;
  return { fetch: impl, calls };
}

describe("stsEndpoint", () => {
  it("regional by default; global signs as us-east-1; China partition", () => {
    expect(stsEndpoint("eu-west-1")).toEqual({ url: "https://sts.eu-west-1.amazonaws.com/", signingRegion: "eu-west-1" });
    expect(stsEndpoint("aws-global")).toEqual({ url: "https://sts.amazonaws.com/", signingRegion: "us-east-1" });
    expect(stsEndpoint("cn-north-1")).toEqual({ url: "https://sts.cn-north-1.amazonaws.com.cn/", signingRegion: "cn-north-1" });
  });
  it("uses an override URL as given", () => {
    expect(stsEndpoint("us-west-2", "http://127.0.0.1:4566")).toEqual({ url: "http://127.0.0.1:4566/", signingRegion: "us-west-2" });
    expect(stsEndpoint("us-west-2", "https://sts.amazonaws.com")).toEqual({ url: "https://sts.amazonaws.com/", signingRegion: "us-east-1" });
    expect(stsEndpoint("us-west-2", "https://sts-fips.us-west-2.amazonaws.com/")).toEqual({ url: "https://sts-fips.us-west-2.amazonaws.com/", signingRegion: "us-west-2" });
    expect(stsEndpoint("us-west-2", "")).toEqual({ url: "https://sts.us-west-2.amazonaws.com/", signingRegion: "us-west-2" });
  });
  it("refuses a malformed region or override", () => {
    expect(() => stsEndpoint("US East")).toThrow(TypeError);
    expect(() => stsEndpoint("us-east-1", "sts.local")).toThrow(/absolute URL/);
    expect(() => stsEndpoint("us-east-1", "ftp://x/")).toThrow(/https/);
  });
});

describe("assumeRoleWithWebIdentityRequest", () => {
  it("builds the unsigned form POST with only a Content-Type header", () => {
    expect(prepareAssumeRoleWithWebIdentity(ENDPOINT, PARAMS)).toEqual({
      method: "POST",
      url: ENDPOINT,
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body:
        "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2FWebApp" +
        "&RoleSessionName=alice&WebIdentityToken=eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln",
    });
  });

  it("adds the optional inputs", () => {
    const { body } = prepareAssumeRoleWithWebIdentity(ENDPOINT, {
      ...PARAMS,
      webIdentityToken: "Atza|IQEB",
      providerId: "www.amazon.com",
      durationSeconds: 900,
      policy: '{"Version":"2012-10-17"}',
      policyArns: ["arn:aws:iam::123456789012:policy/a", "arn:aws:iam::123456789012:policy/b"],
    });
    expect(body).toBe(
      "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2FWebApp" +
        "&RoleSessionName=alice&WebIdentityToken=Atza%7CIQEB&ProviderId=www.amazon.com&DurationSeconds=900" +
        "&Policy=%7B%22Version%22%3A%222012-10-17%22%7D" +
        "&PolicyArns.member.1.arn=arn%3Aaws%3Aiam%3A%3A123456789012%3Apolicy%2Fa&PolicyArns.member.2.arn=arn%3Aaws%3Aiam%3A%3A123456789012%3Apolicy%2Fb",
    );
  });

  it("sends it with fetch: no cookies, the caller's signal, no Authorization", async () => {
    const { fetch, calls } = fakeFetch(xml(SUCCESS_XML));
    const signal = new AbortController().signal;
    const response = await assumeRoleWithWebIdentityRequest(ENDPOINT, PARAMS, { signal, fetch });
    expect(response.status).toBe(200);
    expect(calls).toHaveLength(1);
    const [call] = calls;
    expect(call?.url).toBe(ENDPOINT);
    expect(call?.init.method).toBe("POST");
    expect(call?.init.headers).toEqual({ "content-type": "application/x-www-form-urlencoded" });
    expect(call?.init.credentials).toBe("omit");
    expect(call?.init.signal).toBe(signal);
    expect(String(call?.init.body)).toMatch(/^Action=AssumeRoleWithWebIdentity&Version=2011-06-15&/);
  });

  it("fetch rejecting with TypeError → AwsClientError cors-or-network naming both causes", async () => {
    const failure = new TypeError("Failed to fetch");
    const { fetch } = fakeFetch(failure);
    const error = await rejection(assumeRoleWithWebIdentityRequest(ENDPOINT, PARAMS, { fetch }));
    expect(error).toBeInstanceOf(AwsClientError);
    expect(error).toMatchObject({ name: "AwsClientError", kind: "cors-or-network", status: undefined, cause: failure });
    expect((error as Error).message).toMatch(/network/);
    expect((error as Error).message).toMatch(/CORS/);
    expect((error as Error).message).toContain("https://sts.us-east-1.amazonaws.com");
  });

  it("an aborted signal → aborted; a timeout reason → timeout", async () => {
    const rejectWithReason = (async (_url: RequestInfo | URL, init?: RequestInit) => {
      throw init?.signal?.reason ?? new Error("no signal");
    }) as typeof fetch;
    const controller = new AbortController();
    controller.abort();
    expect(await rejection(assumeRoleWithWebIdentityRequest(ENDPOINT, PARAMS, { fetch: rejectWithReason, signal: controller.signal }))).toMatchObject({ kind: "aborted" });
    const timedOut = AbortSignal.abort(new DOMException("signal timed out", "TimeoutError"));
    expect(await rejection(assumeRoleWithWebIdentityRequest(ENDPOINT, PARAMS, { fetch: rejectWithReason, signal: timedOut }))).toMatchObject({ kind: "timeout" });
  });
});

describe("processAssumeRoleWithWebIdentityResponse", () => {
  it("reads the documented success answer (reference §2.3), every field", async () => {
    const result = await processAssumeRoleWithWebIdentityResponse(xml(SUCCESS_XML, 200, SUCCESS_HEADERS));
    expect(result).toEqual({
      credentials: {
        accessKeyId: "ASIADBQP57FF2AEXAMPL",
        secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY",
        sessionToken: "IQoJb3JpZ2luX2VjEO7//////////wEaCXVzLWVhc3QtMSJGMEQCIG",
        expiration: new Date("2024-01-18T15:20:17.000Z"),
      },
      assumedRoleUser: { arn: "arn:aws:sts::123456789012:assumed-role/WebApp/alice", assumedRoleId: "AROADBQP57FF2AEXAMPLE:alice" },
      subjectFromWebIdentityToken: "system:serviceaccount:default:s3-read-only",
      provider: "arn:aws:iam::123456789012:oidc-provider/oidc.example.com",
      audience: "sts.amazonaws.com",
      packedPolicySize: undefined,
      sourceIdentity: "alice",
      requestId: "3412e653-78f1-4754-9a08-9446df59fefe",
    });
    expect(result.credentials.expiration.getTime()).toBe(Date.UTC(2024, 0, 18, 15, 20, 17));
  });

  it("reads the STS API reference's Login with Amazon sample", async () => {
    const result = await processAssumeRoleWithWebIdentityResponse(xml(LWA_XML));
    expect(result).toEqual({
      credentials: {
        accessKeyId: "ASgeIAIOSFODNN7EXAMPLE",
        secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY",
        sessionToken: "AQoDYXdzEE0a8ANXXXXXXXXNO1ewxE5TijQyp+IEXAMPLE",
        expiration: new Date(Date.UTC(2014, 9, 24, 23, 0, 23)),
      },
      assumedRoleUser: { arn: "arn:aws:sts::123456789012:assumed-role/FederatedWebIdentityRole/app1", assumedRoleId: "AROACLKWSDQRAOEXAMPLE:app1" },
      subjectFromWebIdentityToken: "amzn1.account.AF6RHO7KZU5XRVQJGXK6HB56KR2A",
      provider: "www.amazon.com",
      audience: "client.5498841531868486423.1548@apps.example.com",
      packedPolicySize: undefined,
      sourceIdentity: "SourceIdentityValue",
      requestId: "ad4156e9-bce1-11e2-82e6-6b6efEXAMPLE",
    });
  });

  it("reads PackedPolicySize as a number and refuses a non-number", async () => {
    const withSize = SUCCESS_XML.replace("<SourceIdentity>", "<PackedPolicySize>6</PackedPolicySize><SourceIdentity>");
    expect((await processAssumeRoleWithWebIdentityResponse(xml(withSize))).packedPolicySize).toBe(6);
    const bad = SUCCESS_XML.replace("<SourceIdentity>", "<PackedPolicySize>six</PackedPolicySize><SourceIdentity>");
    const error = await rejection(processAssumeRoleWithWebIdentityResponse(xml(bad)));
    expect(error).toMatchObject({ kind: "invalid-response" });
    expect((error as Error).message).toContain("AssumeRoleWithWebIdentityResult.PackedPolicySize");
  });

  it("falls back to the x-amzn-RequestId header", async () => {
    const noMetadata = SUCCESS_XML.replace(/<ResponseMetadata>[\s\S]*<\/ResponseMetadata>/, "");
    const result = await processAssumeRoleWithWebIdentityResponse(xml(noMetadata, 200, { "x-amzn-RequestId": "from-header" }));
    expect(result.requestId).toBe("from-header");
    expect((await processAssumeRoleWithWebIdentityResponse(xml(noMetadata))).requestId).toBeUndefined();
  });

  it.each([
    ["AccessKeyId", "Credentials.AccessKeyId"],
    ["SecretAccessKey", "Credentials.SecretAccessKey"],
    ["SessionToken", "Credentials.SessionToken"],
    ["Expiration", "Credentials.Expiration"],
    ["Arn", "AssumedRoleUser.Arn"],
    ["AssumedRoleId", "AssumedRoleUser.AssumedRoleId"],
    ["SubjectFromWebIdentityToken", "SubjectFromWebIdentityToken"],
    ["Provider", "Provider"],
    ["Audience", "Audience"],
  ])("a missing %s names AssumeRoleWithWebIdentityResult.%s", async (element, path) => {
    const body = SUCCESS_XML.replace(new RegExp(`<${element}>[^<]*</${element}>`), "");
    const error = await rejection(processAssumeRoleWithWebIdentityResponse(xml(body)));
    expect(error).toBeInstanceOf(AwsClientError);
    expect(error).toMatchObject({ kind: "invalid-response", status: 200, cause: body });
    expect((error as Error).message).toContain(`AssumeRoleWithWebIdentityResult.${path} is missing`);
  });

  it("an empty or repeated field is refused with its path", async () => {
    const empty = SUCCESS_XML.replace(/<AccessKeyId>[^<]*<\/AccessKeyId>/, "<AccessKeyId></AccessKeyId>");
    expect(((await rejection(processAssumeRoleWithWebIdentityResponse(xml(empty)))) as Error).message).toContain("AssumeRoleWithWebIdentityResult.Credentials.AccessKeyId is empty");
    const twice = SUCCESS_XML.replace("<Audience>sts.amazonaws.com</Audience>", "<Audience>a</Audience><Audience>b</Audience>");
    expect(((await rejection(processAssumeRoleWithWebIdentityResponse(xml(twice)))) as Error).message).toContain("AssumeRoleWithWebIdentityResult.Audience is not a single text value");
  });

  it.each([
    ["2024-01-18T15:20:17.359Z", Date.UTC(2024, 0, 18, 15, 20, 17, 359)],
    ["2024-01-18T15:20:17.123456789Z", Date.UTC(2024, 0, 18, 15, 20, 17, 123)],
    ["2024-01-18T17:20:17+02:00", Date.UTC(2024, 0, 18, 15, 20, 17)],
    ["2024-01-18T15:20:17.5-00:30", Date.UTC(2024, 0, 18, 15, 50, 17, 500)],
  ])("Expiration %s parses", async (text, ms) => {
    const body = SUCCESS_XML.replace("2024-01-18T15:20:17Z", text);
    expect((await processAssumeRoleWithWebIdentityResponse(xml(body))).credentials.expiration.getTime()).toBe(ms);
  });

  it("an unparseable Expiration names its path", async () => {
    const body = SUCCESS_XML.replace("2024-01-18T15:20:17Z", "tomorrow");
    const error = await rejection(processAssumeRoleWithWebIdentityResponse(xml(body)));
    expect(error).toMatchObject({ kind: "invalid-response" });
    expect((error as Error).message).toContain('AssumeRoleWithWebIdentityResult.Credentials.Expiration is "tomorrow"');
  });

  it("the ErrorResponse of reference §3.1 → AwsServiceError with code, type, status, request id, raw body", async () => {
    const error = await rejection(processAssumeRoleWithWebIdentityResponse(xml(ERROR_XML, 400, { "x-amzn-RequestId": "26603485-0bd5-11ea-a642-b7dfa91cf04b" })));
    expect(error).toBeInstanceOf(AwsServiceError);
    expect(error).toMatchObject({
      name: "AwsServiceError",
      code: "InvalidIdentityToken",
      type: "Sender",
      status: 400,
      requestId: "26603485-0bd5-11ea-a642-b7dfa91cf04b",
      message: "No OpenIDConnect provider found in your account for https://auth.mozilla.auth0.com/",
      cause: ERROR_XML,
    });
  });

  it("keeps an unknown code exactly as sent and falls back to the header request id", async () => {
    const body = "<ErrorResponse><Error><Code>SomethingNew</Code><Message>x</Message></Error></ErrorResponse>";
    const error = await rejection(processAssumeRoleWithWebIdentityResponse(xml(body, 503, { "x-amzn-RequestId": "hdr" })));
    expect(error).toMatchObject({ code: "SomethingNew", type: "Receiver", status: 503, requestId: "hdr" });
  });

  it("reads STS's JSON error envelope and the EC2-style envelope too", async () => {
    const json = '{"Error":{"Code":"Throttling","Message":"Rate exceeded","Type":"Sender"},"RequestId":"r-1"}';
    expect(await rejection(processAssumeRoleWithWebIdentityResponse(new Response(json, { status: 400 })))).toMatchObject({ name: "AwsServiceError", code: "Throttling", type: "Sender", status: 400, requestId: "r-1", message: "Rate exceeded" });
    const ec2 = "<Response><Errors><Error><Code>AuthFailure</Code><Message>m</Message></Error></Errors><RequestID>r-2</RequestID></Response>";
    expect(await rejection(processAssumeRoleWithWebIdentityResponse(xml(ec2, 401)))).toMatchObject({ code: "AuthFailure", status: 401, requestId: "r-2", type: "Sender" });
  });

  it.each([
    ["an HTML proxy page", HTML_502, 502, /HTTP 502 with an HTML page/],
    ["an XHTML page", "<html><body><h1>503 Service Unavailable</h1></body></html>", 503, /HTTP 503 with an HTML page/],
    ["a JSON gateway error", '{"message":"Forbidden"}', 403, /HTTP 403 with JSON/],
    ["an empty 200", "", 200, /HTTP 200 with an empty body/],
    ["plain text", "upstream connect error or disconnect/reset before headers", 503, /HTTP 503 with text that is not XML/],
    ["the wrong root", GCI_XML, 200, /root is <GetCallerIdentityResponse>, not <AssumeRoleWithWebIdentityResponse>/],
    ["a 500 with non-error XML", "<Oops/>", 500, /HTTP 500 with XML \(<Oops>\) that is not an AWS error/],
    ["an ErrorResponse without a code", "<ErrorResponse><Error><Message>m</Message></Error></ErrorResponse>", 400, /an ErrorResponse without Error\/Code/],
  ])("%s → AwsClientError unexpected-response with status and snippet", async (_what, body, status, message) => {
    const error = await rejection(processAssumeRoleWithWebIdentityResponse(new Response(body, { status })));
    expect(error).toBeInstanceOf(AwsClientError);
    expect(error).toMatchObject({ name: "AwsClientError", kind: "unexpected-response", status, cause: body });
    expect((error as Error).message).toMatch(message);
  });

  it("the message quotes the start of the body", async () => {
    const error = await rejection(processAssumeRoleWithWebIdentityResponse(new Response(HTML_502, { status: 502 })));
    expect((error as Error).message).toContain('"<!DOCTYPE html> <html><head><meta charset="utf-8"><title>502 Bad Gateway</title>');
  });

  it("a body that breaks while reading → network", async () => {
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.error(new TypeError("terminated"));
      },
    });
    expect(await rejection(processAssumeRoleWithWebIdentityResponse(new Response(stream, { status: 200 })))).toMatchObject({ kind: "network" });
  });
});

describe("parseIsoTimestamp", () => {
  it("refuses impossible or non-ISO dates", () => {
    expect(parseIsoTimestamp("2024-02-30T00:00:00Z")).toBeUndefined();
    expect(parseIsoTimestamp("2024-01-18 15:20:17Z")).toBeUndefined();
    expect(parseIsoTimestamp("2024-01-18T15:20:17")).toBeUndefined();
    expect(parseIsoTimestamp("1705591217")).toBeUndefined();
    expect(parseIsoTimestamp("2024-01-18T24:00:00Z")).toBeUndefined();
    expect(parseIsoTimestamp("2024-02-29T00:00:00Z")?.toISOString()).toBe("2024-02-29T00:00:00.000Z");
  });
});

describe("GetCallerIdentity", () => {
  it("keeps a digit-only Account as a string with its leading zero", async () => {
    expect(await processGetCallerIdentityResponse(xml(GCI_XML))).toEqual({
      account: "012345678901",
      arn: "arn:aws:sts::012345678901:assumed-role/WebApp/alice",
      userId: "AROADBQP57FF2AEXAMPLE:alice",
      requestId: "01234567-89ab-cdef-0123-456789abcdef",
    });
  });

  it("names a missing field", async () => {
    const error = await rejection(processGetCallerIdentityResponse(xml(GCI_XML.replace(/<UserId>.*<\/UserId>/, ""))));
    expect((error as Error).message).toContain("GetCallerIdentityResult.UserId is missing");
  });

  it("ExpiredToken (403) is a service error", async () => {
    const body = `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>ExpiredToken</Code><Message>The security token included in the request is expired</Message></Error><RequestId>e-1</RequestId></ErrorResponse>`;
    expect(await rejection(processGetCallerIdentityResponse(xml(body, 403)))).toMatchObject({ code: "ExpiredToken", status: 403, type: "Sender", requestId: "e-1" });
  });

  it("signs the POST for sts in the given region with the session token", async () => {
    const { fetch, calls } = fakeFetch(xml(GCI_XML));
    await getCallerIdentityRequest("http://127.0.0.1:4566/", "eu-central-1", CREDENTIALS, { fetch, now: new Date("2024-01-18T14:20:16Z") });
    const headers = calls[0]?.init.headers as Record<string, string>;
    expect(calls[0]?.init.body).toBe("Action=GetCallerIdentity&Version=2011-06-15");
    expect(headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(headers["x-amz-date"]).toBe("20240118T142016Z");
    expect(headers["x-amz-security-token"]).toBe("IQoJb3JpZ2luX2Vj");
    expect(headers["x-amz-content-sha256"]).toBeUndefined();
    expect(headers["authorization"]).toMatch(
      /^AWS4-HMAC-SHA256 Credential=ASIADBQP57FF2AEXAMPL\/20240118\/eu-central-1\/sts\/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, Signature=[0-9a-f]{64}$/,
    );
  });
});

describe("high-level calls record the exchange", () => {
  it("assumeRoleWithWebIdentity: result plus request, response, timing", async () => {
    const { fetch } = fakeFetch(xml(SUCCESS_XML, 200, SUCCESS_HEADERS));
    const times = [1_000, 1_250];
    const clock = () => times.shift() ?? 9_999;
    const { result, exchange } = await assumeRoleWithWebIdentity(client({ fetch, clock }), PARAMS);
    expect(result.credentials.accessKeyId).toBe("ASIADBQP57FF2AEXAMPL");
    expect(exchange.request).toEqual(prepareAssumeRoleWithWebIdentity(ENDPOINT, PARAMS));
    expect(exchange.response).toEqual({
      status: 200,
      statusText: "",
      headers: { "content-type": "text/xml", date: "Thu, 18 Jan 2024 14:20:16 GMT", "x-amzn-requestid": "3412e653-78f1-4754-9a08-9446df59fefe" },
      body: SUCCESS_XML,
    });
    expect(exchange.startedAt).toEqual(new Date(1_000));
    expect(exchange.durationMs).toBe(250);
    expect(exchange.signing).toBeUndefined();
  });

  it("a service error carries the exchange with the raw answer", async () => {
    const { fetch } = fakeFetch(xml(ERROR_XML, 400));
    const error = await rejection(assumeRoleWithWebIdentity(client({ fetch }), PARAMS));
    expect(error).toBeInstanceOf(AwsServiceError);
    expect((error as AwsServiceError).exchange?.response?.body).toBe(ERROR_XML);
    expect((error as AwsServiceError).exchange?.response?.status).toBe(400);
  });

  it("a network failure carries the request, and no response", async () => {
    const { fetch } = fakeFetch(new TypeError("Failed to fetch"));
    const error = await rejection(assumeRoleWithWebIdentity(client({ fetch }), PARAMS));
    expect(error).toMatchObject({ kind: "cors-or-network" });
    expect((error as AwsClientError).exchange?.request.url).toBe(ENDPOINT);
    expect((error as AwsClientError).exchange?.response).toBeUndefined();
  });

  it("timeoutMs stops a hanging call with a timeout error (combined with the caller's signal)", async () => {
    const hang = ((_url: RequestInfo | URL, init?: RequestInit) =>
      new Promise<Response>((_resolve, reject) => init?.signal?.addEventListener("abort", () => reject(init.signal?.reason)))) as typeof fetch;
    const error = await rejection(assumeRoleWithWebIdentity(client({ fetch: hang, timeoutMs: 5 }), PARAMS, { signal: new AbortController().signal }));
    expect(error).toMatchObject({ name: "AwsClientError", kind: "timeout" });
    expect((error as AwsClientError).exchange?.response).toBeUndefined();
  });

  it("getCallerIdentity: signing steps in the exchange and the measured clock skew", async () => {
    const { fetch } = fakeFetch(xml(GCI_XML, 200, { "Content-Type": "text/xml", Date: "Thu, 18 Jan 2024 14:30:16 GMT" }));
    const local = Date.UTC(2024, 0, 18, 14, 20, 16);
    const { result, exchange, clockSkew } = await getCallerIdentity(client({ fetch, clock: () => local, credentials: CREDENTIALS }));
    expect(result.account).toBe("012345678901");
    expect(exchange.signing?.signedHeaders).toBe("content-type;host;x-amz-date;x-amz-security-token");
    expect(exchange.signing?.credentialScope).toBe("20240118/us-east-1/sts/aws4_request");
    expect(exchange.signing?.canonicalRequest).toBe(
      "POST\n/\n\ncontent-type:application/x-www-form-urlencoded\nhost:sts.us-east-1.amazonaws.com\nx-amz-date:20240118T142016Z\n" +
        "x-amz-security-token:IQoJb3JpZ2luX2Vj\n\ncontent-type;host;x-amz-date;x-amz-security-token\n" +
        "ab821ae955788b0e33ebd34c208442ccfc2d406e2edc5e7a39bd6458fbb4f843", // sha256sum of the body
    );
    // Computed independently (Python hmac/hashlib) from the canonical request above.
    expect(exchange.signing?.signature).toBe("947291ae6fda75cccd83207587c153dcf6a8ce7352966e7652cd31ad5760baf8");
    expect(exchange.request.headers["authorization"]).toContain("Signature=947291ae6fda75cccd83207587c153dcf6a8ce7352966e7652cd31ad5760baf8");
    expect(clockSkew?.offsetMs).toBe(600_500);
  });

  it("getCallerIdentity re-signs once with the corrected clock after a skew refusal", async () => {
    const skewError = `<ErrorResponse><Error><Type>Sender</Type><Code>SignatureDoesNotMatch</Code><Message>Signature expired: 20240118T140000Z is now earlier than 20240118T141500Z (20240118T143000Z - 15 min.)</Message></Error><RequestId>s-1</RequestId></ErrorResponse>`;
    const { fetch, calls } = fakeFetch(xml(skewError, 403, { Date: "Thu, 18 Jan 2024 14:30:00 GMT" }), xml(GCI_XML));
    const local = Date.UTC(2024, 0, 18, 14, 0, 0);
    const c = client({ fetch, clock: () => local, credentials: CREDENTIALS });
    const { result, metadata, exchange } = await getCallerIdentity(c);
    expect(result.account).toBe("012345678901");
    expect(calls).toHaveLength(2);
    expect(metadata).toEqual({ requestId: "01234567-89ab-cdef-0123-456789abcdef", httpStatus: 200, attempts: 2, totalRetryDelayMs: 0 });
    expect(exchange.retried?.[0]?.why).toBe("SignatureDoesNotMatch (clock skew: re-signed with AWS's time)");
    expect(exchange.retried?.[0]?.exchange.response?.status).toBe(403);
    expect(c.clockSkew?.offsetMs).toBe(30 * 60_000 + 500); // Date has 1 s resolution: the middle of that second
    expect((calls[0]?.init.headers as Record<string, string>)["x-amz-date"]).toBe("20240118T140000Z");
    expect((calls[1]?.init.headers as Record<string, string>)["x-amz-date"]).toBe("20240118T143000Z");
  });

  it("getCallerIdentity does not retry a wrong secret (SignatureDoesNotMatch without skew text)", async () => {
    const wrong = `<ErrorResponse><Error><Type>Sender</Type><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match the signature you provided.</Message></Error></ErrorResponse>`;
    const { fetch, calls } = fakeFetch(xml(wrong, 403));
    expect(await rejection(getCallerIdentity(client({ fetch, credentials: CREDENTIALS })))).toMatchObject({ code: "SignatureDoesNotMatch" });
    expect(calls).toHaveLength(1);
  });
});

describe("callWithRetry", () => {
  const idpDown = () => new AwsServiceError({ code: "IDPCommunicationError", message: "IdP unreachable", status: 400, body: "" });
  const badToken = () => new AwsServiceError({ code: "InvalidIdentityToken", message: "Incorrect token audience", status: 400, body: "" });

  it("retries a retryable error with full-jitter exponential backoff, then succeeds", async () => {
    const sleeps: number[] = [];
    const fn = vi.fn(async (attempt: number) => {
      if (attempt < 2) throw idpDown();
      return "ok";
    });
    const onRetry = vi.fn();
    const result = await callWithRetry(fn, { retries: 2, baseMs: 100, random: () => 0.5, sleep: async (ms) => void sleeps.push(ms), onRetry });
    expect(result).toBe("ok");
    expect(fn.mock.calls.map(([attempt]) => attempt)).toEqual([0, 1, 2]);
    expect(sleeps).toEqual([50, 100]);
    expect(onRetry.mock.calls.map(([info]) => [info.attempt, info.delayMs])).toEqual([[1, 50], [2, 100]]);
  });

  it("stops after N retries and throws the last error", async () => {
    const sleeps: number[] = [];
    const errors: AwsServiceError[] = [];
    const fn = vi.fn(async () => {
      const error = idpDown();
      errors.push(error);
      throw error;
    });
    const thrown = await rejection(callWithRetry(fn, { retries: 2, baseMs: 100, maxDelayMs: 150, random: () => 0.999, sleep: async (ms) => void sleeps.push(ms) }));
    expect(fn).toHaveBeenCalledTimes(3);
    expect(thrown).toBe(errors[2]);
    expect(sleeps).toEqual([99, 149]);
  });

  it("never retries InvalidIdentityToken", async () => {
    const sleep = vi.fn(async () => {});
    const fn = vi.fn(async () => {
      throw badToken();
    });
    expect(await rejection(callWithRetry(fn, { retries: 3, baseMs: 100, sleep }))).toMatchObject({ code: "InvalidIdentityToken" });
    expect(fn).toHaveBeenCalledTimes(1);
    expect(sleep).not.toHaveBeenCalled();
  });

  it("stops when the signal aborts", async () => {
    const controller = new AbortController();
    const fn = vi.fn(async () => {
      controller.abort();
      throw idpDown();
    });
    expect(await rejection(callWithRetry(fn, { retries: 3, baseMs: 1, signal: controller.signal, sleep: async () => {} }))).toMatchObject({ code: "IDPCommunicationError" });
    expect(fn).toHaveBeenCalledTimes(1);
    expect(await rejection(callWithRetry(fn, { retries: 3, baseMs: 1, signal: controller.signal }))).toMatchObject({ kind: "aborted" });
  });

  it("the default sleep is cancelled by the signal", async () => {
    const controller = new AbortController();
    const fn = async () => {
      setTimeout(() => controller.abort(), 0);
      throw idpDown();
    };
    expect(await rejection(callWithRetry(fn, { retries: 1, baseMs: 60_000, random: () => 0.99, signal: controller.signal }))).toMatchObject({ kind: "aborted" });
  });

  it("refuses unbounded retries", async () => {
    await expect(callWithRetry(async () => 1, { retries: 11, baseMs: 1 })).rejects.toThrow(RangeError);
    await expect(callWithRetry(async () => 1, { retries: -1, baseMs: 1 })).rejects.toThrow(RangeError);
  });

  it("end to end: a 503 HTML page, then a throttle, then success", async () => {
    const throttle = `<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error></ErrorResponse>`;
    const { fetch, calls } = fakeFetch(new Response(HTML_502, { status: 503 }), xml(throttle, 400), xml(SUCCESS_XML));
    const waits: number[] = [];
    const c = client({ fetch, retry: { retries: 2, baseMs: 10 }, random: () => 0.5, sleep: async (ms) => void waits.push(ms) });
    const { result, metadata, exchange } = await assumeRoleWithWebIdentity(c, PARAMS);
    expect(result.assumedRoleUser.arn).toBe("arn:aws:sts::123456789012:assumed-role/WebApp/alice");
    expect(calls).toHaveLength(3);
    expect(waits).toEqual([5, 10]);
    expect(metadata).toEqual({ requestId: "3412e653-78f1-4754-9a08-9446df59fefe", httpStatus: 200, attempts: 3, totalRetryDelayMs: 15 });
    expect(exchange.retried?.map((r) => [r.why, r.exchange.response?.status, r.delayMs])).toEqual([
      ["unexpected-response", 503, 5],
      ["Throttling", 400, 10],
    ]);
  });
});
