import { describe, expect, it } from "vitest";
import type { PolicyDocument, PolicyStatement } from "../config";
import {
  evaluateConditionOperator,
  evaluatePolicies,
  evaluateWithSessionPolicies,
  matchesPattern,
  parsePolicyDocument,
  PolicyDocumentError,
  statementMatches,
  type RequestContext,
} from "./policy";

const PROVIDER = "arn:aws:iam::123456789012:oidc-provider/127.0.0.1:9400";
const P = "127.0.0.1:9400";

function trust(condition?: PolicyStatement["Condition"], effect: "Allow" | "Deny" = "Allow"): PolicyStatement {
  return {
    Effect: effect,
    Principal: { Federated: PROVIDER },
    Action: "sts:AssumeRoleWithWebIdentity",
    ...(condition ? { Condition: condition } : {}),
  };
}

function ctx(keys: RequestContext["keys"], overrides: Partial<RequestContext> = {}): RequestContext {
  return { action: "sts:AssumeRoleWithWebIdentity", principal: { type: "Federated", id: PROVIDER }, keys, ...overrides };
}

const doc = (...Statement: PolicyStatement[]): PolicyDocument => ({ Version: "2012-10-17", Statement });

describe("policy evaluation logic", () => {
  it("allows when a statement matches, denies implicitly otherwise, and an explicit Deny wins", () => {
    const allow = trust({ StringEquals: { [`${P}:aud`]: "web-identity-console" } });
    expect(evaluatePolicies([doc(allow)], ctx({ [`${P}:aud`]: "web-identity-console" }))).toBe("Allow");
    expect(evaluatePolicies([doc(allow)], ctx({ [`${P}:aud`]: "other" }))).toBe("ImplicitDeny");
    const deny = trust({ StringEquals: { [`${P}:sub`]: "bob" } }, "Deny");
    expect(evaluatePolicies([doc(allow, deny)], ctx({ [`${P}:aud`]: "web-identity-console", [`${P}:sub`]: "bob" }))).toBe("ExplicitDeny");
    expect(evaluatePolicies([doc(allow), doc(deny)], ctx({ [`${P}:aud`]: "web-identity-console", [`${P}:sub`]: "alice" }))).toBe("Allow");
  });

  it("matches Principal.Federated exactly, and ignores statements without Principal in trust evaluation", () => {
    expect(statementMatches(trust(), ctx({}))).toBe(true);
    expect(statementMatches(trust(), ctx({}, { principal: { type: "Federated", id: `${PROVIDER}x` } }))).toBe(false);
    expect(statementMatches(trust(), ctx({}, { principal: { type: "AWS", id: PROVIDER } }))).toBe(false);
    expect(statementMatches({ Effect: "Allow", Action: "sts:*" }, ctx({}))).toBe(false);
    expect(statementMatches({ Effect: "Allow", Principal: "*", Action: "sts:*" }, ctx({}))).toBe(true);
    expect(statementMatches({ Effect: "Allow", NotPrincipal: { Federated: "x" }, Action: "sts:*" }, ctx({}))).toBe(true);
  });

  it("matches actions case-insensitively with * and ? wildcards, and NotAction", () => {
    expect(statementMatches({ ...trust(), Action: "STS:AssumeRoleWith*" }, ctx({}))).toBe(true);
    expect(statementMatches({ ...trust(), Action: ["s3:*", "sts:AssumeRoleWithWebIdentit?"] }, ctx({}))).toBe(true);
    expect(statementMatches({ ...trust(), Action: "sts:AssumeRole" }, ctx({}))).toBe(false);
    expect(statementMatches({ Effect: "Allow", Principal: "*", NotAction: "sts:TagSession" }, ctx({}))).toBe(true);
  });

  it("compares condition values case-sensitively and key names case-insensitively", () => {
    const s = trust({ StringEquals: { [`${P}:SUB`]: "alice" } });
    expect(statementMatches(s, ctx({ [`${P}:sub`]: "alice" }))).toBe(true);
    expect(statementMatches(s, ctx({ [`${P}:sub`]: "Alice" }))).toBe(false);
    expect(statementMatches(trust({ StringEqualsIgnoreCase: { [`${P}:sub`]: "ALICE" } }), ctx({ [`${P}:sub`]: "alice" }))).toBe(true);
  });

  it("ANDs operators and keys, ORs the values of one key", () => {
    const s = trust({ StringEquals: { [`${P}:aud`]: "web", [`${P}:sub`]: ["alice", "carol"] }, StringLike: { [`${P}:azp`]: "w*" } });
    expect(statementMatches(s, ctx({ [`${P}:aud`]: "web", [`${P}:sub`]: "carol", [`${P}:azp`]: "web" }))).toBe(true);
    expect(statementMatches(s, ctx({ [`${P}:aud`]: "web", [`${P}:sub`]: "bob", [`${P}:azp`]: "web" }))).toBe(false);
    expect(statementMatches(s, ctx({ [`${P}:aud`]: "web", [`${P}:sub`]: "alice" }))).toBe(false); // azp missing
  });
});

