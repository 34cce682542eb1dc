import { createHash, createHmac, type Hash, type Hmac } from "node:crypto";
import { SignatureV4 } from "@smithy/signature-v4";
import { describe, expect, it } from "vitest";
import { StsFault } from "./faults";
import {
  canonicalQuery,
  canonicalRequest,
  parseAmzDate,
  sha256Hex,
  SIGNING_KEY_CACHE_SIZE,
  signingKey,
  stringToSign,
  verifySigV4,
  type CredentialResolver,
  type HttpRequestParts,
} from "./sigv4";
import { thrownFault as fault } from "./testing";

// The official AWS SigV4 test suite's fixed inputs (aws-c-auth tests/aws-signing-test-suite, botocore aws4_testsuite).
const AKID = "AKIDEXAMPLE";
const SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const AT = Date.UTC(2015, 7, 30, 12, 36, 0);
const SCOPE = `${AKID}/20150830/us-east-1/service/aws4_request`;
const SUITE = { region: "us-east-1", service: "service", now: AT };
const TOKEN =
  "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==";

const resolve: CredentialResolver<string | undefined> = (accessKeyId, sessionToken) => {
  if (accessKeyId !== AKID) throw new StsFault("InvalidClientTokenId", 403, "The security token included in the request is invalid.");
  return { secretAccessKey: SECRET, principal: sessionToken };
};

/** SHA-256 / HMAC-SHA-256 from node:crypto in the shape @smithy/signature-v4 takes (its `Checksum` interface). */
class NodeSha256 {
  private readonly key: string | Buffer | undefined;
  private hash: Hash | Hmac;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.key =
      secret === undefined || typeof secret === "string"
        ? secret
        : ArrayBuffer.isView(secret)
          ? Buffer.from(secret.buffer, secret.byteOffset, secret.byteLength)
          : Buffer.from(secret);
    this.hash = this.fresh();
  }
  private fresh(): Hash | Hmac {
    return this.key === undefined ? createHash("sha256") : createHmac("sha256", this.key);
  }
  update(data: string | Uint8Array): void {
    this.hash.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return this.hash.digest();
  }
  reset(): void {
    this.hash = this.fresh();
  }
}

function request(parts: Partial<HttpRequestParts> & { headers: [string, string][] }): HttpRequestParts {
  return { method: "POST", path: "/", query: "", body: new Uint8Array(), ...parts };
}

function authz(signedHeaders: string, sig: string, credential = SCOPE): [string, string] {
  return ["Authorization", `AWS4-HMAC-SHA256 Credential=${credential}, SignedHeaders=${signedHeaders}, Signature=${sig}`];
}

const formVector = () =>
  request({
    headers: [
      ["Content-Type", "application/x-www-form-urlencoded"],
      ["Host", "example.amazonaws.com"],
      ["X-Amz-Date", "20150830T123600Z"],
      authz("content-type;host;x-amz-date", "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"),
    ],
    body: new TextEncoder().encode("Param1=value1"),
  });

describe("SigV4 verifier against the official AWS test suite", () => {
  it("post-x-www-form-urlencoded: canonical request, string to sign and signature ff1189…", () => {
    const req = formVector();
    const canonical = canonicalRequest(req, ["content-type", "host", "x-amz-date"], false);
    expect(canonical).toBe(
      "POST\n/\n\ncontent-type:application/x-www-form-urlencoded\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n" +
        "content-type;host;x-amz-date\n9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e",
    );
    const sts = stringToSign("20150830T123600Z", "20150830/us-east-1/service/aws4_request", canonical);
    expect(sts.split("\n")[3]).toBe("42a5e5bb34198acb3e84da4f085bb7927f2bc277ca766e6d19c73c2154021281");
    expect(verifySigV4(req, SUITE, resolve).accessKeyId).toBe(AKID);
  });

  it("post-sts-header-before: a signed X-Amz-Security-Token (85d968…)", () => {
    const req = request({
      headers: [
        ["Host", "example.amazonaws.com"],
        ["X-Amz-Security-Token", TOKEN],
        authz("host;x-amz-date;x-amz-security-token", "85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead"),
        ["X-Amz-Date", "20150830T123600Z"],
      ],
    });
    const verified = verifySigV4(req, SUITE, resolve);
    expect(verified.principal).toBe(TOKEN);
    expect(verified.signedHeaders).toEqual(["host", "x-amz-date", "x-amz-security-token"]);
  });

  it("post-sts-header-after: the token added after signing is accepted unsigned (5da7c1…)", () => {
    const req = request({
      headers: [
        ["Host", "example.amazonaws.com"],
        ["X-Amz-Security-Token", TOKEN],
        authz("host;x-amz-date", "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"),
        ["X-Amz-Date", "20150830T123600Z"],
      ],
    });
    expect(verifySigV4(req, SUITE, resolve).principal).toBe(TOKEN);
  });

  it("get-vanilla-query-order-key-case: query parameters are sorted (b97d91…)", () => {
    const req = request({
      method: "GET",
      query: "Param2=value2&Param1=value1",
      headers: [
        ["Host", "example.amazonaws.com"],
        ["X-Amz-Date", "20150830T123600Z"],
        authz("host;x-amz-date", "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"),
      ],
    });
    expect(verifySigV4(req, SUITE, resolve).accessKeyId).toBe(AKID);
  });

  it("the derived signing key is the documented HMAC chain (IAM guide example, 20120215/us-east-1/iam)", () => {
    expect(signingKey(SECRET, "20120215", "us-east-1", "iam").toString("hex")).toBe(
      "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d",
    );
  });
});

