import { describe, expect, it } from "vitest";
import { loadStackConfig } from "../config";
import { canonicalRequest, computeSignature, s3CanonicalPath, type HttpRequestParts } from "../sts/sigv4";
import { createSessionStore } from "../sts/sessions";
import { S3Fault } from "./errors";
import { authenticate, checkPresignedQuery, checkRequestTime, hexBytes, signatureDoesNotMatch } from "./sigv4";

// Amazon S3 API Reference "Signature Calculations for the Authorization Header: Transferring Payload in a Single
// Chunk" and "Authenticating Requests: Using Query Parameters": their fixed key, time and bucket.
const SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const SCOPE = { accessKeyId: "AKIAIOSFODNN7EXAMPLE", date: "20130524", region: "us-east-1", service: "s3", terminator: "aws4_request" };
const HOST = "examplebucket.s3.amazonaws.com";
const EMPTY_SHA = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

function req(method: string, path: string, query: string, headers: [string, string][]): HttpRequestParts {
  return { method, path, query, headers, body: new Uint8Array() };
}

function signed(r: HttpRequestParts, signedHeaders: string[], payloadHash: string, presigned = false) {
  return computeSignature(r, { signedHeaders, presigned, amzDate: "20130524T000000Z" }, SCOPE, SECRET, { uri: "s3", payloadHash });
}

function fault(fn: () => unknown): S3Fault {
  try {
    fn();
  } catch (e) {
    if (e instanceof S3Fault) return e;
    throw e;
  }
  throw new Error("expected an S3Fault");
}

