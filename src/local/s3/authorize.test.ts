import { describe, expect, it } from "vitest";
import { loadStackConfig, type StackConfig } from "../config";
import { createTraceStore } from "../iam/trace";
import { findUser, userUniqueId, type IamUserConfig } from "../iam/users";
import type { Caller } from "../sts/callers";
import { createSessionStore } from "../sts/sessions";
import { checkPermission, s3Arn, type RequestCircumstances } from "./authorize";
import { S3Fault } from "./errors";
import type { S3Caller } from "./sigv4";

const config = loadStackConfig();
const sessions = createSessionStore();
const BUCKET = "web-identity-console-demo";
const NOW = Date.UTC(2025, 0, 2, 3, 4, 5);

function userOf(c: StackConfig, name: string): IamUserConfig {
  const user = findUser(c, name);
  if (!user) throw new Error(`no user ${name}`);
  return user;
}

function signed(principal: Caller): S3Caller {
  return { kind: "signed", principal, sessions, accessKeyId: principal.accessKeyId, authType: "REST-HEADER", signatureAgeMs: 10, payloadHash: "UNSIGNED-PAYLOAD" };
}

const asUser = (c: StackConfig, name: string) => signed({ kind: "user", accessKeyId: userOf(c, name).accessKeys[0]?.accessKeyId ?? "", user: userOf(c, name) });
const asRoot = signed({ kind: "root", accessKeyId: config.root?.accessKeys[0]?.accessKeyId ?? "" });

let counter = 0;
const at = (): RequestCircumstances => ({ requestId: `REQ${++counter}`, sourceIp: "127.0.0.1", now: NOW });

/** Run a permission check: "Allow", or the refusal's code with what was recorded under its request id. */
function decide(c: StackConfig, caller: S3Caller, action: string, key?: string, keys?: Record<string, string>) {
  const traces = createTraceStore();
  const when = at();
  try {
    checkPermission(c, traces, caller, { action, resource: s3Arn("aws", BUCKET, key), ...(keys ? { keys } : {}) }, when);
    return { outcome: "Allow" as const };
  } catch (e) {
    if (!(e instanceof S3Fault)) throw e;
    return { outcome: `${e.code} ${e.status} ${e.message}`, trace: traces.get(when.requestId), encoded: traces.encodedMessage(when.requestId) };
  }
}

describe("S3 authorization of IAM users and the root (long-term keys)", () => {
  it("operator (stack.json): reads the whole bucket, writes and deletes only under iam/${aws:username}/", () => {
    const operator = asUser(config, "operator");
    expect(decide(config, operator, "s3:GetObject", "users/alice/welcome.txt").outcome).toBe("Allow");
    expect(decide(config, operator, "s3:ListBucket", undefined, { "s3:prefix": "users/" }).outcome).toBe("Allow");
    expect(decide(config, operator, "s3:PutObject", "iam/operator/notes.txt").outcome).toBe("Allow");
    expect(decide(config, operator, "s3:DeleteObject", "iam/operator/notes.txt").outcome).toBe("Allow");
    const elsewhere = decide(config, operator, "s3:PutObject", "iam/guest/notes.txt");
    expect(elsewhere.outcome).toBe("AccessDenied 403 Access Denied");
    expect(elsewhere.trace?.decision).toBe("ImplicitDeny");
    const written = elsewhere.trace?.policies.find((p) => p.name === "WriteOwnFolder")?.statements[0]?.checks.find((c) => c.element === "Resource");
    expect(written).toMatchObject({ ok: false, expected: [`arn:aws:s3:::${BUCKET}/iam/\${aws:username}/*`], resolved: [`arn:aws:s3:::${BUCKET}/iam/operator/*`] });
  });

  it("guest has no policies: refused, with a trace and an encoded authorization message naming the user", () => {
    const refused = decide(config, asUser(config, "guest"), "s3:GetObject", "users/alice/welcome.txt");
    expect(refused.outcome).toBe("AccessDenied 403 Access Denied");
    expect(refused.trace?.summary).toBe(`No statement allows s3:GetObject on arn:aws:s3:::${BUCKET}/users/alice/welcome.txt: there are no policies to allow it.`);
    const decoded = JSON.parse(sessions.openMessage(refused.encoded ?? "") ?? "{}") as { allowed: boolean; context: { principal: unknown; action: string; conditions: { items: { key: string }[] } } };
    const guest = userOf(config, "guest");
    expect(decoded.allowed).toBe(false);
    expect(decoded.context.principal).toEqual({ id: userUniqueId(config, guest), name: "guest", arn: "arn:aws:iam::123456789012:user/guest" });
    expect(decoded.context.action).toBe("s3:GetObject");
    const keys = decoded.context.conditions.items.map((i) => i.key);
    expect(keys).toEqual(expect.arrayContaining(["aws:username", "aws:userid", "aws:PrincipalType", "s3:authType", "aws:SourceIp"]));
    expect(keys).not.toContain("aws:MultiFactorAuthPresent"); // absent for long-term credentials
  });

  it("${aws:userid} resolves to the user's AIDA id; an explicit Deny wins over an Allow", () => {
    const c = structuredClone(config);
    const guest = userOf(c, "guest");
    const id = userUniqueId(c, guest);
    guest.permissionPolicies = [
      {
        name: "ById",
        document: {
          Version: "2012-10-17",
          Statement: [
            { Effect: "Allow", Action: "s3:*", Resource: `arn:aws:s3:::${BUCKET}/by-id/\${aws:userid}/*` },
            { Effect: "Deny", Action: "s3:DeleteObject", Resource: "*", Condition: { StringEquals: { "aws:username": "guest" } } },
          ],
        },
      },
    ];
    const caller = asUser(c, "guest");
    expect(decide(c, caller, "s3:PutObject", `by-id/${id}/x`).outcome).toBe("Allow");
    expect(decide(c, caller, "s3:PutObject", "by-id/AIDAOTHER/x").outcome).toBe("AccessDenied 403 Access Denied");
    const denied = decide(c, caller, "s3:DeleteObject", `by-id/${id}/x`);
    expect([denied.outcome, denied.trace?.decision]).toEqual(["AccessDenied 403 Access Denied", "ExplicitDeny"]);
  });

  it("the root may do everything in its own account's bucket, and list its buckets", () => {
    for (const [action, key] of [["s3:PutObject", "anywhere/x"], ["s3:GetObject", "users/bob/welcome.txt"], ["s3:DeleteObject", "users/alice/welcome.txt"], ["s3:ListBucket", undefined]] as const) {
      expect(decide(config, asRoot, action, key).outcome).toBe("Allow");
    }
    const traces = createTraceStore();
    expect(() => checkPermission(config, traces, asRoot, { action: "s3:ListAllMyBuckets", resource: "*" }, at())).not.toThrow();
  });
});