describe("SigV4 canonicalisation", () => {
  it("encodes query names and values per RFC 3986, + as space, sorted by name then value", () => {
    expect(canonicalQuery("b=2&a=x+y&a=%21*&c", false)).toBe("a=%21%2A&a=x%20y&b=2&c=");
    expect(canonicalQuery("X-Amz-Signature=abc&A=1", true)).toBe("A=1");
    expect(canonicalQuery("", false)).toBe("");
  });

  it("keeps a malformed percent-escape as sent (re-encoded) instead of failing, and skips empty pairs", () => {
    expect(canonicalQuery("b=%E0%A4%A&&a=x+%ZZ", false)).toBe("a=x%20%25ZZ&b=%25E0%25A4%25A");
    expect(canonicalQuery("X-Amz-Signature=1&X-Amz-Signature=2", false)).toBe("X-Amz-Signature=1&X-Amz-Signature=2");
  });

  it("trims and collapses header values and joins repeated headers with commas", () => {
    const req = request({ headers: [["Host", "h"], ["My-Header1", "  a   b  "], ["my-header1", "c"]] });
    expect(canonicalRequest(req, ["host", "my-header1"], false)).toBe(`POST\n/\n\nhost:h\nmy-header1:a b,c\n\nhost;my-header1\n${sha256Hex("")}`);
  });
});

