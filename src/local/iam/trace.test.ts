import { describe, expect, it } from "vitest";
import { loadStackConfig, type PolicyStatement, type RoleConfig } from "../config";
import type { AssumedRoleSessionData } from "../sts/sessions";
import { evaluatePoliciesWithTrace, evaluateWithSessionPoliciesWithTrace, type NamedPolicy } from "./policy";
import { evaluateTrustWithTrace, findRole } from "./roles";
import { evaluateSessionRequest, sessionPolicies } from "./session";
import { createTraceStore, type EvaluationTrace } from "./trace";

const config = loadStackConfig();
const BUCKET = "arn:aws:s3:::web-identity-console-demo";
const PROVIDER = "arn:aws:iam::123456789012:oidc-provider/127.0.0.1:9400";
const SUB = "127.0.0.1:9400:sub";

function role(name: string): RoleConfig {
  const found = config.roles.find((r) => r.name === name);
  if (!found) throw new Error(`no role ${name} in stack.json`);
  return found;
}

const texts = (trace: EvaluationTrace) => trace.policies.map((p) => p.statements.map((s) => s.checks.map((c) => c.text)));

function session(sub: string, extra: Partial<AssumedRoleSessionData> = {}): AssumedRoleSessionData {
  return {
    accessKeyId: "ASIAEXAMPLEKEYID0001",
    secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY1",
    expiration: 1_900_000_000,
    account: "123456789012",
    assumedRoleArn: `arn:aws:sts::123456789012:assumed-role/WebIdentityConsoleUser/${sub}`,
    assumedRoleId: `AROAEXAMPLEROLEID0001:${sub}`,
    roleArn: "arn:aws:iam::123456789012:role/WebIdentityConsoleUser",
    roleName: "WebIdentityConsoleUser",
    roleSessionName: sub,
    webIdentity: { federatedProvider: PROVIDER, providerName: "127.0.0.1:9400", sub, aud: "web-identity-console", keys: { [SUB]: sub, "127.0.0.1:9400:aud": "web-identity-console" } },
    ...extra,
  };
}

describe("trace of a cross-user S3 denial (users/${127.0.0.1:9400:sub}/* with sub bob on alice's key)", () => {
  const key = `${BUCKET}/users/alice/welcome.txt`;
  const trace = evaluatePoliciesWithTrace(role("WebIdentityConsoleUser").permissionPolicies, "identity", { action: "s3:GetObject", resource: key, keys: { [SUB]: "bob" } });

  it("ticks or crosses every check of every statement, with the policy's values as written and resolved", () => {
    expect(trace.decision).toBe("ImplicitDeny");
    expect(trace.request).toEqual({ action: "s3:GetObject", resource: key, keys: { [SUB]: ["bob"] } });
    expect(texts(trace)).toEqual([
      [
        ["Action s3:GetObject ✓", `Resource ${BUCKET}/users/bob/* (${BUCKET}/users/\${127.0.0.1:9400:sub}/*) ✗ got ${key}`],
        [
          "Action s3:ListBucket ✗ got s3:GetObject",
          `Resource ${BUCKET} ✗ got ${key}`,
          "StringLike s3:prefix = users/bob/* (users/${127.0.0.1:9400:sub}/*) ✗ got nothing (key absent)",
        ],
      ],
      // The role's second policy (TryStsCalls) is about STS actions: traced too, and left out of the summary below.
      [
        ["Action sts:AssumeRole ✗ got s3:GetObject", `Resource arn:aws:iam::123456789012:role/demo/ChainedReader ✗ got ${key}`],
        ["Action sts:GetAccessKeyInfo or sts:DecodeAuthorizationMessage ✗ got s3:GetObject", `Resource * ✓ got ${key}`],
      ],
    ]);
    expect(trace.policies[0]?.statements[0]?.checks[1]).toEqual({
      element: "Resource",
      ok: false,
      expected: [`${BUCKET}/users/\${127.0.0.1:9400:sub}/*`],
      resolved: [`${BUCKET}/users/bob/*`],
      actual: [key],
      text: `Resource ${BUCKET}/users/bob/* (${BUCKET}/users/\${127.0.0.1:9400:sub}/*) ✗ got ${key}`,
    });
    expect(trace.policies[0]).toMatchObject({ name: "OwnFolder", kind: "identity", decision: "ImplicitDeny" });
    expect(trace.policies[0]?.statements.map((s) => [s.index, s.effect, s.matched])).toEqual([
      [1, "Allow", false],
      [2, "Allow", false],
    ]);
  });

  it("summarises with the closest statement's failed check", () => {
    expect(trace.summary).toBe(
      `No statement allows s3:GetObject on ${key}: in OwnFolder, statement 1's Resource ${BUCKET}/users/bob/* (${BUCKET}/users/\${127.0.0.1:9400:sub}/*) does not match.`,
    );
  });

  it("is plain JSON (what GET /__local/trace/<requestId> serves)", () => {
    expect(JSON.parse(JSON.stringify(trace))).toEqual(trace);
  });

  it("the same request from alice is allowed, and the summary names the Allow", () => {
    const allowed = evaluatePoliciesWithTrace(role("WebIdentityConsoleUser").permissionPolicies, "identity", { action: "s3:GetObject", resource: key, keys: { [SUB]: "alice" } });
    expect(allowed.decision).toBe("Allow");
    expect(texts(allowed)[0]?.[0]).toEqual(["Action s3:GetObject ✓", `Resource ${BUCKET}/users/alice/* (${BUCKET}/users/\${127.0.0.1:9400:sub}/*) ✓ got ${key}`]);
    expect(allowed.summary).toBe(`Allowed: in OwnFolder, statement 1 allows s3:GetObject on ${key}.`);
  });

  it("a listing of the other user's folder names the s3:prefix condition", () => {
    const listing = evaluatePoliciesWithTrace(role("WebIdentityConsoleUser").permissionPolicies, "identity", {
      action: "s3:ListBucket",
      resource: BUCKET,
      keys: { [SUB]: "bob", "s3:prefix": "users/alice/" },
    });
    expect(texts(listing)[0]?.[1]).toEqual(["Action s3:ListBucket ✓", `Resource ${BUCKET} ✓`, "StringLike s3:prefix = users/bob/* (users/${127.0.0.1:9400:sub}/*) ✗ got users/alice/"]);
    expect(listing.summary).toBe(
      `No statement allows s3:ListBucket on ${BUCKET}: in OwnFolder, statement 2's condition StringLike s3:prefix = users/bob/* (users/\${127.0.0.1:9400:sub}/*) is not met (got users/alice/).`,
    );
  });

  it("a variable without a value says so", () => {
    const noSub = evaluatePoliciesWithTrace(role("WebIdentityConsoleUser").permissionPolicies, "identity", { action: "s3:GetObject", resource: key, keys: {} });
    expect(texts(noSub)[0]?.[0]?.[1]).toBe(`Resource ${BUCKET}/users/\${127.0.0.1:9400:sub}/* (127.0.0.1:9400:sub has no value) ✗ got ${key}`);
  });
});