describe("condition operators", () => {
  const k = `${P}:sub`;
  it("StringLike / StringNotLike with * and ? (and literal text elsewhere)", () => {
    expect(evaluateConditionOperator("StringLike", { [k]: "repo:org/*:ref:refs/heads/ma?n" }, { [k]: "repo:org/app:ref:refs/heads/main" })).toBe(true);
    expect(evaluateConditionOperator("StringLike", { [k]: "ali*" }, { [k]: "bob" })).toBe(false);
    expect(evaluateConditionOperator("StringLike", { [k]: "alice" }, { [k]: "alice2" })).toBe(false);
    expect(evaluateConditionOperator("StringNotLike", { [k]: "ali*" }, { [k]: "bob" })).toBe(true);
    expect(evaluateConditionOperator("StringNotLike", { [k]: "ali*" }, { [k]: "alice" })).toBe(false);
  });

  it("negated operators pass and positive ones fail when the key is missing; …IfExists passes", () => {
    expect(evaluateConditionOperator("StringEquals", { [k]: "alice" }, {})).toBe(false);
    expect(evaluateConditionOperator("StringNotEquals", { [k]: "alice" }, {})).toBe(true);
    expect(evaluateConditionOperator("StringEqualsIfExists", { [k]: "alice" }, {})).toBe(true);
    expect(evaluateConditionOperator("StringEqualsIfExists", { [k]: "alice" }, { [k]: "bob" })).toBe(false);
    expect(evaluateConditionOperator("StringNotEquals", { [k]: "alice" }, { [k]: "alice" })).toBe(false);
    expect(evaluateConditionOperator("StringNotEqualsIgnoreCase", { [k]: "ALICE" }, { [k]: "bob" })).toBe(true);
  });

  it("ForAnyValue: and ForAllValues: over multi-valued keys (amr)", () => {
    const amr = `${P}:amr`;
    const keys = { [amr]: ["authenticated", "pwd"] };
    expect(evaluateConditionOperator("ForAnyValue:StringLike", { [amr]: "authenticated" }, keys)).toBe(true);
    expect(evaluateConditionOperator("ForAnyValue:StringEquals", { [amr]: "unauthenticated" }, keys)).toBe(false);
    expect(evaluateConditionOperator("ForAllValues:StringEquals", { [amr]: ["authenticated", "pwd", "mfa"] }, keys)).toBe(true);
    expect(evaluateConditionOperator("ForAllValues:StringEquals", { [amr]: ["authenticated"] }, keys)).toBe(false);
    expect(evaluateConditionOperator("ForAllValues:StringEquals", { [amr]: ["x"] }, {})).toBe(true); // vacuous
    expect(evaluateConditionOperator("ForAnyValue:StringEquals", { [amr]: ["x"] }, {})).toBe(false);
    expect(evaluateConditionOperator("ForAnyValue:StringNotEquals", { [amr]: "pwd" }, keys)).toBe(true);
    expect(evaluateConditionOperator("ForAllValues:StringNotEquals", { [amr]: "pwd" }, keys)).toBe(false);
  });

  it("Null tests presence", () => {
    expect(evaluateConditionOperator("Null", { [k]: "true" }, {})).toBe(true);
    expect(evaluateConditionOperator("Null", { [k]: true }, { [k]: "x" })).toBe(false);
    expect(evaluateConditionOperator("Null", { [k]: "false" }, { [k]: "x" })).toBe(true);
  });

  it("an unknown operator never matches, so its statement does not apply (neither Allow nor Deny)", () => {
    // NumericLessThan is a known operator now (1 < 5 holds); a misspelt one never matches.
    expect(evaluateConditionOperator("NumericLessThan", { [k]: "5" }, { [k]: "1" })).toBe(true);
    expect(evaluateConditionOperator("NumericLessThen", { [k]: "5" }, { [k]: "1" })).toBe(false);
    const deny = trust({ StringEqualz: { [k]: "alice" } }, "Deny");
    expect(evaluatePolicies([doc(trust(), deny)], ctx({ [k]: "alice" }))).toBe("Allow");
  });
});