describe("SigV4 verifier: STS's order of failures", () => {
  it("no Authorization and no presigned query → MissingAuthenticationToken 403", () => {
    const f = fault(() => verifySigV4(request({ headers: [["Host", "h"]] }), SUITE, resolve));
    expect([f.code, f.status, f.message]).toEqual(["MissingAuthenticationToken", 403, "Request is missing Authentication Token"]);
  });

  it("presigned parameters count only with '=': a bare X-Amz-Algorithm is no authentication; both mechanisms → IncompleteSignature", () => {
    const bare = fault(() => verifySigV4(request({ method: "GET", query: "X-Amz-Algorithm&X-Amz-Signature", headers: [["Host", "h"]] }), SUITE, resolve));
    expect(bare.code).toBe("MissingAuthenticationToken");
    const both = fault(() =>
      verifySigV4(request({ method: "GET", query: "X-Amz-Algorithm=AWS4-HMAC-SHA256", headers: [["Host", "h"], authz("host", "00")] }), SUITE, resolve),
    );
    expect([both.code, both.message]).toEqual([
      "IncompleteSignature",
      "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or the Authorization header should be specified",
    ]);
  });

  it("an incomplete Authorization header → IncompleteSignature 400 naming each missing part", () => {
    const header = `AWS4-HMAC-SHA256 Credential=${SCOPE}`;
    const f = fault(() => verifySigV4(request({ headers: [["Host", "h"], ["Authorization", header]] }), SUITE, resolve));
    expect([f.code, f.status]).toEqual(["IncompleteSignature", 400]);
    expect(f.message).toBe(
      "Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. " +
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. " +
        `Authorization=${header}`,
    );
  });

  it("a part without '=' → IncompleteSignature", () => {
    const header = `AWS4-HMAC-SHA256 ${SCOPE}, SignedHeaders=host, Signature=00`;
    const f = fault(() => verifySigV4(request({ headers: [["Host", "h"], ["X-Amz-Date", "20150830T123600Z"], ["Authorization", header]] }), SUITE, resolve));
    expect(f.message).toBe(`'${SCOPE}' not a valid key=value pair (missing equal-sign) in Authorization header: '${header}'.`);
  });

  it("elements split at whitespace as well as commas: a stray space inside Credential → IncompleteSignature 400 naming the fragment, not InvalidClientTokenId", () => {
    const at = (header: string, date = "20150830T123600Z") => request({ headers: [["Host", "h"], ["X-Amz-Date", date], ["Authorization", header]] });
    // After the key id (a trailing space in AWS_ACCESS_KEY_ID), as aws-sdk-go#289 and Leapp captured it from real AWS.
    const trailing = `AWS4-HMAC-SHA256 Credential=${AKID} /20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=00`;
    const f = fault(() => verifySigV4(at(trailing), SUITE, resolve));
    expect([f.code, f.status, f.message]).toEqual([
      "IncompleteSignature",
      400,
      `'/20150830/us-east-1/service/aws4_request' not a valid key=value pair (missing equal-sign) in Authorization header: '${trailing}'.`,
    ]);
    // Right after `Credential=` (a leading space), as jenkinsci/aws-credentials-plugin#72 captured it from STS.
    const leading = `AWS4-HMAC-SHA256 Credential= ${SCOPE}, SignedHeaders=host;x-amz-date, Signature=00`;
    expect(fault(() => verifySigV4(at(leading), SUITE, resolve)).message).toBe(
      `'${SCOPE}' not a valid key=value pair (missing equal-sign) in Authorization header: '${leading}'.`,
    );
    // Inside the key id: the first fragment without '=' is named; runs of spaces are quoted as sent.
    const inside = `AWS4-HMAC-SHA256 Credential=not valid/20150830/us-east-1/service/aws4_request,   SignedHeaders=host;x-amz-date, Signature=00`;
    expect(fault(() => verifySigV4(at(inside), SUITE, resolve)).message).toBe(
      `'valid/20150830/us-east-1/service/aws4_request' not a valid key=value pair (missing equal-sign) in Authorization header: '${inside}'.`,
    );
    // Before the time window (reference §7's order): a request signed an hour ago still gets IncompleteSignature.
    expect(fault(() => verifySigV4(at(trailing, "20150830T113600Z"), SUITE, resolve)).code).toBe("IncompleteSignature");
  });

  it("every missing element named, in AWS's order, with the header quoted as Authorization=…; an empty value is missing", () => {
    const only = fault(() => verifySigV4(request({ headers: [["Host", "h"], ["Authorization", "AWS4-HMAC-SHA256"]] }), SUITE, resolve));
    expect([only.code, only.status, only.message]).toEqual([
      "IncompleteSignature",
      400,
      "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. " +
        "Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. " +
        "Authorization=AWS4-HMAC-SHA256",
    ]);
    const header = `AWS4-HMAC-SHA256 Credential=, SignedHeaders=host, Signature=00`;
    const empty = fault(() => verifySigV4(request({ headers: [["Host", "h"], ["Date", "Sun, 30 Aug 2015 12:36:00 GMT"], ["Authorization", header]] }), SUITE, resolve));
    expect(empty.message).toBe(`Authorization header requires 'Credential' parameter. Authorization=${header}`);
  });

  it("16 minutes late or early → SignatureDoesNotMatch with STS's ±15 min texts; 14 minutes is fine", () => {
    const late = fault(() => verifySigV4(formVector(), { ...SUITE, now: AT + 16 * 60_000 }, resolve));
    expect([late.code, late.status, late.message]).toEqual([
      "SignatureDoesNotMatch",
      403,
      "Signature expired: 20150830T123600Z is now earlier than 20150830T123700Z (20150830T125200Z - 15 min.)",
    ]);
    const early = fault(() => verifySigV4(formVector(), { ...SUITE, now: AT - 16 * 60_000 }, resolve));
    expect(early.message).toBe("Signature not yet current: 20150830T123600Z is still later than 20150830T123500Z (20150830T122000Z + 15 min.)");
    expect(verifySigV4(formVector(), { ...SUITE, now: AT + 14 * 60_000 }, resolve).accessKeyId).toBe(AKID);
    expect(verifySigV4(formVector(), { ...SUITE, now: AT - 14 * 60_000 }, resolve).accessKeyId).toBe(AKID);
  });

  it("a credential without five elements → IncompleteSignature", () => {
    const req = request({ headers: [["Host", "h"], ["X-Amz-Date", "20150830T123600Z"], authz("host;x-amz-date", "00", `${AKID}/20150830/us-east-1/service`)] });
    const f = fault(() => verifySigV4(req, SUITE, resolve));
    expect([f.code, f.message]).toEqual([
      "IncompleteSignature",
      `Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${AKID}/20150830/us-east-1/service'`,
    ]);
  });

  it("a wrong scope → SignatureDoesNotMatch listing region, service, terminator and date problems", () => {
    const req = request({ headers: [["Host", "h"], ["X-Amz-Date", "20150830T123600Z"], authz("host;x-amz-date", "00", `${AKID}/20150829/eu-west-1/s3/aws4`)] });
    const f = fault(() => verifySigV4(req, SUITE, resolve));
    expect([f.code, f.status]).toEqual(["SignatureDoesNotMatch", 403]);
    expect(f.message).toBe(
      "Credential should be scoped to a valid region, not 'eu-west-1'. Credential should be scoped to correct service: 'service'. " +
        "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws4'. " +
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20150829' != '20150830', from '20150830T123600Z'.",
    );
  });

  it("host must be signed", () => {
    const req = request({ headers: [["Host", "h"], ["X-Amz-Date", "20150830T123600Z"], authz("x-amz-date", "00")] });
    expect(fault(() => verifySigV4(req, SUITE, resolve)).code).toBe("SignatureDoesNotMatch");
  });

  it("an unknown access key → the resolver's InvalidClientTokenId, before the HMAC", () => {
    const req = request({ headers: [["Host", "h"], ["X-Amz-Date", "20150830T123600Z"], authz("host;x-amz-date", "00", SCOPE.replace(AKID, "AKIDOTHER"))] });
    expect(fault(() => verifySigV4(req, SUITE, resolve)).code).toBe("InvalidClientTokenId");
  });

  it("a body changed after signing → SignatureDoesNotMatch with the long message and what STS computed", () => {
    const req = { ...formVector(), body: new TextEncoder().encode("Param1=value2") };
    const f = fault(() => verifySigV4(req, SUITE, resolve));
    const canonical = [
      "POST",
      "/",
      "",
      "content-type:application/x-www-form-urlencoded",
      "host:example.amazonaws.com",
      "x-amz-date:20150830T123600Z",
      "",
      "content-type;host;x-amz-date",
      sha256Hex("Param1=value2"),
    ].join("\n");
    const toSign = ["AWS4-HMAC-SHA256", "20150830T123600Z", "20150830/us-east-1/service/aws4_request", sha256Hex(canonical)].join("\n");
    expect([f.code, f.status, f.message]).toEqual([
      "SignatureDoesNotMatch",
      403,
      "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details." +
        `\n\nThe Canonical String for this request should have been\n'${canonical}'\n\nThe String-to-Sign should have been\n'${toSign}'\n`,
    ]);
  });

  it("a signature of another length is a mismatch, not a crash", () => {
    const req = request({ headers: [["Host", "example.amazonaws.com"], ["X-Amz-Date", "20150830T123600Z"], authz("host;x-amz-date", "5da7")] });
    expect(fault(() => verifySigV4(req, SUITE, resolve)).code).toBe("SignatureDoesNotMatch");
  });

  it("a malformed X-Amz-Date → IncompleteSignature", () => {
    const req = request({ headers: [["Host", "h"], ["X-Amz-Date", "2015-08-30T12:36:00Z"], authz("host;x-amz-date", "00")] });
    expect(fault(() => verifySigV4(req, SUITE, resolve)).message).toBe(
      "Date must be in ISO-8601 'basic format'. Got '2015-08-30T12:36:00Z'. See http://en.wikipedia.org/wiki/ISO_8601",
    );
  });

  it("accepts a URL presigned by @smithy/signature-v4 (the AWS SDK's signer), refuses it tampered or with the signature moved", async () => {
    const signer = new SignatureV4({
      service: "service",
      region: "us-east-1",
      sha256: NodeSha256,
      credentials: { accessKeyId: AKID, secretAccessKey: SECRET, sessionToken: TOKEN },
    });
    const presigned = await signer.presign(
      {
        method: "GET",
        protocol: "https:",
        hostname: "example.amazonaws.com",
        path: "/",
        query: { Action: "GetCallerIdentity", Version: "2011-06-15" },
        headers: { host: "example.amazonaws.com" },
      },
      { expiresIn: 60, signingDate: new Date(AT) },
    );
    const params = presigned.query as Record<string, string>;
    expect([params["X-Amz-Date"], params["X-Amz-Credential"], params["X-Amz-SignedHeaders"]]).toEqual(["20150830T123600Z", SCOPE, "host"]);
    // On the wire as the SDK's HTTP handlers write it (RFC 3986) and as a browser's URLSearchParams does.
    const rfc3986 = Object.entries(params)
      .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`)
      .join("&");
    for (const query of [rfc3986, new URLSearchParams(params).toString()]) {
      const req = request({ method: "GET", query, headers: [["Host", "example.amazonaws.com"]] });
      const verified = verifySigV4(req, SUITE, resolve);
      expect([verified.presigned, verified.principal, verified.signedHeaders]).toEqual([true, TOKEN, ["host"]]);
      const tampered = { ...req, query: query.replace("Version=2011-06-15", "Version=2011-06-16") };
      expect(fault(() => verifySigV4(tampered, SUITE, resolve)).code).toBe("SignatureDoesNotMatch");
      const extra = { ...req, query: `${query}&Extra=1` };
      expect(fault(() => verifySigV4(extra, SUITE, resolve)).code).toBe("SignatureDoesNotMatch");
    }
  });

  it("aws-c-auth get-vanilla-with-session-token, query form: X-Amz-Security-Token is in the canonical query (7ff2b5…)", () => {
    const sessionToken = "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267";
    const query =
      "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fservice%2Faws4_request" +
      "&X-Amz-Date=20150830T123600Z&X-Amz-SignedHeaders=host&X-Amz-Expires=3600" +
      `&X-Amz-Security-Token=${sessionToken}&X-Amz-Signature=7ff2b50b376cb4d151970630573d6291dc128cc5c2a12ffb237f73cc53f67b6c`;
    const req = request({ method: "GET", query, headers: [["Host", "example.amazonaws.com"], ["X-Amz-Date", "20150830T123600Z"]] });
    expect(verifySigV4(req, SUITE, resolve).principal).toBe(sessionToken);
    const otherToken = { ...req, query: query.replace(`Token=${sessionToken}`, `Token=${sessionToken.replace("6e", "6f")}`) };
    expect(fault(() => verifySigV4(otherToken, SUITE, resolve)).code).toBe("SignatureDoesNotMatch");
  });
});

describe("parseAmzDate", () => {
  it("reads YYYYMMDDTHHMMSSZ as UTC ms, and only real calendar times", () => {
    expect(parseAmzDate("20150830T123600Z")).toBe(AT);
    expect(parseAmzDate("20240229T235959Z")).toBe(Date.UTC(2024, 1, 29, 23, 59, 59));
    for (const bad of ["20230229T000000Z", "20150230T000000Z", "20151301T000000Z", "20150800T000000Z", "20150830T240000Z", "20150830T126000Z", "20150830T123660Z", "00990101T000000Z", "20150830T123600", "2015-08-30T12:36:00Z"]) {
      expect(parseAmzDate(bad)).toBeUndefined();
    }
  });
});

describe("signingKey", () => {
  const derive = (secret: string, date: string) => {
    const h = (key: string | Buffer, data: string) => createHmac("sha256", key).update(data).digest();
    return h(h(h(h(`AWS4${secret}`, date), "us-east-1"), "sts"), "aws4_request");
  };

  it("is the four-HMAC chain, served the same from its bounded cache, also after older entries were dropped", () => {
    const secrets = Array.from({ length: SIGNING_KEY_CACHE_SIZE + 10 }, (_, i) => `secret-${i}`);
    for (const secret of secrets) expect(signingKey(secret, "20150830", "us-east-1", "sts").equals(derive(secret, "20150830"))).toBe(true);
    for (const secret of secrets.slice(0, 20)) expect(signingKey(secret, "20150830", "us-east-1", "sts").equals(derive(secret, "20150830"))).toBe(true);
    expect(signingKey("secret-1", "20150831", "us-east-1", "sts").equals(derive("secret-1", "20150831"))).toBe(true);
    expect(signingKey("secret-1", "20150830", "us-east-1", "sts").equals(signingKey("secret-1", "20150831", "us-east-1", "sts"))).toBe(false);
  });
});
