import { describe, expect, it } from "vitest";
import { signRequest, toAmzDate } from "./signer";

// AWS Signature Version 4 test suite (aws-sig-v4-test-suite, shipped in awslabs/aws-c-auth and boto/botocore):
// fixed credentials, region, service and time. Expected values are the suite's .creq/.sts/.authz texts.
const SUITE = {
  credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" },
  region: "us-east-1",
  service: "service",
  now: new Date("2015-08-30T12:36:00Z"),
} as const;
const SCOPE = "20150830/us-east-1/service/aws4_request";
const SUITE_TOKEN =
  "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==";
const EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

describe("signRequest — suite case post-x-www-form-urlencoded", () => {
  // The suite's request: `Content-Type:application/x-www-form-urlencoded` (no charset), body `Param1=value1`.
  const signing = signRequest({
    ...SUITE,
    method: "POST",
    url: "https://example.amazonaws.com/",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: "Param1=value1",
  });

  it("builds the canonical request (.creq), content-type signed", async () => {
    expect((await signing).canonicalRequest).toBe(
      "POST\n/\n\ncontent-type:application/x-www-form-urlencoded\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n" +
        "content-type;host;x-amz-date\n9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e",
    );
  });

  it("builds the string to sign (.sts)", async () => {
    expect((await signing).stringToSign).toBe(`AWS4-HMAC-SHA256\n20150830T123600Z\n${SCOPE}\n42a5e5bb34198acb3e84da4f085bb7927f2bc277ca766e6d19c73c2154021281`);
  });

  it("produces the suite's signature and Authorization header (.authz)", async () => {
    const s = await signing;
    expect(s.signature).toBe("ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a");
    expect(s.signedHeaders).toBe("content-type;host;x-amz-date");
    expect(s.credentialScope).toBe(SCOPE);
    expect(s.amzDate).toBe("20150830T123600Z");
    expect(s.authorization).toBe(
      `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/${SCOPE}, SignedHeaders=content-type;host;x-amz-date, ` +
        "Signature=ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a",
    );
  });

  it("returns a sendable Request with the signed headers and the same body", async () => {
    const s = await signing;
    expect(s.request.method).toBe("POST");
    expect(s.request.url).toBe("https://example.amazonaws.com/");
    expect(s.request.headers.get("authorization")).toBe(s.authorization);
    expect(s.request.headers.get("x-amz-date")).toBe("20150830T123600Z");
    expect(await s.request.text()).toBe("Param1=value1");
    expect(s.headers).toEqual({
      authorization: s.authorization,
      "content-type": "application/x-www-form-urlencoded",
      "x-amz-date": "20150830T123600Z",
    });
    expect(JSON.stringify(s.headers)).not.toContain(SUITE.credentials.secretAccessKey);
  });

  it("a charset parameter is part of the signed content-type, so the signature differs", async () => {
    const s = await signRequest({
      ...SUITE,
      method: "POST",
      url: "https://example.amazonaws.com/",
      headers: { "Content-Type": "application/x-www-form-urlencoded; charset=utf-8" },
      body: "Param1=value1",
    });
    expect(s.signature).not.toBe("ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a");
  });
});

describe("signRequest — suite case post-sts-token/post-sts-header-before", () => {
  const signing = signRequest({ ...SUITE, credentials: { ...SUITE.credentials, sessionToken: SUITE_TOKEN }, method: "POST", url: "https://example.amazonaws.com/" });

  it("signs the session token as x-amz-security-token", async () => {
    const s = await signing;
    expect(s.canonicalRequest).toBe(
      `POST\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\nx-amz-security-token:${SUITE_TOKEN}\n\n` +
        `host;x-amz-date;x-amz-security-token\n${EMPTY_SHA256}`,
    );
    expect(s.stringToSign).toBe(`AWS4-HMAC-SHA256\n20150830T123600Z\n${SCOPE}\nc237e1b440d4c63c32ca95b5b99481081cb7b13c7e40434868e71567c1a882f6`);
    expect(s.signature).toBe("85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead");
    expect(s.signedHeaders).toBe("host;x-amz-date;x-amz-security-token");
    expect(s.headers["x-amz-security-token"]).toBe(SUITE_TOKEN);
  });
});

