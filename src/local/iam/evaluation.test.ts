/**
 * Table-driven evaluation tests, after the IAM User Guide's documented examples ("Policy evaluation logic",
 * "Condition operators", "Single-valued vs. multivalued context keys", "Variables and tags", "Session policies").
 */
import { describe, expect, it } from "vitest";
import type { PolicyDocument, PolicyStatement } from "../config";
import { evaluateConditionOperator } from "./conditions";
import { evaluatePolicies, evaluateWithSessionPolicies, type Decision, type RequestContext } from "./policy";
import { parseDate, parseIp } from "./conditions";

const doc = (...Statement: PolicyStatement[]): PolicyDocument => ({ Version: "2012-10-17", Statement });
const BUCKET = "arn:aws:s3:::amzn-s3-demo-bucket";
const P = "127.0.0.1:9400";
const s3 = (action: string, resource: string, keys: RequestContext["keys"] = {}): RequestContext => ({ action, resource, keys });

describe("policy evaluation logic (IAM User Guide examples)", () => {
  const allowAll: PolicyStatement = { Effect: "Allow", Action: "s3:*", Resource: "*" };
  const denyDelete: PolicyStatement = { Effect: "Deny", Action: "s3:DeleteObject", Resource: `${BUCKET}/*` };
  const cases: [string, PolicyDocument[], RequestContext, Decision][] = [
    ["no policy: implicit deny", [], s3("s3:GetObject", `${BUCKET}/a`), "ImplicitDeny"],
    ["an Allow matches", [doc(allowAll)], s3("s3:GetObject", `${BUCKET}/a`), "Allow"],
    ["an explicit Deny overrides the Allow (same policy)", [doc(allowAll, denyDelete)], s3("s3:DeleteObject", `${BUCKET}/a`), "ExplicitDeny"],
    ["an explicit Deny overrides the Allow (another policy, either order)", [doc(denyDelete), doc(allowAll)], s3("s3:DeleteObject", `${BUCKET}/a`), "ExplicitDeny"],
    ["a Deny that does not match leaves the Allow", [doc(allowAll, denyDelete)], s3("s3:PutObject", `${BUCKET}/a`), "Allow"],
    ["Action wildcard s3:Get*", [doc({ Effect: "Allow", Action: "s3:Get*", Resource: "*" })], s3("s3:GetObjectTagging", `${BUCKET}/a`), "Allow"],
    ["Action wildcard does not cross services", [doc({ Effect: "Allow", Action: "s3:Get*", Resource: "*" })], s3("s3-object-lambda:GetObject", `${BUCKET}/a`), "ImplicitDeny"],
    ["Action names compare case-insensitively", [doc({ Effect: "Allow", Action: "S3:getobject", Resource: "*" })], s3("s3:GetObject", `${BUCKET}/a`), "Allow"],
    ["Resource with ?", [doc({ Effect: "Allow", Action: "s3:GetObject", Resource: `${BUCKET}/log-?.txt` })], s3("s3:GetObject", `${BUCKET}/log-1.txt`), "Allow"],
    ["Resource ? is one character", [doc({ Effect: "Allow", Action: "s3:GetObject", Resource: `${BUCKET}/log-?.txt` })], s3("s3:GetObject", `${BUCKET}/log-10.txt`), "ImplicitDeny"],
    ["Resource is case-sensitive", [doc({ Effect: "Allow", Action: "s3:GetObject", Resource: `${BUCKET}/Public/*` })], s3("s3:GetObject", `${BUCKET}/public/a`), "ImplicitDeny"],
    ["Resource list: any one matches", [doc({ Effect: "Allow", Action: "s3:ListBucket", Resource: [`${BUCKET}/x/*`, BUCKET] })], s3("s3:ListBucket", BUCKET), "Allow"],
    // "Deny everything outside IAM unless MFA": NotAction with a Deny.
    ["NotAction Allow: everything except IAM", [doc({ Effect: "Allow", NotAction: "iam:*", Resource: "*" })], s3("s3:GetObject", `${BUCKET}/a`), "Allow"],
    ["NotAction Allow: not IAM itself", [doc({ Effect: "Allow", NotAction: "iam:*", Resource: "*" })], s3("iam:CreateUser", "arn:aws:iam::123456789012:user/x"), "ImplicitDeny"],
    ["NotAction Deny blocks all but the listed", [doc(allowAll, { Effect: "Deny", NotAction: ["s3:GetObject", "s3:ListBucket"], Resource: "*" })], s3("s3:PutObject", `${BUCKET}/a`), "ExplicitDeny"],
    ["NotAction Deny spares the listed", [doc(allowAll, { Effect: "Deny", NotAction: ["s3:GetObject", "s3:ListBucket"], Resource: "*" })], s3("s3:GetObject", `${BUCKET}/a`), "Allow"],
    // "Deny access to everything but HRBucket/Payroll": NotResource with a Deny.
    ["NotResource Deny spares the listed resource", [doc(allowAll, { Effect: "Deny", Action: "s3:*", NotResource: [`${BUCKET}/Payroll`, `${BUCKET}/Payroll/*`] })], s3("s3:GetObject", `${BUCKET}/Payroll/a`), "Allow"],
    ["NotResource Deny denies the rest", [doc(allowAll, { Effect: "Deny", Action: "s3:*", NotResource: [`${BUCKET}/Payroll`, `${BUCKET}/Payroll/*`] })], s3("s3:GetObject", `${BUCKET}/Other/a`), "ExplicitDeny"],
    // "Allow a user's home folder": ${aws:username}, defaults, the ${127.0.0.1:9400:sub} form.
    ["${aws:username} fills in the folder", [doc({ Effect: "Allow", Action: "s3:*", Resource: `${BUCKET}/home/\${aws:username}/*` })], s3("s3:GetObject", `${BUCKET}/home/Bob/a`, { "aws:username": "Bob" }), "Allow"],
    ["${aws:username} is not another user's folder", [doc({ Effect: "Allow", Action: "s3:*", Resource: `${BUCKET}/home/\${aws:username}/*` })], s3("s3:GetObject", `${BUCKET}/home/Alice/a`, { "aws:username": "Bob" }), "ImplicitDeny"],
    ["a missing variable matches nothing (web identities have no aws:username)", [doc({ Effect: "Allow", Action: "s3:*", Resource: `${BUCKET}/home/\${aws:username}/*` })], s3("s3:GetObject", `${BUCKET}/home//a`, { "aws:userid": "AROAX:s" }), "ImplicitDeny"],
    ["a missing variable in a Deny: the Deny does not apply", [doc(allowAll, { Effect: "Deny", Action: "s3:*", Resource: `${BUCKET}/\${aws:username}/*` })], s3("s3:GetObject", `${BUCKET}/x/a`), "Allow"],
    ["${aws:userid} (role-id:session for assumed roles)", [doc({ Effect: "Allow", Action: "s3:*", Resource: `${BUCKET}/\${aws:userid}/*` })], s3("s3:GetObject", `${BUCKET}/AROAEXAMPLE:alice/a`, { "aws:userid": "AROAEXAMPLE:alice" }), "Allow"],
    ["a default fills in for a missing key", [doc({ Effect: "Allow", Action: "s3:*", Resource: `${BUCKET}/\${aws:PrincipalTag/team, 'company-wide'}/*` })], s3("s3:GetObject", `${BUCKET}/company-wide/a`), "Allow"],
    ["the key's value wins over the default", [doc({ Effect: "Allow", Action: "s3:*", Resource: `${BUCKET}/\${aws:PrincipalTag/team, 'company-wide'}/*` })], s3("s3:GetObject", `${BUCKET}/company-wide/a`, { "aws:PrincipalTag/team": "red" }), "ImplicitDeny"],
    ["${host:port:sub}: a key name with colons and a port", [doc({ Effect: "Allow", Action: "s3:*", Resource: `${BUCKET}/users/\${${P}:sub}/*` })], s3("s3:GetObject", `${BUCKET}/users/alice/a`, { [`${P}:sub`]: "alice" }), "Allow"],
    ["a variable's value is literal text (no wildcard)", [doc({ Effect: "Allow", Action: "s3:*", Resource: `${BUCKET}/users/\${${P}:sub}/*` })], s3("s3:GetObject", `${BUCKET}/users/bob/a`, { [`${P}:sub`]: "?o?" }), "ImplicitDeny"],
    ["Version 2008-10-17 takes ${…} literally", [{ Version: "2008-10-17", Statement: [{ Effect: "Allow", Action: "s3:*", Resource: `${BUCKET}/\${aws:username}/*` }] }], s3("s3:GetObject", `${BUCKET}/\${aws:username}/a`, { "aws:username": "Bob" }), "Allow"],
    ["Version 2008-10-17: no substitution", [{ Version: "2008-10-17", Statement: [{ Effect: "Allow", Action: "s3:*", Resource: `${BUCKET}/\${aws:username}/*` }] }], s3("s3:GetObject", `${BUCKET}/Bob/a`, { "aws:username": "Bob" }), "ImplicitDeny"],
    ["variables in condition values", [doc({ Effect: "Allow", Action: "s3:ListBucket", Resource: BUCKET, Condition: { StringLike: { "s3:prefix": [`users/\${${P}:sub}/*`, `users/\${${P}:sub}/`] } } })], s3("s3:ListBucket", BUCKET, { [`${P}:sub`]: "alice", "s3:prefix": "users/alice/" }), "Allow"],
    ["variables in condition values: another prefix", [doc({ Effect: "Allow", Action: "s3:ListBucket", Resource: BUCKET, Condition: { StringLike: { "s3:prefix": [`users/\${${P}:sub}/*`] } } })], s3("s3:ListBucket", BUCKET, { [`${P}:sub`]: "alice", "s3:prefix": "users/bob/" }), "ImplicitDeny"],
    // "Deny requests not over TLS" (aws:SecureTransport).
    ["Bool Deny on aws:SecureTransport false", [doc(allowAll, { Effect: "Deny", Action: "s3:*", Resource: "*", Condition: { Bool: { "aws:SecureTransport": "false" } } })], s3("s3:GetObject", `${BUCKET}/a`, { "aws:SecureTransport": "false" }), "ExplicitDeny"],
    ["Bool Deny spares TLS requests", [doc(allowAll, { Effect: "Deny", Action: "s3:*", Resource: "*", Condition: { Bool: { "aws:SecureTransport": false } } })], s3("s3:GetObject", `${BUCKET}/a`, { "aws:SecureTransport": "true" }), "Allow"],
    // "Deny unless MFA": BoolIfExists passes when the key is absent.
    ["BoolIfExists Deny applies when the key is absent", [doc(allowAll, { Effect: "Deny", Action: "s3:*", Resource: "*", Condition: { BoolIfExists: { "aws:MultiFactorAuthPresent": "false" } } })], s3("s3:GetObject", `${BUCKET}/a`), "ExplicitDeny"],
    ["BoolIfExists Deny spares MFA sessions", [doc(allowAll, { Effect: "Deny", Action: "s3:*", Resource: "*", Condition: { BoolIfExists: { "aws:MultiFactorAuthPresent": "false" } } })], s3("s3:GetObject", `${BUCKET}/a`, { "aws:MultiFactorAuthPresent": "true" }), "Allow"],
  ];
  it.each(cases)("%s", (_name, policies, ctx, expected) => {
    expect(evaluatePolicies(policies, ctx)).toBe(expected);
  });
});

