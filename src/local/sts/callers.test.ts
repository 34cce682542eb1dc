import { describe, expect, it } from "vitest";
import { loadStackConfig, type RoleConfig } from "../config";
import { evaluateTrust } from "../iam/roles";
import { findUser } from "../iam/users";
import { callerContextKeys, callerIdentity, callerTrustPrincipal, isRootCaller, resolveCaller, type Caller } from "./callers";
import { createSessionStore } from "./sessions";
import { thrownFaultTriple } from "./testing";

const config = loadStackConfig();
const operator = findUser(config, "operator");
if (!operator) throw new Error("operator missing");
const user: Caller = { kind: "user", accessKeyId: operator.accessKeys[0]?.accessKeyId ?? "", user: operator };
const roleSession: Caller = {
  kind: "session",
  accessKeyId: "ASIAEXAMPLE",
  session: {
    accessKeyId: "ASIAEXAMPLE",
    secretAccessKey: "x".repeat(40),
    expiration: 1_900_000_000,
    account: "123456789012",
    assumedRoleArn: "arn:aws:sts::123456789012:assumed-role/DeployRole/s1",
    assumedRoleId: "AROAEXAMPLE:s1",
    roleArn: "arn:aws:iam::123456789012:role/demo/DeployRole",
    roleName: "DeployRole",
    roleSessionName: "s1",
  },
};

function trusting(principal: string): RoleConfig {
  return {
    name: "T",
    path: "/",
    maxSessionDuration: 3600,
    trustPolicy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: principal }, Action: "sts:AssumeRole" }] },
    permissionPolicies: [],
  };
}

describe("the caller as a trust policy's Principal.AWS names it", () => {
  it.each([
    ["arn:aws:iam::123456789012:user/operator", user, "Allow", "Allow"],
    ["arn:aws:iam::123456789012:root", user, "Allow", "ImplicitDeny"],
    ["123456789012", user, "Allow", "ImplicitDeny"],
    ["arn:aws:iam::123456789012:user/guest", user, "ImplicitDeny", "ImplicitDeny"],
    ["arn:aws:iam::210987654321:root", user, "ImplicitDeny", "ImplicitDeny"],
    ["arn:aws:iam::123456789012:role/demo/DeployRole", roleSession, "Allow", "ImplicitDeny"],
    ["arn:aws:sts::123456789012:assumed-role/DeployRole/s1", roleSession, "Allow", "Allow"],
    ["*", user, "Allow", "ImplicitDeny"],
  ] as const)("%s for %#: full %s, direct %s", (principal, caller, full, direct) => {
    const p = callerTrustPrincipal(config, caller);
    expect(evaluateTrust(trusting(principal), p.full, "sts:AssumeRole", {})).toBe(full);
    expect(evaluateTrust(trusting(principal), p.direct, "sts:AssumeRole", {})).toBe(direct);
  });
});

describe("callers", () => {
  it("resolves long-term keys without a token, refuses one with a token, and falls back to sessions", () => {
    const sessions = createSessionStore();
    const ctx = { config, sessions, now: () => Date.now() };
    const key = operator.accessKeys[0];
    expect(resolveCaller(ctx, key?.accessKeyId ?? "", undefined, Date.now()).principal).toMatchObject({ kind: "user", user: { name: "operator" } });
    expect(thrownFaultTriple(() => resolveCaller(ctx, key?.accessKeyId ?? "", "token", Date.now()))).toEqual([
      "InvalidClientTokenId",
      403,
      "The security token included in the request is invalid.",
    ]);
    const root = resolveCaller(ctx, config.root?.accessKeys[0]?.accessKeyId ?? "", undefined, Date.now()).principal;
    expect(isRootCaller(root)).toBe(true);
    expect(callerIdentity(config, root)).toEqual({ arn: "arn:aws:iam::123456789012:root", userId: "123456789012", account: "123456789012" });
    expect(thrownFaultTriple(() => resolveCaller(ctx, "ASIAUNKNOWN0000000000", undefined, Date.now()))[0]).toBe("InvalidClientTokenId");
  });

  it("an Inactive long-term key is refused like an unknown one: InvalidClientTokenId", () => {
    const copy = structuredClone(config);
    copy.iamUsers[0]?.accessKeys.push({ accessKeyId: "AKIARZPUZDIKPZZZZZZZ", secretAccessKey: "i".repeat(40), status: "Inactive" });
    const ctx = { config: copy, sessions: createSessionStore(), now: () => Date.now() };
    expect(thrownFaultTriple(() => resolveCaller(ctx, "AKIARZPUZDIKPZZZZZZZ", undefined, Date.now()))).toEqual([
      "InvalidClientTokenId",
      403,
      "The security token included in the request is invalid.",
    ]);
    expect(resolveCaller(ctx, operator.accessKeys[0]?.accessKeyId ?? "", undefined, Date.now()).principal.kind).toBe("user");
  });

  it("long-term keys bring no aws:MultiFactorAuthPresent; sessions bring false or true with the age", () => {
    expect(callerContextKeys(config, user, 0)).toEqual({
      "aws:userid": expect.stringMatching(/^AIDA/),
      "aws:PrincipalArn": "arn:aws:iam::123456789012:user/operator",
      "aws:PrincipalAccount": "123456789012",
      "aws:PrincipalType": "User",
      "aws:username": "operator",
    });
    expect(callerContextKeys(config, roleSession, 0)["aws:MultiFactorAuthPresent"]).toBe("false");
    const withMfa: Caller = { ...roleSession, session: { ...roleSession.session, mfaAuthenticatedAt: 1000 } };
    const keys = callerContextKeys(config, withMfa, 1_060_000);
    expect([keys["aws:MultiFactorAuthPresent"], keys["aws:MultiFactorAuthAge"]]).toEqual(["true", "60"]);
  });
});
