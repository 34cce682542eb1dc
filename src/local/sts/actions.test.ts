import { createHash } from "node:crypto";
import { generateKeyPair, SignJWT, type CryptoKey } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { loadStackConfig, type PolicyStatement, type RoleConfig, type StackConfig } from "../config";
import { assumeRoleWithWebIdentity, checkRoleTrust, type StsContext } from "./actions";
import { SOURCE_IDENTITY_CLAIM, TAGS_CLAIM } from "./claims";
import { renderSuccess, type ResultTree } from "./render";
import { evaluatePolicies } from "../iam/policy";
import { createSessionStore, isAssumedRoleSession, sessionContextKeys, type SessionStore } from "./sessions";
import { rejectedFaultTriple as failure, thrownFault } from "./testing";

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
  return session && isAssumedRoleSession(session) ? session : undefined;
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

describe("AssumeRoleWithWebIdentity with the built-in providers (stack.json's GoogleUser, AmazonUser, FacebookUser, SocialUser)", () => {
  const GOOGLE_CLIENT = "918273645012-webidentityconsole.apps.googleusercontent.com";
  const AMAZON_CLIENT = "amzn1.application-oa2-client.5e1f0c0ffee04c7d9b1a2c3d4e5f6a7b";
  const FACEBOOK_APP = "1234567890123456";
  const ALICE = { google: "108602733498142750271", amazon: "amzn1.account.AF6RHO7KZU5XRVQJGXK6HB56KR2A", facebook: "10158273645012345" };
  const BUCKET = "arn:aws:s3:::web-identity-console-demo";

  /** Token info as the Amazon / Facebook personas answer it, for the app's registration (or another client). */
  function providers(client = { amazon: AMAZON_CLIENT, facebook: FACEBOOK_APP }): StsContext {
    const fetchImpl = (async (input: string | URL | Request) => {
      const url = new URL(String(input));
      if (url.pathname === "/auth/o2/tokeninfo") return Response.json({ iss: "https://www.amazon.com", user_id: ALICE.amazon, aud: client.amazon, app_id: "amzn1.application.x", exp: 3000, iat: NOW_S });
      if (url.pathname === "/debug_token") return Response.json({ data: { app_id: client.facebook, type: "USER", is_valid: true, user_id: ALICE.facebook, expires_at: NOW_S + 3000, issued_at: NOW_S } });
      return new Response("not found", { status: 404 });
    }) as typeof fetch;
    return { ...ctx, tokenInfo: { fetchImpl } };
  }
  const NOW_S = NOW / 1000;

  async function googleToken(claims: Record<string, unknown> = {}): Promise<string> {
    return new SignJWT({ aud: GOOGLE_CLIENT, azp: GOOGLE_CLIENT, ...claims })
      .setProtectedHeader({ alg: "RS256", kid: "g1" })
      .setIssuer("http://127.0.0.1:9402")
      .setSubject(ALICE.google)
      .setIssuedAt(NOW_S - 10)
      .setExpirationTime(NOW_S + 600)
      .sign(key.privateKey);
  }

  function assumeWith(roleName: string, token: string, providerId: string | undefined, context: StsContext): Promise<ResultTree> {
    const params = new Map([
      ["RoleArn", `arn:aws:iam::123456789012:role/${roleName}`],
      ["RoleSessionName", "alice"],
      ["WebIdentityToken", token],
      ...(providerId ? [["ProviderId", providerId] as [string, string]] : []),
    ]);
    return assumeRoleWithWebIdentity(params, context);
  }

  /** The decision of the role's permission policies for an S3 object, with the session's keys as policy variables. */
  function canGet(result: ResultTree, roleName: string, owner: string): string {
    const session = sessionOf(result);
    if (!session) throw new Error("no session");
    const role = config.roles.find((r) => r.name === roleName);
    return evaluatePolicies(role?.permissionPolicies.map((p) => p.document) ?? [], {
      action: "s3:GetObject",
      resource: `${BUCKET}/users/${owner}/notes.txt`,
      keys: sessionContextKeys(session),
    });
  }

  it("a Google ID token assumes GoogleUser: Provider accounts.google.com, Audience azp, the folder of ${accounts.google.com:sub}", async () => {
    const result = await assumeWith("GoogleUser", await googleToken(), undefined, ctx);
    expect([result.Provider, result.Audience, result.SubjectFromWebIdentityToken]).toEqual(["accounts.google.com", GOOGLE_CLIENT, ALICE.google]);
    expect(sessionOf(result)?.webIdentity).toEqual({
      federatedProvider: "accounts.google.com",
      providerName: "accounts.google.com",
      sub: ALICE.google,
      aud: GOOGLE_CLIENT,
      keys: { "accounts.google.com:aud": GOOGLE_CLIENT, "accounts.google.com:oaud": GOOGLE_CLIENT, "accounts.google.com:sub": ALICE.google },
    });
    expect([canGet(result, "GoogleUser", ALICE.google), canGet(result, "GoogleUser", "117094726380015632984")]).toEqual(["Allow", "ImplicitDeny"]);
  });

  it("GoogleUser refuses another client's ID token (accounts.google.com:aud) and the local OpenID provider's token", async () => {
    expect(await failure(assumeWith("GoogleUser", await googleToken({ aud: "evil.apps.googleusercontent.com", azp: "evil.apps.googleusercontent.com" }), undefined, ctx))).toEqual(NOT_AUTHORIZED);
    expect(await failure(assumeWith("GoogleUser", await token(), undefined, ctx))).toEqual(NOT_AUTHORIZED);
    // …and the OIDC-provider role does not trust Google.
    expect(await failure(assumeWith("WebIdentityConsoleUser", await googleToken(), undefined, ctx))).toEqual(NOT_AUTHORIZED);
  });

  it("an Amazon access token with ProviderId assumes AmazonUser: Provider www.amazon.com, Audience the LWA client id", async () => {
    const result = await assumeWith("AmazonUser", "Atza|IQEBLjAsAhRFiXuWpUXuRvQ9PZL3GMFcYevydwIU", "www.amazon.com", providers());
    expect([result.Provider, result.Audience, result.SubjectFromWebIdentityToken]).toEqual(["www.amazon.com", AMAZON_CLIENT, ALICE.amazon]);
    expect(result.AssumedRoleUser).toMatchObject({ Arn: "arn:aws:sts::123456789012:assumed-role/AmazonUser/alice" });
    expect(sessionOf(result)?.webIdentity?.keys).toEqual({ "www.amazon.com:app_id": AMAZON_CLIENT, "www.amazon.com:user_id": ALICE.amazon });
    expect([canGet(result, "AmazonUser", ALICE.amazon), canGet(result, "AmazonUser", ALICE.google)]).toEqual(["Allow", "ImplicitDeny"]);
    expect(await failure(assumeWith("AmazonUser", "Atza|x", "www.amazon.com", providers({ amazon: "amzn1.application-oa2-client.other", facebook: FACEBOOK_APP })))).toEqual(NOT_AUTHORIZED);
  });

  it("a Facebook access token with ProviderId assumes FacebookUser: Provider graph.facebook.com, Audience the app id", async () => {
    const result = await assumeWith("FacebookUser", "EAABwzLixnjYBO", "graph.facebook.com", providers());
    expect([result.Provider, result.Audience, result.SubjectFromWebIdentityToken]).toEqual(["graph.facebook.com", FACEBOOK_APP, ALICE.facebook]);
    expect([canGet(result, "FacebookUser", ALICE.facebook), canGet(result, "FacebookUser", ALICE.amazon)]).toEqual(["Allow", "ImplicitDeny"]);
    expect(await failure(assumeWith("FacebookUser", "EAAB", "graph.facebook.com", providers({ amazon: AMAZON_CLIENT, facebook: "999" })))).toEqual(NOT_AUTHORIZED);
    // The role trusts Facebook only: an Amazon token for the right client is refused.
    expect(await failure(assumeWith("FacebookUser", "Atza|x", "www.amazon.com", providers()))).toEqual(NOT_AUTHORIZED);
  });

  it("SocialUser trusts all three, each user in the folder of their own provider's id (one Allow per variable)", async () => {
    const google = await assumeWith("SocialUser", await googleToken(), undefined, providers());
    const amazon = await assumeWith("SocialUser", "Atza|x", "www.amazon.com", providers());
    const facebook = await assumeWith("SocialUser", "EAAB", "graph.facebook.com", providers());
    expect([google.Provider, amazon.Provider, facebook.Provider]).toEqual(["accounts.google.com", "www.amazon.com", "graph.facebook.com"]);
    expect([canGet(google, "SocialUser", ALICE.google), canGet(amazon, "SocialUser", ALICE.amazon), canGet(facebook, "SocialUser", ALICE.facebook)]).toEqual(["Allow", "Allow", "Allow"]);
    // A variable the session lacks matches nothing: the Amazon session gets no Google- or Facebook-named folder.
    expect([canGet(amazon, "SocialUser", ALICE.google), canGet(amazon, "SocialUser", ALICE.facebook), canGet(amazon, "SocialUser", "*")]).toEqual([
      "ImplicitDeny",
      "ImplicitDeny",
      "ImplicitDeny",
    ]);
  });

  it("aws:FederatedProvider is the provider name in the trust policy and in the session", async () => {
    config.roles.push(
      role("AmazonByFederatedProvider", {
        Effect: "Allow",
        Principal: { Federated: ["www.amazon.com", "graph.facebook.com"] },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: { StringEquals: { "aws:FederatedProvider": "www.amazon.com" } },
      }),
    );
    const result = await assumeWith("AmazonByFederatedProvider", "Atza|x", "www.amazon.com", providers());
    const session = sessionOf(result);
    expect(session && sessionContextKeys(session)["aws:FederatedProvider"]).toBe("www.amazon.com");
    expect(await failure(assumeWith("AmazonByFederatedProvider", "EAAB", "graph.facebook.com", providers()))).toEqual(NOT_AUTHORIZED);
  });

  it("the provider's verdict comes before the trust policy: a refused token → IDPRejectedClaim even for a role that does not exist", async () => {
    const refusing = { ...ctx, tokenInfo: { fetchImpl: (async () => Response.json({ error: "invalid_token" }, { status: 400 })) as typeof fetch } };
    expect(await failure(assumeWith("NoSuchRole", "Atza|x", "www.amazon.com", refusing))).toEqual([
      "IDPRejectedClaim",
      403,
      "www.amazon.com: www.amazon.com responded with HTTP/1.1 400 Bad Request",
    ]);
  });
});

