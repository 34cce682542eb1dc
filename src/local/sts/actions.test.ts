import { createHash } from "node:crypto";
import { generateKeyPair, SignJWT, type CryptoKey } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { loadStackConfig, type PolicyStatement, type RoleConfig, type StackConfig } from "../config";
import { assumeRoleWithWebIdentity, type StsContext } from "./actions";
import { SOURCE_IDENTITY_CLAIM, TAGS_CLAIM } from "./claims";
import { renderSuccess, type ResultTree } from "./render";
import { createSessionStore, type SessionStore } from "./sessions";
import { rejectedFaultTriple as failure } from "./testing";

const ISSUER = "http://127.0.0.1:9400";
const PROVIDER = "arn:aws:iam::123456789012:oidc-provider/127.0.0.1:9400";
const NOW = Date.UTC(2025, 0, 1, 12, 0, 0);
const NOT_AUTHORIZED = ["AccessDenied", 403, "Not authorized to perform sts:AssumeRoleWithWebIdentity"];

const assumeStatement: PolicyStatement = {
  Effect: "Allow",
  Principal: { Federated: PROVIDER },
  Action: "sts:AssumeRoleWithWebIdentity",
  Condition: { StringEquals: { "127.0.0.1:9400:aud": "web-identity-console" } },
};

function role(name: string, ...statements: PolicyStatement[]): RoleConfig {
  return { name, path: "/", maxSessionDuration: 3600, trustPolicy: { Version: "2012-10-17", Statement: statements }, permissionPolicies: [] };
}

/** The stack's roles plus three that also allow session data, with conditions on the request's tags and source identity. */
function stackWithTaggingRoles(): StackConfig {
  const config = loadStackConfig();
  config.roles.push(
    role("Tagged", assumeStatement, {
      Effect: "Allow",
      Principal: { Federated: PROVIDER },
      Action: "sts:TagSession",
      Condition: {
        StringEquals: { "aws:RequestTag/Project": "Automation" },
        "ForAllValues:StringEquals": { "aws:TagKeys": ["Project", "CostCenter"] },
      },
    }),
    role("Sourced", { ...assumeStatement, Action: ["sts:AssumeRoleWithWebIdentity", "sts:TagSession"] }, {
      Effect: "Allow",
      Principal: { Federated: PROVIDER },
      Action: "sts:SetSourceIdentity",
      Condition: { StringEquals: { "sts:SourceIdentity": "${127.0.0.1:9400:sub}" } },
    }),
    role("TagsOnly", { ...assumeStatement, Action: ["sts:AssumeRoleWithWebIdentity", "sts:TagSession"] }),
  );
  return config;
}

let key: { privateKey: CryptoKey; publicKey: CryptoKey };
let config: StackConfig;
let sessions: SessionStore;
let ctx: StsContext;

beforeAll(async () => {
  key = await generateKeyPair("RS256");
  config = stackWithTaggingRoles();
  sessions = createSessionStore();
  ctx = { config, sessions, now: () => NOW, keys: { candidates: async () => [key.publicKey] } };
});

async function token(claims: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT({ aud: "web-identity-console", ...claims })
    .setProtectedHeader({ alg: "RS256", kid: "k1" })
    .setIssuer(ISSUER)
    .setSubject("alice")
    .setIssuedAt(NOW / 1000 - 10)
    .setExpirationTime(NOW / 1000 + 600)
    .sign(key.privateKey);
}

async function assume(roleName: string, claims: Record<string, unknown> = {}): Promise<ResultTree> {
  const params = new Map([
    ["RoleArn", `arn:aws:iam::123456789012:role/${roleName}`],
    ["RoleSessionName", "alice-session"],
    ["WebIdentityToken", await token(claims)],
  ]);
  return assumeRoleWithWebIdentity(params, ctx);
}

function sessionOf(result: ResultTree) {
  const creds = result.Credentials as ResultTree;
  const session = sessions.open(creds.SessionToken as string);
  expect(session?.accessKeyId).toBe(creds.AccessKeyId);
  return session;
}

const TAGS = { principal_tags: { Project: ["Automation"], CostCenter: ["987654"] }, transitive_tag_keys: ["Project"] };