describe("condition operators (IAM User Guide examples)", () => {
  type Row = [operator: string, block: Record<string, string | string[] | boolean>, keys: RequestContext["keys"], expected: boolean];
  const rows: Row[] = [
    // String
    ["StringEquals", { "aws:PrincipalTag/job-category": "iamuser-admin" }, { "aws:PrincipalTag/job-category": "iamuser-admin" }, true],
    ["StringEquals", { "aws:PrincipalTag/job-category": "iamuser-admin" }, { "aws:PrincipalTag/job-category": "IAMUser-Admin" }, false],
    ["StringEqualsIgnoreCase", { "aws:PrincipalTag/job-category": "iamuser-admin" }, { "aws:PrincipalTag/job-category": "IAMUser-Admin" }, true],
    ["StringNotEquals", { k: ["a", "b"] }, { k: "a" }, false], // NOR over values
    ["StringNotEquals", { k: ["a", "b"] }, { k: "c" }, true],
    ["StringNotEqualsIgnoreCase", { k: ["a", "b"] }, { k: "B" }, false],
    ["StringLike", { "s3:prefix": ["", "home/", "home/${aws:username}/*"] }, { "s3:prefix": "home/Bob/x", "aws:username": "Bob" }, true],
    ["StringLike", { "s3:prefix": ["", "home/", "home/${aws:username}/*"] }, { "s3:prefix": "", "aws:username": "Bob" }, true],
    ["StringLike", { "s3:prefix": ["", "home/", "home/${aws:username}/*"] }, { "s3:prefix": "home/Alice/x", "aws:username": "Bob" }, false],
    ["StringNotLike", { k: ["a*", "b*"] }, { k: "bee" }, false],
    ["StringNotLike", { k: ["a*", "b*"] }, { k: "cat" }, true],
    // Several keys in one operator: AND
    ["StringEquals", { a: "1", b: "2" }, { a: "1", b: "2" }, true],
    ["StringEquals", { a: "1", b: "2" }, { a: "1", b: "3" }, false],
    // Numeric
    ["NumericLessThanEquals", { "s3:max-keys": "10" }, { "s3:max-keys": "10" }, true],
    ["NumericLessThanEquals", { "s3:max-keys": "10" }, { "s3:max-keys": "11" }, false],
    ["NumericLessThan", { n: "10" }, { n: "9.5" }, true],
    ["NumericGreaterThan", { n: "10" }, { n: "10" }, false],
    ["NumericGreaterThanEquals", { n: "10" }, { n: "1e1" }, true],
    ["NumericEquals", { n: "10" }, { n: "10.0" }, true],
    ["NumericNotEquals", { n: ["1", "2"] }, { n: "3" }, true],
    ["NumericNotEquals", { n: ["1", "2"] }, { n: "2" }, false],
    ["NumericEquals", { n: "10" }, { n: "ten" }, false], // not a number: no match
    ["NumericLessThan", { n: "10" }, {}, false],
    // Date (ISO 8601 and epoch seconds)
    ["DateGreaterThan", { "aws:TokenIssueTime": "2020-01-01T00:00:01Z" }, { "aws:TokenIssueTime": "2024-05-01T12:00:00Z" }, true],
    ["DateGreaterThan", { "aws:TokenIssueTime": "2020-01-01T00:00:01Z" }, { "aws:TokenIssueTime": "2019-12-31T23:59:59Z" }, false],
    ["DateLessThan", { "aws:CurrentTime": "2025-06-30T00:00:00Z" }, { "aws:CurrentTime": "2025-06-29T23:59:59Z" }, true],
    ["DateLessThanEquals", { "aws:EpochTime": "1735732800" }, { "aws:EpochTime": "1735732800" }, true],
    ["DateEquals", { "aws:CurrentTime": "2025-01-01T12:00:00Z" }, { "aws:CurrentTime": "1735732800" }, true], // ISO vs epoch
    ["DateEquals", { "aws:CurrentTime": "2025-01-01T13:00:00+01:00" }, { "aws:CurrentTime": "2025-01-01T12:00:00Z" }, true],
    ["DateNotEquals", { d: "2025-01-01" }, { d: "2025-01-02" }, true],
    ["DateGreaterThanEquals", { d: "2025-01-01" }, { d: "not a date" }, false],
    // Bool
    ["Bool", { "aws:SecureTransport": "true" }, { "aws:SecureTransport": "true" }, true],
    ["Bool", { "aws:SecureTransport": true }, { "aws:SecureTransport": "false" }, false],
    ["Bool", { "aws:SecureTransport": "true" }, {}, false],
    // BinaryEquals (base64)
    ["BinaryEquals", { key: "QmluYXJ5VmFsdWVJbkJhc2U2NA==" }, { key: "QmluYXJ5VmFsdWVJbkJhc2U2NA==" }, true],
    ["BinaryEquals", { key: "QmluYXJ5VmFsdWVJbkJhc2U2NA==" }, { key: "T3RoZXJWYWx1ZQ==" }, false],
    // IpAddress / NotIpAddress, IPv4 and IPv6
    ["IpAddress", { "aws:SourceIp": "203.0.113.0/24" }, { "aws:SourceIp": "203.0.113.77" }, true],
    ["IpAddress", { "aws:SourceIp": "203.0.113.0/24" }, { "aws:SourceIp": "203.0.114.1" }, false],
    ["IpAddress", { "aws:SourceIp": ["203.0.113.0/24", "2001:DB8:1234:5678::/64"] }, { "aws:SourceIp": "2001:db8:1234:5678:abcd::1" }, true],
    ["IpAddress", { "aws:SourceIp": "2001:DB8:1234:5678::/64" }, { "aws:SourceIp": "2001:db8:1234:5679::1" }, false],
    ["IpAddress", { "aws:SourceIp": "127.0.0.1/32" }, { "aws:SourceIp": "::ffff:127.0.0.1" }, true], // Node's IPv4-mapped form
    ["IpAddress", { "aws:SourceIp": "127.0.0.1" }, { "aws:SourceIp": "127.0.0.2" }, false], // a bare address is a /32
    ["IpAddress", { "aws:SourceIp": "::1/128" }, { "aws:SourceIp": "::1" }, true],
    ["IpAddress", { "aws:SourceIp": "0.0.0.0/0" }, { "aws:SourceIp": "::1" }, false], // families differ
    ["IpAddress", { "aws:SourceIp": "10.0.0.0/8" }, { "aws:SourceIp": "not-an-ip" }, false],
    ["NotIpAddress", { "aws:SourceIp": ["192.0.2.0/24", "203.0.113.0/24"] }, { "aws:SourceIp": "198.51.100.7" }, true],
    ["NotIpAddress", { "aws:SourceIp": ["192.0.2.0/24", "203.0.113.0/24"] }, { "aws:SourceIp": "192.0.2.9" }, false],
    // Arn*: each of the six components on its own
    ["ArnEquals", { "aws:SourceArn": "arn:aws:sns:us-east-1:123456789012:my-topic" }, { "aws:SourceArn": "arn:aws:sns:us-east-1:123456789012:my-topic" }, true],
    ["ArnLike", { "aws:PrincipalArn": "arn:aws:iam::*:role/Admin*" }, { "aws:PrincipalArn": "arn:aws:iam::123456789012:role/AdminOps" }, true],
    ["ArnLike", { "aws:PrincipalArn": "arn:aws:iam::*:role/Admin*" }, { "aws:PrincipalArn": "arn:aws:iam::123456789012:user/AdminOps" }, false],
    ["ArnLike", { "aws:SourceArn": "arn:aws:s3:::*" }, { "aws:SourceArn": "arn:aws:s3:::bucket/key:with:colons" }, true],
    ["ArnLike", { "aws:SourceArn": "arn:aws:*:us-east-1:*:*" }, { "aws:SourceArn": "arn:aws:sns:eu-west-1:1:t" }, false], // * stays in its component
    ["ArnLike", { "aws:SourceArn": "arn:aws:sns:*:*:*" }, { "aws:SourceArn": "not:an:arn" }, false],
    ["ArnNotEquals", { "aws:SourceArn": "arn:aws:sns:us-east-1:123456789012:my-topic" }, { "aws:SourceArn": "arn:aws:sns:us-east-1:123456789012:other" }, true],
    ["ArnNotLike", { "aws:PrincipalArn": "arn:aws:iam::*:role/Admin*" }, { "aws:PrincipalArn": "arn:aws:iam::123456789012:role/AdminOps" }, false],
    ["ArnNotLike", { "aws:PrincipalArn": "arn:aws:iam::*:role/Admin*" }, {}, true], // negated: a missing key passes
    // Null: "true" means absent
    ["Null", { "aws:TokenIssueTime": "true" }, {}, true],
    ["Null", { "aws:TokenIssueTime": "true" }, { "aws:TokenIssueTime": "2025-01-01T00:00:00Z" }, false],
    ["Null", { "aws:TokenIssueTime": "false" }, { "aws:TokenIssueTime": "2025-01-01T00:00:00Z" }, true],
    ["Null", { "aws:TokenIssueTime": false }, {}, false],
    // …IfExists: absent passes; present is compared
    ["StringLikeIfExists", { "ec2:InstanceType": ["t1.*", "t2.*", "m3.*"] }, {}, true],
    ["StringLikeIfExists", { "ec2:InstanceType": ["t1.*", "t2.*", "m3.*"] }, { "ec2:InstanceType": "t2.micro" }, true],
    ["StringLikeIfExists", { "ec2:InstanceType": ["t1.*", "t2.*", "m3.*"] }, { "ec2:InstanceType": "c5.large" }, false],
    ["NumericLessThanIfExists", { "s3:max-keys": "10" }, { "s3:max-keys": "100" }, false],
    ["IpAddressIfExists", { "aws:SourceIp": "10.0.0.0/8" }, {}, true],
    // ForAllValues / ForAnyValue (multivalued keys, e.g. aws:TagKeys)
    ["ForAllValues:StringEquals", { "aws:TagKeys": ["environment", "cost-center"] }, { "aws:TagKeys": ["environment"] }, true],
    ["ForAllValues:StringEquals", { "aws:TagKeys": ["environment", "cost-center"] }, { "aws:TagKeys": ["environment", "owner"] }, false],
    ["ForAllValues:StringEquals", { "aws:TagKeys": ["environment", "cost-center"] }, { "aws:TagKeys": [] }, true], // empty set: true
    ["ForAllValues:StringEquals", { "aws:TagKeys": ["environment", "cost-center"] }, {}, true], // missing: true
    ["ForAnyValue:StringEquals", { "aws:TagKeys": ["environment", "cost-center"] }, { "aws:TagKeys": ["owner", "cost-center"] }, true],
    ["ForAnyValue:StringEquals", { "aws:TagKeys": ["environment", "cost-center"] }, { "aws:TagKeys": ["owner"] }, false],
    ["ForAnyValue:StringEquals", { "aws:TagKeys": ["environment", "cost-center"] }, { "aws:TagKeys": [] }, false], // empty set: false
    ["ForAnyValue:StringEquals", { "aws:TagKeys": ["environment", "cost-center"] }, {}, false], // missing: false
    ["ForAnyValue:StringLike", { [`${P}:amr`]: "authenticated" }, { [`${P}:amr`]: ["authenticated", "pwd"] }, true],
    ["ForAnyValue:StringNotEquals", { k: ["a"] }, { k: ["a", "b"] }, true], // some value is not a
    ["ForAllValues:StringNotEquals", { k: ["a"] }, { k: ["b", "c"] }, true], // no value is a
    ["ForAllValues:StringNotEquals", { k: ["a"] }, { k: ["b", "a"] }, false],
    ["ForAllValues:StringLike", { k: ["a*"] }, { k: ["ab", "ac"] }, true],
    ["ForAnyValue:StringEqualsIfExists", { k: ["a"] }, {}, true],
    ["ForAnyValue:NumericGreaterThan", { n: "5" }, { n: ["1", "9"] }, true],
    // Null takes no set operator or IfExists
    ["ForAnyValue:Null", { k: "true" }, {}, false],
  ];
  it.each(rows)("%s %j with %j → %s", (operator, block, keys, expected) => {
    expect(evaluateConditionOperator(operator, block, keys)).toBe(expected);
  });

  it("parses the address and date forms it compares", () => {
    expect(parseIp("2001:db8::1")).toEqual({ bits: 128, value: (0x20010db8n << 96n) | 1n });
    expect(parseIp("::ffff:10.1.2.3")).toEqual({ bits: 32, value: 0x0a010203n });
    expect(parseIp("fe80::1%eth0")).toEqual({ bits: 128, value: (0xfe80n << 112n) | 1n });
    expect([parseIp("1.2.3.256"), parseIp("1::2::3"), parseIp("1:2:3:4:5:6:7:8:9"), parseIp("12345::")]).toEqual([undefined, undefined, undefined, undefined]);
    expect(parseDate("2025-01-01T12:00:00Z")).toBe(Date.UTC(2025, 0, 1, 12));
    expect(parseDate("2025-01-01T12:00:00")).toBe(Date.UTC(2025, 0, 1, 12)); // no zone: UTC
    expect(parseDate("1735732800")).toBe(Date.UTC(2025, 0, 1, 12));
    expect(parseDate("Wed, 01 Jan 2025 12:00:00 GMT")).toBeUndefined();
  });
});