describe("trace of bob on the AliceOnly role (stack.json)", () => {
  const alice = findRole(config, "arn:aws:iam::123456789012:role/demo/AliceOnly");
  if (!alice) throw new Error("AliceOnly missing from stack.json");
  const keys = { [SUB]: "bob", "127.0.0.1:9400:aud": "web-identity-console", "aws:FederatedProvider": PROVIDER };
  const trace = evaluateTrustWithTrace(alice, { type: "Federated", id: PROVIDER }, "sts:AssumeRoleWithWebIdentity", keys);

  it("names StringLike 127.0.0.1:9400:sub with expected alice and actual bob", () => {
    expect(trace.decision).toBe("ImplicitDeny");
    expect(trace.policies.map((p) => [p.name, p.kind, p.decision])).toEqual([["AliceOnly", "trust", "ImplicitDeny"]]);
    expect(texts(trace)).toEqual([
      [
        [
          `Principal Federated ${PROVIDER} ✓`,
          "Action sts:AssumeRoleWithWebIdentity ✓",
          "StringEquals 127.0.0.1:9400:aud = web-identity-console ✓",
          "StringLike 127.0.0.1:9400:sub = alice ✗ got bob",
        ],
      ],
    ]);
    expect(trace.policies[0]?.statements[0]?.checks[3]).toEqual({
      element: "Condition",
      ok: false,
      expected: ["alice"],
      actual: ["bob"],
      operator: "StringLike",
      key: SUB,
      text: "StringLike 127.0.0.1:9400:sub = alice ✗ got bob",
    });
    expect(trace.summary).toBe(
      `No statement allows sts:AssumeRoleWithWebIdentity for Federated ${PROVIDER}: in the trust policy of AliceOnly, statement 1's condition StringLike 127.0.0.1:9400:sub = alice is not met (got bob).`,
    );
  });

  it("a token from another provider fails the Principal check too, and both failures are named", () => {
    const google = evaluateTrustWithTrace(alice, { type: "Federated", id: "accounts.google.com" }, "sts:AssumeRoleWithWebIdentity", { "accounts.google.com:sub": "1" });
    expect(texts(google)[0]?.[0]).toEqual([
      `Principal Federated ${PROVIDER} ✗ got Federated accounts.google.com`,
      "Action sts:AssumeRoleWithWebIdentity ✓",
      "StringEquals 127.0.0.1:9400:aud = web-identity-console ✗ got nothing (key absent)",
      "StringLike 127.0.0.1:9400:sub = alice ✗ got nothing (key absent)",
    ]);
    expect(google.summary).toBe(
      `No statement allows sts:AssumeRoleWithWebIdentity for Federated accounts.google.com: in the trust policy of AliceOnly, statement 1's Principal Federated ${PROVIDER} does not match Federated accounts.google.com and its condition StringEquals 127.0.0.1:9400:aud = web-identity-console is not met (the key is absent) and its condition StringLike 127.0.0.1:9400:sub = alice is not met (the key is absent).`,
    );
  });
});