describe("signRequest — other suite cases", () => {
  it("post-vanilla (= post-sts-header-after before the token is added)", async () => {
    const s = await signRequest({ ...SUITE, method: "POST", url: "https://example.amazonaws.com/" });
    expect(s.authorization).toBe(
      `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/${SCOPE}, SignedHeaders=host;x-amz-date, Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b`,
    );
  });

  it("get-vanilla-query-order-key-case: the query is sorted", async () => {
    const s = await signRequest({ ...SUITE, method: "GET", url: "https://example.amazonaws.com/?Param2=value2&Param1=value1" });
    expect(s.canonicalRequest.split("\n")[2]).toBe("Param1=value1&Param2=value2");
    expect(s.signature).toBe("b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500");
  });

  it("get-header-value-trim: values trimmed and inner spaces collapsed", async () => {
    const s = await signRequest({ ...SUITE, method: "GET", url: "https://example.amazonaws.com/", headers: { "My-Header1": " value1", "My-Header2": '"a   b   c"' } });
    expect(s.signedHeaders).toBe("host;my-header1;my-header2;x-amz-date");
    expect(s.signature).toBe("acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736");
  });
});

describe("signRequest — behaviour", () => {
  it("uses the service and region given, never guessed from the host", async () => {
    const s = await signRequest({ ...SUITE, service: "sts", region: "eu-west-1", method: "POST", url: "http://127.0.0.1:4566/", body: "" });
    expect(s.credentialScope).toBe("20150830/eu-west-1/sts/aws4_request");
    expect(s.canonicalRequest).toContain("\nhost:127.0.0.1:4566\n");
  });

  it("sends x-amz-content-sha256 only when asked (default for s3) and signs it", async () => {
    const sts = await signRequest({ ...SUITE, service: "sts", method: "POST", url: "https://sts.us-east-1.amazonaws.com/", body: "Action=GetCallerIdentity&Version=2011-06-15" });
    expect(sts.headers["x-amz-content-sha256"]).toBeUndefined();
    const s3 = await signRequest({ ...SUITE, service: "s3", method: "PUT", url: "https://b.s3.us-east-1.amazonaws.com/k", body: "" });
    expect(s3.headers["x-amz-content-sha256"]).toBe(EMPTY_SHA256);
    expect(s3.signedHeaders).toBe("host;x-amz-content-sha256;x-amz-date");
    const forced = await signRequest({ ...SUITE, method: "POST", url: "https://example.amazonaws.com/", body: "Param1=value1", contentSha256: true });
    expect(forced.headers["x-amz-content-sha256"]).toBe("9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e");
  });

  it("replaces a stale Authorization / x-amz-date passed in", async () => {
    const s = await signRequest({ ...SUITE, method: "POST", url: "https://example.amazonaws.com/", headers: { Authorization: "old", "X-Amz-Date": "19990101T000000Z" } });
    expect(s.signature).toBe("5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b");
  });

  it("refuses to sign without service, region or keys", async () => {
    await expect(signRequest({ ...SUITE, service: "", method: "GET", url: "https://example.amazonaws.com/" })).rejects.toThrow(TypeError);
    await expect(signRequest({ ...SUITE, region: " ", method: "GET", url: "https://example.amazonaws.com/" })).rejects.toThrow(/region/);
    await expect(signRequest({ ...SUITE, credentials: { accessKeyId: "A", secretAccessKey: "" }, method: "GET", url: "https://example.amazonaws.com/" })).rejects.toThrow(/secret/);
  });

  it("formats x-amz-date and rejects an invalid date", () => {
    expect(toAmzDate(new Date("2024-01-18T15:20:17.359Z"))).toBe("20240118T152017Z");
    expect(() => toAmzDate(new Date("nope"))).toThrow(RangeError);
  });
});