describe("S3 canonicalisation against AWS's documented examples", () => {
  it("GET Object with a Range: canonical request and signature f0e8bd…", () => {
    const r = req("GET", "/test.txt", "", [
      ["Host", HOST],
      ["Range", "bytes=0-9"],
      ["x-amz-content-sha256", EMPTY_SHA],
      ["x-amz-date", "20130524T000000Z"],
    ]);
    const out = signed(r, ["host", "range", "x-amz-content-sha256", "x-amz-date"], EMPTY_SHA);
    expect(out.canonicalRequest).toBe(
      `GET\n/test.txt\n\nhost:${HOST}\nrange:bytes=0-9\nx-amz-content-sha256:${EMPTY_SHA}\nx-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\n${EMPTY_SHA}`,
    );
    expect(out.stringToSign).toBe(
      "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972",
    );
    expect(out.signature).toBe("f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
  });

  it("PUT Object to /test$file.text: the path segment encoded once ($ → %24), payload hash from the header (98ad72…)", () => {
    const sha = "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072";
    const r = req("PUT", "/test%24file.text", "", [
      ["Host", HOST],
      ["Date", "Fri, 24 May 2013 00:00:00 GMT"],
      ["x-amz-date", "20130524T000000Z"],
      ["x-amz-storage-class", "REDUCED_REDUNDANCY"],
      ["x-amz-content-sha256", sha],
    ]);
    const out = signed(r, ["date", "host", "x-amz-content-sha256", "x-amz-date", "x-amz-storage-class"], sha);
    expect(out.canonicalRequest.split("\n")[1]).toBe("/test%24file.text");
    expect(out.signature).toBe("98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
  });

  it("GET Bucket Lifecycle (?lifecycle → lifecycle=) and GET Bucket with max-keys and prefix", () => {
    const headers: [string, string][] = [["Host", HOST], ["x-amz-date", "20130524T000000Z"], ["x-amz-content-sha256", EMPTY_SHA]];
    const names = ["host", "x-amz-content-sha256", "x-amz-date"];
    const lifecycle = signed(req("GET", "/", "lifecycle", headers), names, EMPTY_SHA);
    expect(lifecycle.canonicalRequest.split("\n").slice(0, 3)).toEqual(["GET", "/", "lifecycle="]);
    expect(lifecycle.signature).toBe("fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
    const list = signed(req("GET", "/", "max-keys=2&prefix=J", headers), names, EMPTY_SHA);
    expect(list.signature).toBe("34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
  });

  it("a presigned GET: X-Amz-Signature left out of the canonical query, UNSIGNED-PAYLOAD (aeeed9…)", () => {
    const query =
      "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request" +
      "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host" +
      "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404";
    const r = req("GET", "/test.txt", query, [["Host", HOST]]);
    const out = signed(r, ["host"], "UNSIGNED-PAYLOAD", true);
    expect(out.signature).toBe("aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
  });

  it("S3 paths are not normalised: //, . and .. stay; each segment is encoded exactly once", () => {
    expect(s3CanonicalPath("/bucket/a//b/./c/../d")).toBe("/bucket/a//b/./c/../d");
    expect(s3CanonicalPath("/bucket/a%20b%2Bc")).toBe("/bucket/a%20b%2Bc");
    expect(s3CanonicalPath("/bucket/a b+c!")).toBe("/bucket/a%20b%2Bc%21");
    expect(s3CanonicalPath("/bucket/%E2%82%AC%2Fx")).toBe("/bucket/%E2%82%AC%2Fx");
    expect(s3CanonicalPath("/bucket/50%")).toBe("/bucket/50%");
    // STS (every service but S3) normalises and double-encodes the same path.
    const r = req("GET", "/bucket/a%20b/./c/../d", "", [["Host", "h"]]);
    expect(canonicalRequest(r, ["host"], false).split("\n")[1]).toBe("/bucket/a%2520b/d");
    expect(canonicalRequest(r, ["host"], false, { uri: "s3" }).split("\n")[1]).toBe("/bucket/a%20b/./c/../d");
  });
});

describe("S3's SigV4 checks and error fields", () => {
  const now = Date.UTC(2013, 4, 24, 0, 0, 0);

  it("SignatureDoesNotMatch carries the fields real S3 returns, bytes as space-separated lower-case hex", () => {
    const f = signatureDoesNotMatch("ASIAEXAMPLE", "abc", { canonicalRequest: "GET\n/", stringToSign: "AWS4", signature: "x" });
    expect([f.code, f.status, f.message]).toEqual([
      "SignatureDoesNotMatch",
      403,
      "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
    ]);
    expect(f.fields).toEqual([
      ["AWSAccessKeyId", "ASIAEXAMPLE"],
      ["StringToSign", "AWS4"],
      ["SignatureProvided", "abc"],
      ["StringToSignBytes", "41 57 53 34"],
      ["CanonicalRequest", "GET\n/"],
      ["CanonicalRequestBytes", "47 45 54 0a 2f"],
    ]);
    expect(hexBytes("€")).toBe("e2 82 ac");
  });

  it("presigned URL parameters: all six required, SigV4 only, X-Amz-Expires a number from 0 to 604800", () => {
    const base = new Map([
      ["X-Amz-Algorithm", "AWS4-HMAC-SHA256"],
      ["X-Amz-Credential", "AKID/20130524/us-east-1/s3/aws4_request"],
      ["X-Amz-Signature", "00"],
      ["X-Amz-Date", "20130524T000000Z"],
      ["X-Amz-SignedHeaders", "host"],
      ["X-Amz-Expires", "604800"],
    ]);
    expect(checkPresignedQuery(base).expires).toBe(604800);
    const variant = (name: string, value: string | undefined) => {
      const q = new Map(base);
      if (value === undefined) q.delete(name);
      else q.set(name, value);
      const f = fault(() => checkPresignedQuery(q));
      return [f.code, f.status, f.message];
    };
    expect(variant("X-Amz-Expires", undefined)).toEqual([
      "AuthorizationQueryParametersError",
      400,
      "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.",
    ]);
    expect(variant("X-Amz-Expires", "604801")[2]).toBe("X-Amz-Expires must be less than a week (in seconds) that is 604800");
    expect(variant("X-Amz-Expires", "soon")[2]).toBe("X-Amz-Expires should be a number");
    expect(variant("X-Amz-Expires", "-1")[2]).toBe("X-Amz-Expires must be non-negative");
    expect(variant("X-Amz-Algorithm", "AWS4-ECDSA-P256-SHA256")[2]).toBe('X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"');
    expect(variant("X-Amz-Date", "2013-05-24T00:00:00Z")[2]).toBe("X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"");
  });

  it("time: header form ±15 min → RequestTimeTooSkewed; presigned until X-Amz-Date + X-Amz-Expires → Request has expired", () => {
    const header = { presigned: false, credential: "", signedHeaders: [], signature: "", sessionToken: undefined, payloadHash: EMPTY_SHA };
    expect(checkRequestTime({ ...header, amzDate: "20130524T001500Z", rawDate: "20130524T001500Z" }, now)).toBe(now + 15 * 60_000);
    const skew = fault(() => checkRequestTime({ ...header, amzDate: "20130524T001501Z", rawDate: "20130524T001501Z" }, now));
    expect([skew.code, skew.status, skew.message, skew.fields]).toEqual([
      "RequestTimeTooSkewed",
      403,
      "The difference between the request time and the current time is too large.",
      [
        ["RequestTime", "20130524T001501Z"],
        ["ServerTime", "2013-05-24T00:00:00Z"],
        ["MaxAllowedSkewMilliseconds", "900000"],
      ],
    ]);
    const url = { ...header, presigned: true, amzDate: "20130523T000000Z", rawDate: "20130523T000000Z", expires: 86400 };
    expect(checkRequestTime(url, now)).toBe(now - 86_400_000);
    const expired = fault(() => checkRequestTime(url, now + 1000));
    expect([expired.code, expired.status, expired.message, expired.fields]).toEqual([
      "AccessDenied",
      403,
      "Request has expired",
      [
        ["X-Amz-Expires", "86400"],
        ["Expires", "2013-05-24T00:00:00Z"],
        ["ServerTime", "2013-05-24T00:00:01Z"],
      ],
    ]);
  });

  it("authenticate: anonymous without auth; both forms at once → InvalidArgument; the wrong region, a missing x-amz-content-sha256, an unsigned x-amz-* header", () => {
    const ctx = { config: loadStackConfig(), region: "us-east-1", now, sessions: createSessionStore() };
    expect(authenticate(req("GET", "/b/k", "", [["Host", "h"]]), ctx)).toEqual({ kind: "anonymous" });
    const authz = (credential: string, signedHeaders = "host;x-amz-content-sha256;x-amz-date") =>
      ["Authorization", `AWS4-HMAC-SHA256 Credential=${credential}, SignedHeaders=${signedHeaders}, Signature=00`] as [string, string];
    const both = fault(() => authenticate(req("GET", "/b/k", "X-Amz-Algorithm=AWS4-HMAC-SHA256", [["Host", "h"], authz("A/20130524/us-east-1/s3/aws4_request")]), ctx));
    expect([both.code, both.status, both.fields[0]]).toEqual(["InvalidArgument", 400, ["ArgumentName", "Authorization"]]);
    const headers: [string, string][] = [["Host", "h"], ["x-amz-date", "20130524T000000Z"], ["x-amz-content-sha256", EMPTY_SHA]];
    const region = fault(() => authenticate(req("GET", "/b/k", "", [...headers, authz("A/20130524/eu-west-1/s3/aws4_request")]), ctx));
    expect([region.code, region.status, region.message, region.fields]).toEqual([
      "AuthorizationHeaderMalformed",
      400,
      "The authorization header is malformed; the region 'eu-west-1' is wrong; expecting 'us-east-1'",
      [["Region", "us-east-1"]],
    ]);
    const noSha = fault(() => authenticate(req("GET", "/b/k", "", [["Host", "h"], ["x-amz-date", "20130524T000000Z"], authz("A/20130524/us-east-1/s3/aws4_request")]), ctx));
    expect([noSha.code, noSha.message]).toEqual(["InvalidRequest", "Missing required header for this request: x-amz-content-sha256"]);
    const unsigned = fault(() => authenticate(req("GET", "/b/k", "", [...headers, ["x-amz-meta-a", "1"], authz("A/20130524/us-east-1/s3/aws4_request")]), ctx));
    expect([unsigned.code, unsigned.message, unsigned.fields]).toEqual([
      "AccessDenied",
      "There were headers present in the request which were not signed",
      [["HeadersNotSigned", "x-amz-meta-a"]],
    ]);
    const unknown = fault(() => authenticate(req("GET", "/b/k", "", [...headers, authz("ASIAUNKNOWN/20130524/us-east-1/s3/aws4_request")]), ctx));
    expect([unknown.code, unknown.status, unknown.fields]).toEqual(["InvalidAccessKeyId", 403, [["AWSAccessKeyId", "ASIAUNKNOWN"]]]);
    const badToken = fault(() =>
      authenticate(req("GET", "/b/k", "", [...headers, ["x-amz-security-token", "bm9wZQ=="], authz("ASIAUNKNOWN/20130524/us-east-1/s3/aws4_request", "host;x-amz-content-sha256;x-amz-date;x-amz-security-token")]), ctx),
    );
    expect([badToken.code, badToken.status, badToken.message]).toEqual(["InvalidToken", 400, "The provided token is malformed or otherwise invalid."]);
  });
});
