import { describe, expect, it } from "vitest";
import { AwsClientError, AwsServiceError, bodySnippet, explainError, isAwsClientError, isAwsServiceError, isClockSkewError, isRetryable, looksLikeHtml, type AwsClientErrorKind } from "./errors";
import type { Exchange } from "./exchange";

const service = (code: string, status: number, message = "", exchange?: Exchange) => new AwsServiceError({ code, message, status, body: `<ErrorResponse>${code}</ErrorResponse>`, exchange });
const client = (kind: AwsClientErrorKind, status?: number) => new AwsClientError(kind, `${kind} happened`, { status });

describe("AwsServiceError", () => {
  it("keeps code, type, status, request id, message and the raw body as cause", () => {
    const error = new AwsServiceError({ code: "ExpiredTokenException", message: "Token expired", type: "Sender", status: 400, requestId: "r-1", body: "<raw/>" });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe("AwsServiceError");
    expect([error.code, error.type, error.status, error.requestId, error.message, error.cause]).toEqual(["ExpiredTokenException", "Sender", 400, "r-1", "Token expired", "<raw/>"]);
    expect(isAwsServiceError(error)).toBe(true);
    expect(isAwsClientError(error)).toBe(false);
  });
  it("infers the type from the status and uses the code when the message is empty", () => {
    expect(service("InternalFailure", 500).type).toBe("Receiver");
    expect(service("AccessDenied", 403).type).toBe("Sender");
    expect(service("AccessDenied", 403).message).toBe("AccessDenied");
  });
});

describe("AwsClientError", () => {
  it("has a kind, an optional status and a cause", () => {
    const error = new AwsClientError("unexpected-response", "m", { status: 502, cause: "<html>" });
    expect([error.name, error.kind, error.status, error.cause, error.message]).toEqual(["AwsClientError", "unexpected-response", 502, "<html>", "m"]);
    expect(isAwsClientError(error)).toBe(true);
    expect("cause" in new AwsClientError("aborted", "m")).toBe(false);
  });
});

describe("isRetryable", () => {
  it.each([
    ["IDPCommunicationError", 400, true],
    ["Throttling", 400, true],
    ["ThrottlingException", 400, true],
    ["RequestLimitExceeded", 503, true],
    ["SlowDown", 503, true],
    ["RequestTimeout", 400, true],
    ["InternalFailure", 500, true],
    ["ServiceUnavailable", 503, true],
    ["Unknown", 502, true],
    ["Unknown", 504, true],
    ["TooManyRequests", 429, true],
    ["InvalidIdentityToken", 400, false],
    ["InvalidIdentityToken", 503, false],
    ["ExpiredTokenException", 400, false],
    ["IDPRejectedClaim", 403, false],
    ["AccessDenied", 403, false],
    ["ValidationError", 400, false],
    ["SignatureDoesNotMatch", 403, false],
    ["Unknown", 501, false],
  ])("service error %s (HTTP %i) → %s", (code, status, expected) => {
    expect(isRetryable(service(code, status))).toBe(expected);
  });

  it.each([
    ["cors-or-network", undefined, true],
    ["network", undefined, true],
    ["timeout", undefined, true],
    ["aborted", undefined, false],
    ["invalid-response", 200, false],
    ["unexpected-response", 502, true],
    ["unexpected-response", 503, true],
    ["unexpected-response", 200, false],
    ["unexpected-response", 403, false],
  ] as const)("client error %s (status %s) → %s", (kind, status, expected) => {
    expect(isRetryable(client(kind, status))).toBe(expected);
  });

  it("anything else is not retryable", () => {
    expect(isRetryable(new TypeError("x"))).toBe(false);
    expect(isRetryable("boom")).toBe(false);
  });
});

describe("isClockSkewError", () => {
  it("only the skew wording of SignatureDoesNotMatch, or the skew codes", () => {
    expect(isClockSkewError(service("SignatureDoesNotMatch", 403, "Signature expired: 20220127T001427Z is now earlier than 20220127T014428Z (20220127T015928Z - 15 min.)"))).toBe(true);
    expect(isClockSkewError(service("SignatureDoesNotMatch", 403, "Signature not yet current: 20210112T194419Z is still later than 20210112T072625Z (20210112T071125Z + 15 min.)"))).toBe(true);
    expect(isClockSkewError(service("SignatureDoesNotMatch", 403, "The request signature we calculated does not match the signature you provided."))).toBe(false);
    expect(isClockSkewError(service("RequestTimeTooSkewed", 403))).toBe(true);
    expect(isClockSkewError(client("timeout"))).toBe(false);
  });
});