describe("AssumeRoleWithWebIdentity with session tags in the token", () => {
  it("needs sts:TagSession in the trust policy: a role that allows only the assumption refuses the tagged token", async () => {
    expect((await assume("WebIdentityConsoleUser")).SubjectFromWebIdentityToken).toBe("alice");
    expect(await failure(assume("WebIdentityConsoleUser", { [TAGS_CLAIM]: TAGS }))).toEqual(NOT_AUTHORIZED);
    // Even a claim passing no tags asks for tagging.
    expect(await failure(assume("WebIdentityConsoleUser", { [TAGS_CLAIM]: {} }))).toEqual(NOT_AUTHORIZED);
  });

  it("with sts:TagSession allowed, records the tags and transitive keys in the session and reports PackedPolicySize", async () => {
    const result = await assume("Tagged", { [TAGS_CLAIM]: TAGS });
    expect(result.PackedPolicySize).toBeGreaterThan(0);
    expect(result.PackedPolicySize).toBeLessThanOrEqual(100);
    expect(result.SourceIdentity).toBeUndefined();
    const session = sessionOf(result);
    expect(session?.sessionTags).toEqual([
      { key: "Project", value: "Automation" },
      { key: "CostCenter", value: "987654" },
    ]);
    expect(session?.transitiveTagKeys).toEqual(["Project"]);
    expect(session?.sourceIdentity).toBeUndefined();
  });

  it("evaluates sts:TagSession with the request's tags as aws:RequestTag/… and aws:TagKeys", async () => {
    const other = { principal_tags: { Project: ["Other"] } };
    expect(await failure(assume("Tagged", { [TAGS_CLAIM]: other }))).toEqual(NOT_AUTHORIZED);
    const extraKey = { principal_tags: { Project: ["Automation"], Department: ["Engineering"] } };
    expect(await failure(assume("Tagged", { [TAGS_CLAIM]: extraKey }))).toEqual(NOT_AUTHORIZED);
  });

  it("checks the claim's shape before the trust policy: InvalidParameterValue with AWS's texts", async () => {
    expect(await failure(assume("Tagged", { [TAGS_CLAIM]: { principal_tags: { Project: ["a"] }, transitive_tag_keys: ["CostCenter"] } }))).toEqual([
      "InvalidParameterValue",
      400,
      "The specified transitive tag key must be included in the requested tags.",
    ]);
    expect(await failure(assume("WebIdentityConsoleUser", { [TAGS_CLAIM]: { principal_tags: { Project: ["a", "b"] } } }))).toEqual([
      "InvalidParameterValue",
      400,
      "Session tag 'Project' must have exactly one string value, as a single-element array: multi-valued session tags are not supported.",
    ]);
  });

  it("tags that do not fit the packed budget → PackedPolicyTooLarge", async () => {
    // 50 values of 256 hex digits that deflate cannot shrink much.
    const noise = (i: number) => [0, 1, 2, 3].map((j) => createHash("sha256").update(`${i}/${j}`).digest("hex")).join("");
    const many = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`Key${i}`, [noise(i)]]));
    const [code, status, message] = await failure(assume("TagsOnly", { [TAGS_CLAIM]: { principal_tags: many } }));
    expect([code, status]).toEqual(["PackedPolicyTooLarge", 400]);
    expect(message).toMatch(/^Packed policy consumes \d+% of allotted space, please use smaller policy\.$/);
  });
});

describe("AssumeRoleWithWebIdentity with a source identity in the token", () => {
  it("needs sts:SetSourceIdentity in the trust policy", async () => {
    expect(await failure(assume("WebIdentityConsoleUser", { [SOURCE_IDENTITY_CLAIM]: "alice" }))).toEqual(NOT_AUTHORIZED);
    expect(await failure(assume("TagsOnly", { [SOURCE_IDENTITY_CLAIM]: "alice" }))).toEqual(NOT_AUTHORIZED);
  });

  it("evaluates sts:SetSourceIdentity with sts:SourceIdentity (here: it must equal the token's sub)", async () => {
    expect(await failure(assume("Sourced", { [SOURCE_IDENTITY_CLAIM]: "mallory" }))).toEqual(NOT_AUTHORIZED);
    const result = await assume("Sourced", { [SOURCE_IDENTITY_CLAIM]: "alice" });
    expect(result.SourceIdentity).toBe("alice");
    expect(result.PackedPolicySize).toBeUndefined();
    expect(sessionOf(result)?.sourceIdentity).toBe("alice");
  });

  it("tags and source identity together need both permissions; the answer carries SourceIdentity in XML and JSON", async () => {
    expect(await failure(assume("TagsOnly", { [TAGS_CLAIM]: TAGS, [SOURCE_IDENTITY_CLAIM]: "alice" }))).toEqual(NOT_AUTHORIZED);
    const result = await assume("Sourced", { [TAGS_CLAIM]: TAGS, [SOURCE_IDENTITY_CLAIM]: "alice" });
    const session = sessionOf(result);
    expect([session?.sourceIdentity, session?.sessionTags?.length]).toEqual(["alice", 2]);
    const xml = renderSuccess("AssumeRoleWithWebIdentity", result, "r", false).body;
    expect(xml).toContain("    </Credentials>\n    <SourceIdentity>alice</SourceIdentity>\n    <PackedPolicySize>");
    const json = JSON.parse(renderSuccess("AssumeRoleWithWebIdentity", result, "r", true).body) as {
      AssumeRoleWithWebIdentityResponse: { AssumeRoleWithWebIdentityResult: { SourceIdentity?: unknown } };
    };
    expect(json.AssumeRoleWithWebIdentityResponse.AssumeRoleWithWebIdentityResult.SourceIdentity).toBe("alice");
  });

  it("an invalid source identity → ValidationError, before the trust policy", async () => {
    expect(await failure(assume("WebIdentityConsoleUser", { [SOURCE_IDENTITY_CLAIM]: "aws:x" }))).toEqual([
      "ValidationError",
      400,
      "2 validation errors detected: Value 'aws:x' at 'sourceIdentity' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*; " +
        "Value 'aws:x' at 'sourceIdentity' failed to satisfy constraint: Member must not start with the reserved prefix 'aws:'",
    ]);
  });
});