describe("summaries of the other decisions", () => {
  const own: NamedPolicy = role("WebIdentityConsoleUser").permissionPolicies[0] as NamedPolicy;
  const key = `${BUCKET}/users/alice/a.txt`;
  const ctx = { action: "s3:PutObject", resource: key, keys: { [SUB]: "alice" } };

  it("an explicit Deny names the policy and statement", () => {
    const deny: PolicyStatement = { Sid: "NoWrites", Effect: "Deny", Action: "s3:Put*", Resource: "*" };
    const trace = evaluatePoliciesWithTrace([own, { name: "ReadOnlyGuard", document: { Version: "2012-10-17", Statement: [deny] } }], "identity", ctx);
    expect(trace.decision).toBe("ExplicitDeny");
    expect(trace.policies.map((p) => p.decision)).toEqual(["Allow", "ExplicitDeny"]);
    expect(trace.policies[1]?.statements[0]).toMatchObject({ index: 1, sid: "NoWrites", effect: "Deny", matched: true });
    expect(trace.summary).toBe(`Explicitly denied: in ReadOnlyGuard, statement 1 (NoWrites) denies s3:PutObject on ${key}.`);
  });

  it("a session policy that does not allow what the role allows", () => {
    const sessionDocs = sessionPolicies({ policyArns: ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"] });
    const trace = evaluateWithSessionPoliciesWithTrace([own], sessionDocs, ctx);
    expect(trace.decision).toBe("ImplicitDeny");
    expect(trace.policies.map((p) => [p.name, p.kind, p.decision])).toEqual([
      ["OwnFolder", "identity", "Allow"],
      ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess", "session", "ImplicitDeny"],
    ]);
    expect(trace.summary).toBe(
      `In OwnFolder, statement 1 allows s3:PutObject on ${key}, but no session policy does: in session policy arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess, statement 1's Action s3:Get* or s3:List* or s3-object-lambda:Get* or s3-object-lambda:List* does not match.`,
    );
  });

  it("an unknown managed policy ARN and an inline policy: named, and allowing nothing on their own", () => {
    const inline = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:PutObject", Resource: `${BUCKET}/users/*/a.txt` }] });
    const unknown = sessionPolicies({ policyArns: ["arn:aws:iam::123456789012:policy/NotInStack"] });
    expect(evaluateWithSessionPoliciesWithTrace([own], unknown, ctx).summary).toBe(
      `In OwnFolder, statement 1 allows s3:PutObject on ${key}, but no session policy does: session policy arn:aws:iam::123456789012:policy/NotInStack has no Allow statement.`,
    );
    const both = evaluateWithSessionPoliciesWithTrace([own], sessionPolicies({ sessionPolicy: inline, policyArns: ["arn:aws:iam::123456789012:policy/NotInStack"] }), ctx);
    expect(both.decision).toBe("Allow");
    expect(both.summary).toBe(`Allowed: in OwnFolder, statement 1 allows s3:PutObject on ${key}, and in session policy inline, statement 1 allows it too.`);
  });

  it("no policies at all", () => {
    expect(evaluatePoliciesWithTrace([], "identity", ctx).summary).toBe(`No statement allows s3:PutObject on ${key}: there are no policies to allow it.`);
  });
});

describe("evaluateSessionRequest (the S3 stand-in's authorizer)", () => {
  const key = (owner: string) => `${BUCKET}/users/${owner}/notes.txt`;

  it("decides with the role's permission policies and the session's keys; a trace only for a refusal unless asked", () => {
    expect(evaluateSessionRequest(config, session("alice"), { action: "s3:GetObject", resource: key("alice") })).toEqual({ decision: "Allow" });
    const refused = evaluateSessionRequest(config, session("bob"), { action: "s3:GetObject", resource: key("alice") });
    expect(refused.decision).toBe("ImplicitDeny");
    expect(refused.trace?.summary).toMatch(/^No statement allows s3:GetObject on .*users\/alice\/notes\.txt: in OwnFolder, statement 1's Resource .*users\/bob\/\* /);
    expect(refused.trace?.request.keys).toMatchObject({ [SUB]: ["bob"], "aws:userid": ["AROAEXAMPLEROLEID0001:bob"], "aws:PrincipalType": ["AssumedRole"] });
    const asked = evaluateSessionRequest(config, session("alice"), { action: "s3:GetObject", resource: key("alice") }, { trace: true });
    expect(asked.trace?.decision).toBe("Allow");
  });

  it("the request's own keys join the session's (s3:prefix for ListBucket)", () => {
    const list = (prefix: string) => evaluateSessionRequest(config, session("alice"), { action: "s3:ListBucket", resource: BUCKET, keys: { "s3:prefix": prefix } }).decision;
    expect([list("users/alice/"), list("users/bob/"), list("")]).toEqual(["Allow", "ImplicitDeny", "ImplicitDeny"]);
  });

  it("session policies passed to AssumeRoleWithWebIdentity narrow the role (inline and managed; unknown ARNs and other managed lists)", () => {
    const readOnly = session("alice", { policyArns: ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"] });
    expect(evaluateSessionRequest(config, readOnly, { action: "s3:GetObject", resource: key("alice") }).decision).toBe("Allow");
    expect(evaluateSessionRequest(config, readOnly, { action: "s3:PutObject", resource: key("alice") }).decision).toBe("ImplicitDeny");
    const inline = session("alice", { sessionPolicy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Deny", Action: "s3:DeleteObject", Resource: "*" }, { Effect: "Allow", Action: "s3:*", Resource: "*" }] }) });
    expect(evaluateSessionRequest(config, inline, { action: "s3:DeleteObject", resource: key("alice") }).decision).toBe("ExplicitDeny");
    expect(evaluateSessionRequest(config, inline, { action: "s3:PutObject", resource: key("alice") }).decision).toBe("Allow");
    const custom = session("alice", { policyArns: ["arn:aws:iam::123456789012:policy/PutOnly"] });
    expect(evaluateSessionRequest(config, custom, { action: "s3:PutObject", resource: key("alice") }).decision).toBe("ImplicitDeny");
    const managed = [{ arn: "arn:aws:iam::123456789012:policy/PutOnly", document: { Version: "2012-10-17", Statement: [{ Effect: "Allow" as const, Action: "s3:PutObject", Resource: "*" }] } }];
    expect(evaluateSessionRequest(config, custom, { action: "s3:PutObject", resource: key("alice") }, { managed }).decision).toBe("Allow");
    expect(evaluateSessionRequest(config, custom, { action: "s3:GetObject", resource: key("alice") }, { managed }).decision).toBe("ImplicitDeny");
  });

  it("a session whose role is gone is refused; traces never carry the session's keys or token", () => {
    const orphan = evaluateSessionRequest(config, session("alice", { roleArn: "arn:aws:iam::123456789012:role/Gone" }), { action: "s3:GetObject", resource: key("alice") });
    expect(orphan.decision).toBe("ImplicitDeny");
    expect(orphan.trace?.summary).toBe(`No statement allows s3:GetObject on ${key("alice")}: there are no policies to allow it.`);
    const s = session("bob");
    const json = JSON.stringify(evaluateSessionRequest(config, s, { action: "s3:GetObject", resource: key("alice") }).trace);
    expect(json).not.toContain(s.secretAccessKey);
    expect(json).not.toContain(s.accessKeyId);
  });
});

describe("createTraceStore", () => {
  const t = (summary: string): EvaluationTrace => ({ decision: "ImplicitDeny", request: { action: "s3:GetObject", keys: {} }, policies: [], summary });

  it("keeps the newest traces up to max, evicting the oldest; recording an id again refreshes it", () => {
    const store = createTraceStore({ max: 2 });
    store.record("r1", t("one"));
    store.record("r2", t("two"));
    store.record("r1", t("one again"));
    store.record("r3", t("three"));
    expect([store.get("r1")?.summary, store.get("r2")?.summary, store.get("r3")?.summary, store.size]).toEqual(["one again", undefined, "three", 2]);
  });

  it("defaults to 200 and refuses a nonsensical bound", () => {
    const store = createTraceStore();
    for (let i = 0; i < 250; i++) store.record(`r${i}`, t(String(i)));
    expect([store.size, store.get("r49"), store.get("r50")?.summary]).toEqual([200, undefined, "50"]);
    expect(() => createTraceStore({ max: 0 })).toThrow(RangeError);
  });
});