describe("explainError", () => {
  const awrwiExchange: Exchange = {
    request: { method: "POST", url: "https://sts.us-east-1.amazonaws.com/", headers: {}, body: "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=x" },
    startedAt: new Date(0),
    durationMs: 1,
  };

  it.each([
    [service("ExpiredTokenException", 400, "Token expired: current date/time 1740387458 must be before the expiration date/time 1740319004"), /^The identity provider's token has expired; sign in again/],
    [service("AccessDenied", 403, "Not authorized to perform sts:AssumeRoleWithWebIdentity"), /^The role's trust policy does not allow this identity/],
    [service("AccessDenied", 403, "Access denied", awrwiExchange), /^The role's trust policy does not allow this identity/],
    [service("AccessDenied", 403, "Cannot call GetSessionToken with session credentials"), /temporary \(session\) credentials/],
    [service("AccessDenied", 403, "User: arn:aws:sts::1:assumed-role/r/s is not authorized to perform: s3:GetObject"), /^AWS denied the request/],
    [service("SignatureDoesNotMatch", 403, "Signature expired: 20220127T001427Z is now earlier than 20220127T014428Z (20220127T015928Z - 15 min.)"), /clock differs from AWS time by more than 15 minutes/],
    [service("SignatureDoesNotMatch", 403, "The request signature we calculated does not match"), /secret access key does not match/],
    [service("InvalidClientTokenId", 403, "The security token included in the request is invalid."), /does not recognise the access key or session token/],
    [service("ExpiredToken", 403, "The security token included in the request is expired"), /^These temporary AWS credentials have expired/],
    [service("ValidationError", 400, "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."), /session duration is not allowed/],
    [service("ValidationError", 400, "arn:a:::x is invalid"), /^STS rejected a parameter of the request \(AWS said: "arn:a:::x is invalid"\)/],
    [service("InvalidIdentityToken", 400, "No OpenIDConnect provider found in your account for https://issuer/"), /no IAM OIDC identity provider for this token's issuer/],
    [service("InvalidIdentityToken", 400, "Incorrect token audience"), /audience .* client-ID list/],
    [service("InvalidIdentityToken", 400, "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements"), /signing keys/],
    [service("IDPRejectedClaim", 403, "graph.facebook.com responded with HTTP/1.1 400"), /said it is no longer valid: it expired, was revoked .* Sign in again/],
    [service("IDPCommunicationError", 400, "x"), /could not reach the identity provider/],
    [service("Throttling", 400, "Rate exceeded"), /limiting the request rate/],
    [service("InternalFailure", 500), /internal problem \(InternalFailure\)/],
    [service("Weird", 400, "odd"), /^AWS refused the request with Weird \(AWS said: "odd"\)/],
  ])("%s", (error, expected) => {
    expect(explainError(error)).toMatch(expected);
  });

  it("client errors explain themselves; anything else gives its message", () => {
    expect(explainError(new AwsClientError("cors-or-network", "Could not get an answer … CORS …"))).toBe("Could not get an answer … CORS …");
    expect(explainError(new Error("plain"))).toBe("plain");
    expect(explainError(42)).toBe("42");
  });
});

describe("helpers", () => {
  it("bodySnippet collapses whitespace and cuts", () => {
    expect(bodySnippet("  a \n\n b  ")).toBe("a b");
    expect(bodySnippet("x".repeat(10), 4)).toBe("xxxx…");
  });
  it("looksLikeHtml", () => {
    expect(looksLikeHtml("<!DOCTYPE html><html>")).toBe(true);
    expect(looksLikeHtml("<html><body>x</body></html>")).toBe(true);
    expect(looksLikeHtml("<center>nginx</center></body>")).toBe(true);
    expect(looksLikeHtml("<ErrorResponse/>")).toBe(false);
  });
});
