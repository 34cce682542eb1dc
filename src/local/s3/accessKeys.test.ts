import { describe, expect, it } from "vitest";
import { loadStackConfig, type StackConfig } from "../config";
import type { AccessKeyConfig } from "../iam/users";
import { createSessionStore } from "../sts/sessions";
import { computeSignature, type HttpRequestParts } from "../sts/sigv4";
import { checkLongTermCredentials, resolveCredentials } from "./accessKeys";
import { S3Fault } from "./errors";
import { authenticate } from "./sigv4";

const config = loadStackConfig();
const sessions = createSessionStore();
const NOW = Date.UTC(2025, 0, 2, 3, 4, 5);
const AMZ_DATE = "20250102T030405Z";
const EMPTY_SHA = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

function keyOf(name: string): AccessKeyConfig {
  const key = name === "root" ? config.root?.accessKeys[0] : config.iamUsers.find((u) => u.name === name)?.accessKeys[0];
  if (!key) throw new Error(`no key for ${name}`);
  return key;
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

/** A copy of stack.json's config whose guest has a second, Inactive key. */
function withInactiveGuestKey(): { config: StackConfig; key: AccessKeyConfig } {
  const copy = structuredClone(config);
  const key: AccessKeyConfig = { accessKeyId: "AKIARZPUZDIKPZZZZZZZ", secretAccessKey: "i".repeat(40), status: "Inactive" };
  copy.iamUsers.find((u) => u.name === "guest")?.accessKeys.push(key);
  return { config: copy, key };
}

/** A GET signed in the header form (every header signed) with `key`'s id and `secret`. */
function headerSigned(key: Pick<AccessKeyConfig, "accessKeyId">, secret: string, opts: { token?: string; payloadHash?: string } = {}): HttpRequestParts {
  const payloadHash = opts.payloadHash ?? "UNSIGNED-PAYLOAD";
  const headers: [string, string][] = [
    ["Host", "127.0.0.1:9405"],
    ["x-amz-content-sha256", payloadHash],
    ["x-amz-date", AMZ_DATE],
    ...(opts.token !== undefined ? ([["x-amz-security-token", opts.token]] as [string, string][]) : []),
  ];
  const r: HttpRequestParts = { method: "GET", path: "/web-identity-console-demo/iam/operator/a.txt", query: "", headers, body: new Uint8Array() };
  const signedHeaders = headers.map(([name]) => name.toLowerCase()).sort();
  const scope = { accessKeyId: key.accessKeyId, date: "20250102", region: "us-east-1", service: "s3", terminator: "aws4_request" };
  const { signature } = computeSignature(r, { signedHeaders, presigned: false, amzDate: AMZ_DATE }, scope, secret, { uri: "s3", payloadHash });
  const authorization = `AWS4-HMAC-SHA256 Credential=${key.accessKeyId}/20250102/us-east-1/s3/aws4_request, SignedHeaders=${signedHeaders.join(";")}, Signature=${signature}`;
  return { ...r, headers: [...headers, ["Authorization", authorization]] };
}

/** A presigned GET URL's request, signed with `key`. */
function presigned(key: AccessKeyConfig): HttpRequestParts {
  const credential = encodeURIComponent(`${key.accessKeyId}/20250102/us-east-1/s3/aws4_request`);
  const query = `X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=${credential}&X-Amz-Date=${AMZ_DATE}&X-Amz-Expires=300&X-Amz-SignedHeaders=host`;
  const r: HttpRequestParts = { method: "GET", path: "/web-identity-console-demo/iam/operator/a.txt", query, headers: [["Host", "127.0.0.1:9405"]], body: new Uint8Array() };
  const scope = { accessKeyId: key.accessKeyId, date: "20250102", region: "us-east-1", service: "s3", terminator: "aws4_request" };
  const { signature } = computeSignature(r, { signedHeaders: ["host"], presigned: true, amzDate: AMZ_DATE }, scope, key.secretAccessKey, { uri: "s3", payloadHash: "UNSIGNED-PAYLOAD" });
  return { ...r, query: `${query}&X-Amz-Signature=${signature}` };
}

describe("whose key: long-term keys of the IAM model, sessions of the local STS", () => {
  it("an IAM user's or the root's AKIA key without a token is that user / the root, with its secret", () => {
    expect(resolveCredentials({ config, sessions }, keyOf("operator").accessKeyId, undefined, NOW)).toMatchObject({
      secretAccessKey: keyOf("operator").secretAccessKey,
      principal: { kind: "user", accessKeyId: keyOf("operator").accessKeyId, user: { name: "operator" } },
    });
    expect(resolveCredentials({ config, sessions }, keyOf("root").accessKeyId, "", NOW)).toEqual({
      secretAccessKey: keyOf("root").secretAccessKey,
      principal: { kind: "root", accessKeyId: keyOf("root").accessKeyId },
    });
  });

  it("an AKIA key with a session token → InvalidToken 400 with Token-0, whether or not the STS issued the token", () => {
    const issued = sessions.issue({ kind: "user-session", account: config.account, userArn: "arn:aws:iam::123456789012:user/operator", userId: "AIDA", userName: "operator" }, NOW + 3_600_000);
    for (const token of ["bm9wZQ==", issued.sessionToken]) {
      const f = fault(() => checkLongTermCredentials(config, keyOf("operator").accessKeyId, token));
      expect([f.code, f.status, f.message, f.fields]).toEqual(["InvalidToken", 400, "The provided token is malformed or otherwise invalid.", [["Token-0", token]]]);
    }
  });

  it("an unknown or Inactive AKIA key → InvalidAccessKeyId 403 with AWSAccessKeyId (the STS's session keys still resolve)", () => {
    const unknown = fault(() => resolveCredentials({ config, sessions }, "AKIAIOSFODNN7EXAMPLE", undefined, NOW));
    expect([unknown.code, unknown.status, unknown.message, unknown.fields]).toEqual([
      "InvalidAccessKeyId",
      403,
      "The AWS Access Key Id you provided does not exist in our records.",
      [["AWSAccessKeyId", "AKIAIOSFODNN7EXAMPLE"]],
    ]);
    const inactive = withInactiveGuestKey();
    expect(checkLongTermCredentials(inactive.config, inactive.key.accessKeyId, undefined)).toBeUndefined();
    const f = fault(() => resolveCredentials({ config: inactive.config, sessions }, inactive.key.accessKeyId, undefined, NOW));
    expect([f.code, f.status, f.fields]).toEqual(["InvalidAccessKeyId", 403, [["AWSAccessKeyId", inactive.key.accessKeyId]]]);
    const issued = sessions.issue({ kind: "user-session", account: config.account, userArn: "arn:aws:iam::123456789012:root", userId: config.account }, NOW + 3_600_000);
    expect(resolveCredentials({ config, sessions }, issued.accessKeyId, issued.sessionToken, NOW)).toMatchObject({ secretAccessKey: issued.secretAccessKey, principal: { kind: "session" } });
  });
});

describe("authenticate with long-term keys", () => {
  const ctx = { config, sessions, region: "us-east-1", now: NOW + 2000 };

  it("header SigV4 with UNSIGNED-PAYLOAD or the body's hash, and a presigned URL: the IAM user signed it", () => {
    for (const payloadHash of ["UNSIGNED-PAYLOAD", EMPTY_SHA]) {
      const caller = authenticate(headerSigned(keyOf("operator"), keyOf("operator").secretAccessKey, { payloadHash }), ctx);
      expect(caller).toMatchObject({ kind: "signed", principal: { kind: "user", user: { name: "operator" } }, authType: "REST-HEADER", payloadHash, signatureAgeMs: 2000 });
    }
    expect(authenticate(presigned(keyOf("guest")), ctx)).toMatchObject({ kind: "signed", principal: { kind: "user", user: { name: "guest" } }, authType: "REST-QUERY-STRING" });
    expect(authenticate(presigned(keyOf("root")), ctx)).toMatchObject({ kind: "signed", principal: { kind: "root" } });
  });

  it("a wrong secret → SignatureDoesNotMatch computed with the user's secret, naming the AKIA key", () => {
    const f = fault(() => authenticate(headerSigned(keyOf("operator"), "w".repeat(40)), ctx));
    expect([f.code, f.status, f.fields[0]]).toEqual(["SignatureDoesNotMatch", 403, ["AWSAccessKeyId", keyOf("operator").accessKeyId]]);
    // signed with guest's secret under operator's id: still refused (each key verifies with its own secret)
    expect(fault(() => authenticate(headerSigned(keyOf("operator"), keyOf("guest").secretAccessKey), ctx)).code).toBe("SignatureDoesNotMatch");
  });

  it("an AKIA key with X-Amz-Security-Token → InvalidToken before the signature is checked; an Inactive key → InvalidAccessKeyId", () => {
    const token = fault(() => authenticate(headerSigned(keyOf("operator"), keyOf("operator").secretAccessKey, { token: "IQoJb3JpZ2luX2VjEXAMPLE" }), ctx));
    expect([token.code, token.status]).toEqual(["InvalidToken", 400]);
    const inactive = withInactiveGuestKey();
    const f = fault(() => authenticate(headerSigned(inactive.key, inactive.key.secretAccessKey), { ...ctx, config: inactive.config }));
    expect([f.code, f.status]).toEqual(["InvalidAccessKeyId", 403]);
  });
});