describe("session policies intersect with the role's identity policies", () => {
  const own = doc({ Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject"], Resource: `${BUCKET}/users/\${${P}:sub}/*` });
  const readOnly = doc({ Effect: "Allow", Action: ["s3:Get*", "s3:List*"], Resource: "*" });
  const keys = { [`${P}:sub`]: "alice" };
  const cases: [string, PolicyDocument[], PolicyDocument[], RequestContext, Decision][] = [
    ["no session policy: the role's policies decide", [own], [], s3("s3:PutObject", `${BUCKET}/users/alice/a`, keys), "Allow"],
    ["both allow", [own], [readOnly], s3("s3:GetObject", `${BUCKET}/users/alice/a`, keys), "Allow"],
    ["the role allows, the session policy does not", [own], [readOnly], s3("s3:PutObject", `${BUCKET}/users/alice/a`, keys), "ImplicitDeny"],
    ["the session policy allows, the role does not (a session policy never grants)", [own], [readOnly], s3("s3:GetObject", `${BUCKET}/users/bob/a`, keys), "ImplicitDeny"],
    ["any one of several session policies allowing is enough", [own], [readOnly, doc({ Effect: "Allow", Action: "s3:PutObject", Resource: "*" })], s3("s3:PutObject", `${BUCKET}/users/alice/a`, keys), "Allow"],
    ["a Deny in a session policy wins", [own], [readOnly, doc({ Effect: "Deny", Action: "s3:GetObject", Resource: `${BUCKET}/users/*/secret*` })], s3("s3:GetObject", `${BUCKET}/users/alice/secret.txt`, keys), "ExplicitDeny"],
    ["a Deny in the role's policies wins", [own, doc({ Effect: "Deny", Action: "s3:*", Resource: "*" })], [readOnly], s3("s3:GetObject", `${BUCKET}/users/alice/a`, keys), "ExplicitDeny"],
    ["an empty session policy allows nothing", [own], [{ Version: "2012-10-17", Statement: [] }], s3("s3:GetObject", `${BUCKET}/users/alice/a`, keys), "ImplicitDeny"],
  ];
  it.each(cases)("%s", (_name, identity, session, ctx, expected) => {
    expect(evaluateWithSessionPolicies(identity, session, ctx)).toBe(expected);
  });
});