describe("policy variables and resources (for permission policies)", () => {
  const bucket = "arn:aws:s3:::web-identity-console-demo";
  const own: PolicyStatement = { Effect: "Allow", Action: "s3:GetObject", Resource: `${bucket}/users/\${${P}:sub}/*` };
  const s3 = (resource: string, keys: RequestContext["keys"] = { [`${P}:sub`]: "alice" }): RequestContext => ({ action: "s3:GetObject", resource, keys });

  it("substitutes ${provider:sub} in Resource, literally (a * in the value is not a wildcard)", () => {
    expect(evaluatePolicies([doc(own)], s3(`${bucket}/users/alice/notes.txt`))).toBe("Allow");
    expect(evaluatePolicies([doc(own)], s3(`${bucket}/users/bob/notes.txt`))).toBe("ImplicitDeny");
    expect(evaluatePolicies([doc(own)], s3(`${bucket}/users/bob/x`, { [`${P}:sub`]: "*" }))).toBe("ImplicitDeny");
    expect(evaluatePolicies([doc(own)], s3(`${bucket}/users/alice/x`, {}))).toBe("ImplicitDeny"); // variable missing
  });

  it("substitutes variables in condition values, supports defaults and the ${*} escape", () => {
    const keys = { [`${P}:sub`]: "alice", "s3:prefix": "users/alice/x" };
    expect(evaluateConditionOperator("StringLike", { "s3:prefix": `users/\${${P}:sub}/*` }, keys)).toBe(true);
    expect(evaluateConditionOperator("StringEquals", { "s3:prefix": "users/${aws:username, 'alice'}/x" }, keys)).toBe(true);
    expect(matchesPattern("a${*}b", "a*b")).toBe(true);
    expect(matchesPattern("a${*}b", "axb")).toBe(false);
  });

  it("the built-in providers' variables (${accounts.google.com:sub}, ${www.amazon.com:user_id}, ${graph.facebook.com:id}, aws:FederatedProvider)", () => {
    const folder = (variable: string): PolicyStatement => ({ Effect: "Allow", Action: "s3:GetObject", Resource: `${bucket}/users/\${${variable}}/*` });
    const cases: [string, string][] = [
      ["accounts.google.com:sub", "108602733498142750271"],
      ["www.amazon.com:user_id", "amzn1.account.AF6RHO7KZU5XRVQJGXK6HB56KR2A"],
      ["graph.facebook.com:id", "10158273645012345"],
    ];
    for (const [variable, id] of cases) {
      expect(evaluatePolicies([doc(folder(variable))], s3(`${bucket}/users/${id}/a`, { [variable]: id }))).toBe("Allow");
      expect(evaluatePolicies([doc(folder(variable))], s3(`${bucket}/users/${id}/a`, { [variable.toUpperCase()]: id }))).toBe("Allow"); // key names: any case
      expect(evaluatePolicies([doc(folder(variable))], s3(`${bucket}/users/other/a`, { [variable]: id }))).toBe("ImplicitDeny");
      expect(evaluatePolicies([doc(folder(variable))], s3(`${bucket}/users/${id}/a`, {}))).toBe("ImplicitDeny");
    }
    const fromAmazon: PolicyStatement = { ...folder("www.amazon.com:user_id"), Condition: { StringEquals: { "aws:FederatedProvider": "www.amazon.com" } } };
    const id = "amzn1.account.AF6RHO7KZU5XRVQJGXK6HB56KR2A";
    const keys = { "www.amazon.com:user_id": id, "aws:FederatedProvider": "www.amazon.com" };
    expect(evaluatePolicies([doc(fromAmazon)], s3(`${bucket}/users/${id}/a`, keys))).toBe("Allow");
    expect(evaluatePolicies([doc(fromAmazon)], s3(`${bucket}/users/${id}/a`, { ...keys, "aws:FederatedProvider": "graph.facebook.com" }))).toBe("ImplicitDeny");
  });

  it("Resource wildcards are case-sensitive; NotResource excludes", () => {
    expect(matchesPattern("arn:aws:s3:::b/*", "arn:aws:s3:::B/x")).toBe(false);
    const not: PolicyStatement = { Effect: "Allow", Action: "s3:*", NotResource: `${bucket}/private/*` };
    expect(evaluatePolicies([doc(not)], s3(`${bucket}/private/a`))).toBe("ImplicitDeny");
    expect(evaluatePolicies([doc(not)], s3(`${bucket}/public/a`))).toBe("Allow");
  });

  it("session policies intersect with identity policies; a Deny anywhere wins", () => {
    const all: PolicyStatement = { Effect: "Allow", Action: "s3:*", Resource: "*" };
    const ctxt = s3(`${bucket}/users/alice/a`);
    expect(evaluateWithSessionPolicies([doc(own)], [], ctxt)).toBe("Allow");
    expect(evaluateWithSessionPolicies([doc(own)], [doc(all)], ctxt)).toBe("Allow");
    expect(evaluateWithSessionPolicies([doc(own)], [doc({ ...all, Action: "s3:PutObject" })], ctxt)).toBe("ImplicitDeny");
    expect(evaluateWithSessionPolicies([doc(own)], [doc({ ...all, Effect: "Deny" })], ctxt)).toBe("ExplicitDeny");
    expect(evaluateWithSessionPolicies([], [doc(all)], ctxt)).toBe("ImplicitDeny");
  });

  it("wildcard matching stays fast on adversarial patterns", () => {
    const started = performance.now();
    expect(matchesPattern("*a*a*a*a*a*a*a*a*a*b", "a".repeat(2000))).toBe(false);
    expect(performance.now() - started).toBeLessThan(500);
  });
});

describe("parsePolicyDocument", () => {
  it("accepts a policy and rejects non-JSON and non-policies", () => {
    expect(parsePolicyDocument('{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}')).toEqual({
      Version: "2012-10-17",
      Statement: { Effect: "Allow", Action: "s3:*", Resource: "*" },
    });
    const kind = (text: string) => {
      try {
        parsePolicyDocument(text);
        return "ok";
      } catch (e) {
        return e instanceof PolicyDocumentError ? `${e.kind}: ${e.message}` : "other";
      }
    };
    expect(kind("not json")).toBe("json: The policy is not in the valid JSON format.");
    expect(kind("{}")).toBe("syntax: Syntax errors in policy.");
    expect(kind('{"Statement":[{"Effect":"Maybe","Action":"s3:*"}]}')).toBe("syntax: Syntax errors in policy.");
    expect(kind('{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*"}]}')).toBe("syntax: Policy document should not specify a principal.");
    expect(kind('{"Version":"2099-01-01","Statement":[{"Effect":"Allow","Action":"s3:*"}]}')).toBe("syntax: The policy must contain a valid version string");
  });
});