describe("checkRoleTrust: AWS's bare AccessDenied outside, the trust-policy trace on the fault", () => {
  const identity = (sub: string) => ({
    federatedProvider: PROVIDER,
    providerName: "127.0.0.1:9400",
    audience: "web-identity-console",
    sub,
    claims: { sub, aud: "web-identity-console" },
    conditionKeys: { "127.0.0.1:9400:aud": "web-identity-console", "127.0.0.1:9400:sub": sub },
  });
  const ALICE_ONLY = "arn:aws:iam::123456789012:role/demo/AliceOnly";

  it("bob on AliceOnly: the message says nothing more, the trace names StringLike 127.0.0.1:9400:sub (alice ✗ bob)", () => {
    const fault = thrownFault(() => checkRoleTrust(config, ALICE_ONLY, identity("bob")));
    expect([fault.code, fault.status, fault.message]).toEqual(NOT_AUTHORIZED);
    const failed = fault.trace?.policies.flatMap((p) => p.statements.flatMap((s) => s.checks)).filter((c) => !c.ok);
    expect(failed).toEqual([
      { element: "Condition", ok: false, expected: ["alice"], actual: ["bob"], operator: "StringLike", key: "127.0.0.1:9400:sub", text: "StringLike 127.0.0.1:9400:sub = alice ✗ got bob" },
    ]);
    expect(fault.trace?.request).toEqual({
      action: "sts:AssumeRoleWithWebIdentity",
      principal: { type: "Federated", id: PROVIDER },
      keys: { "127.0.0.1:9400:aud": ["web-identity-console"], "127.0.0.1:9400:sub": ["bob"], "aws:FederatedProvider": [PROVIDER] },
    });
    expect(checkRoleTrust(config, ALICE_ONLY, identity("alice")).name).toBe("AliceOnly");
  });

  it("the refused action is the one traced (sts:TagSession), and an unknown role gets a trace that says so", () => {
    const tags = { tags: [{ key: "Project", value: "Other" }], transitiveTagKeys: [] };
    const tagged = thrownFault(() => checkRoleTrust(config, "arn:aws:iam::123456789012:role/Tagged", identity("alice"), { tags }));
    expect(tagged.message).toBe("Not authorized to perform sts:AssumeRoleWithWebIdentity");
    expect(tagged.trace?.request.action).toBe("sts:TagSession");
    expect(tagged.trace?.summary).toContain("condition StringEquals aws:RequestTag/Project = Automation is not met (got Other)");
    const missing = thrownFault(() => checkRoleTrust(config, "arn:aws:iam::123456789012:role/Nope", identity("alice")));
    expect([missing.code, missing.message]).toEqual(["AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity"]);
    expect(missing.trace).toMatchObject({ decision: "ImplicitDeny", policies: [] });
    expect(missing.trace?.summary).toBe(
      "No role arn:aws:iam::123456789012:role/Nope exists in the local IAM model (stack.json), so no trust policy allows sts:AssumeRoleWithWebIdentity.",
    );
  });
});
