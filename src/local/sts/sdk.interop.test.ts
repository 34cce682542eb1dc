/**
 * The local STS against the official AWS SDK for JavaScript v3 (`@aws-sdk/client-sts`): if the SDK parses our
 * answers and signs requests we accept (and we refuse what real STS refuses, with the same codes and texts), the
 * stand-in is faithful on the paths the app uses. Tokens come from a tiny in-test OpenID issuer.
 */
import { createHash, createHmac } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  AssumeRoleWithWebIdentityCommand,
  GetCallerIdentityCommand,
  AssumeRootCommand,
  STSClient,
  type AssumeRoleWithWebIdentityCommandOutput,
  type Credentials,
} from "@aws-sdk/client-sts";
import { SignatureV4 } from "@smithy/signature-v4";
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from "jose";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { loadStackConfig, type StackConfig } from "../config";
import { startSts, type StsServer } from "./server";
import { createSessionStore } from "./sessions";

const USER_ROLE = "arn:aws:iam::123456789012:role/WebIdentityConsoleUser";
const ALICE_ROLE = "arn:aws:iam::123456789012:role/demo/AliceOnly";
/** Added by this test: trusts the issuer for the assumption, session tags and a source identity. */
const TAGGED_ROLE = "arn:aws:iam::123456789012:role/TaggedSessions";
/** Added by this test: trusts the issuer for the assumption and session tags, not for a source identity. */
const TAGS_ONLY_ROLE = "arn:aws:iam::123456789012:role/TagsOnly";
const TAGS_CLAIM = "https://aws.amazon.com/tags";
const SOURCE_IDENTITY_CLAIM = "https://aws.amazon.com/source_identity";
/** XML 1.0's `Char` production: the only characters a well-formed document may contain. */
const XML_DOCUMENT_CHARS = /^[\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u;
const CLIENT_ID = "web-identity-console";
const KEY_MESSAGE =
  "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements";

// ---------------------------------------------------------------------------------------------------------------
// A minimal OpenID issuer: discovery + JWKS over node:http, keys from jose.

interface TestIssuer {
  url: string;
  rsa: { privateKey: CryptoKey; publicKey: CryptoKey };
  ec: { privateKey: CryptoKey; publicKey: CryptoKey };
  close(): Promise<void>;
}

async function startTestIssuer(): Promise<TestIssuer> {
  const rsa = await generateKeyPair("RS256");
  const ec = await generateKeyPair("ES256");
  const keys: JWK[] = [
    { ...(await exportJWK(rsa.publicKey)), kid: "rsa-1", alg: "RS256", use: "sig" },
    { ...(await exportJWK(ec.publicKey)), kid: "ec-1", alg: "ES256", use: "sig" },
  ];
  let url = "";
  const server: Server = createServer((req, res) => {
    const json = (body: unknown) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (req.url === "/.well-known/openid-configuration") {
      json({
        issuer: url,
        jwks_uri: `${url}/jwks`,
        authorization_endpoint: `${url}/auth`,
        response_types_supported: ["code"],
        subject_types_supported: ["public"],
        id_token_signing_alg_values_supported: ["RS256", "ES256"],
      });
    } else if (req.url === "/jwks") {
      json({ keys });
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    rsa,
    ec,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** SHA-256 / HMAC-SHA-256 from node:crypto in the shape the SDK's SignatureV4 takes (its `Checksum` interface). */
class NodeSha256 {
  private chunks: Uint8Array[] = [];
  private readonly secret: Buffer | undefined;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.secret =
      secret === undefined
        ? undefined
        : typeof secret === "string"
          ? Buffer.from(secret)
          : ArrayBuffer.isView(secret)
            ? Buffer.from(secret.buffer, secret.byteOffset, secret.byteLength)
            : Buffer.from(secret);
  }
  update(data: string | Uint8Array): void {
    this.chunks.push(typeof data === "string" ? Buffer.from(data) : data);
  }
  async digest(): Promise<Uint8Array> {
    const h = this.secret === undefined ? createHash("sha256") : createHmac("sha256", this.secret);
    for (const c of this.chunks) h.update(c);
    return h.digest();
  }
  reset(): void {
    this.chunks = [];
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Fixtures

let issuer: TestIssuer;
let sts: StsServer;
let config: StackConfig;
/** Shared with the STS so tests can open the session tokens it issues. */
const sessions = createSessionStore();
/** The STS clock: real time shifted by `offsetMs`, or pinned to `fixedMs`. */
const clock: { offsetMs: number; fixedMs: number | undefined } = { offsetMs: 0, fixedMs: undefined };
const stsNow = () => clock.fixedMs ?? Date.now() + clock.offsetMs;
const wholeSecondNow = () => Math.floor(Date.now() / 1000) * 1000;

beforeAll(async () => {
  issuer = await startTestIssuer();
  config = loadStackConfig(undefined, { issuer: issuer.url });
  const provider = `arn:aws:iam::123456789012:oidc-provider/${new URL(issuer.url).host}`;
  const trust = (actions: string[]) => ({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow" as const,
        Principal: { Federated: provider },
        Action: actions,
        Condition: { StringEquals: { [`${new URL(issuer.url).host}:aud`]: CLIENT_ID } },
      },
    ],
  });
  config.roles.push(
    { name: "TaggedSessions", path: "/", maxSessionDuration: 3600, trustPolicy: trust(["sts:AssumeRoleWithWebIdentity", "sts:TagSession", "sts:SetSourceIdentity"]), permissionPolicies: [] },
    { name: "TagsOnly", path: "/", maxSessionDuration: 3600, trustPolicy: trust(["sts:AssumeRoleWithWebIdentity", "sts:TagSession"]), permissionPolicies: [] },
  );
  sts = await startSts({ config, port: 0, now: stsNow, sessions });
});

afterAll(async () => {
  await sts?.close();
  await issuer?.close();
});

afterEach(() => {
  clock.offsetMs = 0;
  clock.fixedMs = undefined;
});

interface MintOptions {
  sub?: string;
  aud?: string | string[];
  iss?: string;
  /** seconds since the epoch */
  exp?: number;
  kid?: string;
  alg?: "RS256" | "ES256";
  key?: CryptoKey;
  extra?: Record<string, unknown>;
}

async function mint(o: MintOptions = {}): Promise<string> {
  const alg = o.alg ?? "RS256";
  const nowS = Math.floor(stsNow() / 1000);
  return new SignJWT({ aud: o.aud ?? CLIENT_ID, ...o.extra })
    .setProtectedHeader({ alg, kid: o.kid ?? (alg === "RS256" ? "rsa-1" : "ec-1"), typ: "JWT" })
    .setIssuer(o.iss ?? issuer.url)
    .setSubject(o.sub ?? "alice")
    .setIssuedAt(nowS - 5)
    .setExpirationTime(o.exp ?? nowS + 600)
    .sign(o.key ?? (alg === "RS256" ? issuer.rsa.privateKey : issuer.ec.privateKey));
}

function unsignedClient(): STSClient {
  return new STSClient({ region: "us-east-1", endpoint: sts.url, maxAttempts: 1 });
}

function signedClient(creds: { AccessKeyId?: string; SecretAccessKey?: string; SessionToken?: string }): STSClient {
  return new STSClient({
    region: "us-east-1",
    endpoint: sts.url,
    maxAttempts: 1,
    credentials: { accessKeyId: creds.AccessKeyId ?? "", secretAccessKey: creds.SecretAccessKey ?? "", sessionToken: creds.SessionToken },
  });
}

async function assume(token: string, roleArn = USER_ROLE, extra: { DurationSeconds?: number; Policy?: string } = {}) {
  return unsignedClient().send(new AssumeRoleWithWebIdentityCommand({ RoleArn: roleArn, RoleSessionName: "alice-session", WebIdentityToken: token, ...extra }));
}

interface SdkFailure {
  name: string;
  code: unknown;
  type: unknown;
  status: number | undefined;
  message: string;
}

async function sdkFailure(p: Promise<unknown>): Promise<SdkFailure> {
  try {
    await p;
  } catch (e) {
    const err = e as Error & { Code?: unknown; Type?: unknown; $metadata?: { httpStatusCode?: number } };
    return { name: err.name, code: err.Code, type: err.Type, status: err.$metadata?.httpStatusCode, message: err.message };
  }
  throw new Error("expected the SDK call to fail");
}

/** Record the x-amz-date the SDK signed with (the deserialize step sees the signed request). */
function captureSigningDate(client: STSClient): { date: string } {
  const seen = { date: "" };
  client.middlewareStack.add(
    (next) => async (args) => {
      const headers = (args.request as { headers: Record<string, string> }).headers;
      seen.date = headers["x-amz-date"] ?? "";
      return next(args);
    },
    { step: "deserialize", name: "captureSigningDate" },
  );
  return seen;
}

const amz = (ms: number) => new Date(ms).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}Z$/, "Z");
const amzToMs = (d: string) => Date.UTC(+d.slice(0, 4), +d.slice(4, 6) - 1, +d.slice(6, 8), +d.slice(9, 11), +d.slice(11, 13), +d.slice(13, 15));

// ---------------------------------------------------------------------------------------------------------------

describe("AssumeRoleWithWebIdentity with the AWS SDK v3", () => {
  it("succeeds, and the SDK parses every field", async () => {
    // A pinned, whole-second STS clock: with a running one, a call that crossed a second boundary made the
    // (second-precision) lifetime exceed 3600 s as measured from before the call.
    clock.fixedMs = wholeSecondNow();
    const started = stsNow();
    const out: AssumeRoleWithWebIdentityCommandOutput = await assume(await mint());
    const creds = out.Credentials as Credentials;
    expect(creds.AccessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(creds.SecretAccessKey).toMatch(/^[A-Za-z0-9+/]{40}$/);
    expect(creds.SessionToken?.length).toBeGreaterThan(100);
    expect(creds.Expiration).toBeInstanceOf(Date);
    const lifetime = (creds.Expiration as Date).getTime() - started;
    expect(lifetime).toBe(3600_000);
    expect(out.SubjectFromWebIdentityToken).toBe("alice");
    expect(out.Audience).toBe(CLIENT_ID);
    const providerName = new URL(issuer.url).host;
    expect(out.Provider).toBe(`arn:aws:iam::123456789012:oidc-provider/${providerName}`);
    expect(out.AssumedRoleUser?.Arn).toBe("arn:aws:sts::123456789012:assumed-role/WebIdentityConsoleUser/alice-session");
    expect(out.AssumedRoleUser?.AssumedRoleId).toMatch(/^AROA[A-Z2-7]{17}:alice-session$/);
    expect(out.PackedPolicySize).toBeUndefined();
    expect(out.SourceIdentity).toBeUndefined();
    expect(out.$metadata.httpStatusCode).toBe(200);
    expect(out.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("encodes the account in the key and role ids, and keeps the role id stable", async () => {
    const a = await assume(await mint());
    const b = await assume(await mint({ alg: "ES256" }));
    // 123456789012 → floor/2 + 2^39 in base32, the same for every key of the account; even → parity char A–P.
    expect(a.Credentials?.AccessKeyId?.slice(0, 13)).toMatch(/^ASIARZPUZDIK[A-P]$/);
    expect(a.AssumedRoleUser?.AssumedRoleId?.slice(0, 13)).toMatch(/^AROARZPUZDIK[A-P]$/);
    expect(b.AssumedRoleUser?.AssumedRoleId).toBe(a.AssumedRoleUser?.AssumedRoleId);
    expect(b.Credentials?.AccessKeyId).not.toBe(a.Credentials?.AccessKeyId);
  });

  it("then GetCallerIdentity signed by the SDK with those credentials names the assumed role", async () => {
    const out = await assume(await mint());
    const who = await signedClient(out.Credentials ?? {}).send(new GetCallerIdentityCommand({}));
    expect(who.Arn).toBe("arn:aws:sts::123456789012:assumed-role/WebIdentityConsoleUser/alice-session");
    expect(who.UserId).toBe(out.AssumedRoleUser?.AssumedRoleId);
    expect(who.Account).toBe("123456789012");
    expect(who.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("the AliceOnly role (with a path) admits alice, drops the path from the assumed-role ARN, honours its 2 h maximum", async () => {
    const out = await assume(await mint(), ALICE_ROLE, { DurationSeconds: 7200 });
    expect(out.AssumedRoleUser?.Arn).toBe("arn:aws:sts::123456789012:assumed-role/AliceOnly/alice-session");
  });

  it("reports PackedPolicySize when a session policy is passed", async () => {
    const policy = JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Sid: "Stmt1", Effect: "Allow", Action: "s3:ListAllMyBuckets", Resource: "*" }],
    });
    const out = await assume(await mint(), USER_ROLE, { Policy: policy });
    expect(out.PackedPolicySize).toBe(6);
    const bad = await sdkFailure(assume(await mint(), USER_ROLE, { Policy: "{not json" }));
    expect([bad.name, bad.status, bad.message]).toEqual(["MalformedPolicyDocumentException", 400, "The policy is not in the valid JSON format."]);
  });
});

describe("session tags and source identity from the token, as the SDK sees them", () => {
  const TAGS = { principal_tags: { Project: ["Automation"], CostCenter: ["987654"] }, transitive_tag_keys: ["Project"] };

  it("a role whose trust policy lacks sts:TagSession refuses a token with session tags → AccessDenied 403", async () => {
    const f = await sdkFailure(assume(await mint({ extra: { [TAGS_CLAIM]: TAGS } })));
    expect([f.name, f.code, f.type, f.status, f.message]).toEqual([
      "AccessDenied",
      "AccessDenied",
      "Sender",
      403,
      "Not authorized to perform sts:AssumeRoleWithWebIdentity",
    ]);
  });

  it("a role whose trust policy lacks sts:SetSourceIdentity refuses a token with a source identity → AccessDenied 403", async () => {
    const f = await sdkFailure(assume(await mint({ extra: { [SOURCE_IDENTITY_CLAIM]: "alice" } }), TAGS_ONLY_ROLE));
    expect([f.code, f.status, f.message]).toEqual(["AccessDenied", 403, "Not authorized to perform sts:AssumeRoleWithWebIdentity"]);
  });

  it("with both allowed: the SDK parses SourceIdentity and PackedPolicySize, and the session records the tags", async () => {
    const out = await assume(await mint({ extra: { [TAGS_CLAIM]: TAGS, [SOURCE_IDENTITY_CLAIM]: "alice.admin@example" } }), TAGGED_ROLE);
    expect(out.SourceIdentity).toBe("alice.admin@example");
    expect(out.PackedPolicySize).toBeGreaterThan(0);
    expect(out.AssumedRoleUser?.Arn).toBe("arn:aws:sts::123456789012:assumed-role/TaggedSessions/alice-session");
    const session = sessions.open(out.Credentials?.SessionToken ?? "");
    expect(session?.sessionTags).toEqual([
      { key: "Project", value: "Automation" },
      { key: "CostCenter", value: "987654" },
    ]);
    expect(session?.transitiveTagKeys).toEqual(["Project"]);
    expect(session?.sourceIdentity).toBe("alice.admin@example");
    const who = await signedClient(out.Credentials ?? {}).send(new GetCallerIdentityCommand({}));
    expect(who.Arn).toBe("arn:aws:sts::123456789012:assumed-role/TaggedSessions/alice-session");
  });

  it("SourceIdentity is in the XML and the JSON answer", async () => {
    const form = async () =>
      new URLSearchParams({
        Action: "AssumeRoleWithWebIdentity",
        Version: "2011-06-15",
        RoleArn: TAGGED_ROLE,
        RoleSessionName: "wire",
        WebIdentityToken: await mint({ extra: { [SOURCE_IDENTITY_CLAIM]: "alice" } }),
      });
    const xml = await (await fetch(sts.url, { method: "POST", body: await form() })).text();
    expect(xml).toContain("    <SourceIdentity>alice</SourceIdentity>\n");
    const json = (await (await fetch(sts.url, { method: "POST", headers: { accept: "application/json" }, body: await form() })).json()) as {
      AssumeRoleWithWebIdentityResponse: { AssumeRoleWithWebIdentityResult: { SourceIdentity?: unknown; PackedPolicySize?: unknown } };
    };
    expect(json.AssumeRoleWithWebIdentityResponse.AssumeRoleWithWebIdentityResult.SourceIdentity).toBe("alice");
    expect(json.AssumeRoleWithWebIdentityResponse.AssumeRoleWithWebIdentityResult.PackedPolicySize).toBeUndefined();
  });

  it("a malformed tags claim → InvalidParameterValue 400 with AWS's text", async () => {
    const f = await sdkFailure(assume(await mint({ extra: { [TAGS_CLAIM]: { principal_tags: { Project: ["a"] }, transitive_tag_keys: ["Team"] } } }), TAGGED_ROLE));
    expect([f.code, f.type, f.status, f.message]).toEqual(["InvalidParameterValue", "Sender", 400, "The specified transitive tag key must be included in the requested tags."]);
    const multi = await sdkFailure(assume(await mint({ extra: { [TAGS_CLAIM]: { principal_tags: { Project: ["a", "b"] } } } }), TAGGED_ROLE));
    expect([multi.code, multi.status]).toEqual(["InvalidParameterValue", 400]);
  });

  it("an invalid source identity → ValidationError 400", async () => {
    const f = await sdkFailure(assume(await mint({ extra: { [SOURCE_IDENTITY_CLAIM]: "Jane Doe" } }), TAGGED_ROLE));
    expect([f.name, f.code, f.status, f.message]).toEqual([
      "ValidationError",
      "ValidationError",
      400,
      "1 validation error detected: Value 'Jane Doe' at 'sourceIdentity' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*",
    ]);
  });
});

describe("AssumeRoleWithWebIdentity refusals, as the SDK sees them", () => {
  it("a forged signature (another key, same kid) → InvalidIdentityToken", async () => {
    const forger = await generateKeyPair("RS256");
    const f = await sdkFailure(assume(await mint({ key: forger.privateKey })));
    expect(f).toEqual({
      name: "InvalidIdentityTokenException",
      code: "InvalidIdentityToken",
      type: "Sender",
      status: 400,
      message: "The web identity token's signature is invalid",
    });
  });

  it("alg: none → InvalidIdentityToken", async () => {
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
    const nowS = Math.floor(Date.now() / 1000);
    const token = `${b64({ alg: "none", kid: "rsa-1" })}.${b64({ iss: issuer.url, sub: "alice", aud: CLIENT_ID, exp: nowS + 600 })}.`;
    const f = await sdkFailure(assume(token));
    expect([f.name, f.code, f.status, f.message]).toEqual([
      "InvalidIdentityTokenException",
      "InvalidIdentityToken",
      400,
      'Unsupported signing algorithm "none" in the web identity token; supported: RS256, RS384, RS512, ES256, ES384, ES512',
    ]);
  });

  it("an unknown kid → Couldn't retrieve verification key (double space and all)", async () => {
    const f = await sdkFailure(assume(await mint({ kid: "rotated-away" })));
    expect([f.code, f.status, f.message]).toEqual(["InvalidIdentityToken", 400, KEY_MESSAGE]);
  });

  it("a ProviderId other than www.amazon.com / graph.facebook.com → InvalidIdentityToken naming the supported ones", async () => {
    const f = await sdkFailure(
      unsignedClient().send(new AssumeRoleWithWebIdentityCommand({ RoleArn: USER_ROLE, RoleSessionName: "oidc", WebIdentityToken: await mint(), ProviderId: "accounts.google.com" })),
    );
    expect([f.code, f.status, f.message]).toEqual([
      "InvalidIdentityToken",
      400,
      "ProviderId accounts.google.com is not supported: www.amazon.com and graph.facebook.com are the only supported identity providers for OAuth 2.0 access tokens. Omit ProviderId for OpenID Connect ID tokens.",
    ]);
  });

  it("an access token without ProviderId → not a valid JWT (AWS's text)", async () => {
    const f = await sdkFailure(assume("Atza|IQEBLjAsAhRFiXuWpUXuRvQ9PZL3GMFcYevydwIU"));
    expect([f.code, f.status, f.message]).toEqual(["InvalidIdentityToken", 400, "The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)"]);
  });

  it("a wrong issuer → No OpenIDConnect provider found in your account for <iss>", async () => {
    const f = await sdkFailure(assume(await mint({ iss: "https://accounts.example.com" })));
    expect([f.code, f.status, f.message]).toEqual(["InvalidIdentityToken", 400, "No OpenIDConnect provider found in your account for https://accounts.example.com"]);
  });

  it("a wrong audience → Incorrect token audience", async () => {
    const f = await sdkFailure(assume(await mint({ aud: "someone-else" })));
    expect([f.code, f.status, f.message]).toEqual(["InvalidIdentityToken", 400, "Incorrect token audience"]);
  });

  it("exp 290 s ago is inside the 300 s grace; 310 s ago → ExpiredTokenException 400", async () => {
    clock.fixedMs = wholeSecondNow();
    const nowS = clock.fixedMs / 1000;
    const ok = await assume(await mint({ exp: nowS - 290 }));
    expect(ok.Credentials?.AccessKeyId).toMatch(/^ASIA/);
    const f = await sdkFailure(assume(await mint({ exp: nowS - 310 })));
    expect(f).toEqual({
      name: "ExpiredTokenException",
      code: "ExpiredTokenException",
      type: "Sender",
      status: 400,
      message: `Token expired: current date/time ${nowS} must be before the expiration date/time ${nowS - 310}`,
    });
  });

  it("bob on the AliceOnly role → AccessDenied 403", async () => {
    const f = await sdkFailure(assume(await mint({ sub: "bob" }), ALICE_ROLE));
    expect([f.name, f.code, f.type, f.status, f.message]).toEqual([
      "AccessDenied",
      "AccessDenied",
      "Sender",
      403,
      "Not authorized to perform sts:AssumeRoleWithWebIdentity",
    ]);
  });

  it("a role that does not exist → the same AccessDenied", async () => {
    const f = await sdkFailure(assume(await mint(), "arn:aws:iam::123456789012:role/Nope"));
    expect([f.code, f.status, f.message]).toEqual(["AccessDenied", 403, "Not authorized to perform sts:AssumeRoleWithWebIdentity"]);
  });

  it("DurationSeconds above the role's MaxSessionDuration → ValidationError", async () => {
    const f = await sdkFailure(assume(await mint(), USER_ROLE, { DurationSeconds: 7200 }));
    expect([f.name, f.code, f.status, f.message]).toEqual([
      "ValidationError",
      "ValidationError",
      400,
      "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
    ]);
  });

  it("a bad session name → ValidationError in AWS's model wording; a malformed ARN → '<arn> is invalid'", async () => {
    const token = await mint();
    const name = await sdkFailure(
      unsignedClient().send(new AssumeRoleWithWebIdentityCommand({ RoleArn: USER_ROLE, RoleSessionName: "Session1:2", WebIdentityToken: token })),
    );
    expect([name.code, name.status, name.message]).toEqual([
      "ValidationError",
      400,
      "1 validation error detected: Value 'Session1:2' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*",
    ]);
    const arn = await sdkFailure(assume(token, "arn:a:::something/test-role"));
    expect([arn.code, arn.message]).toEqual(["ValidationError", "arn:a:::something/test-role is invalid"]);
  });
});

describe("SigV4 on GetCallerIdentity, as the SDK signs it", () => {
  async function sessionCreds(): Promise<Credentials> {
    return (await assume(await mint())).Credentials as Credentials;
  }

  it("a body tampered with after signing → SignatureDoesNotMatch 403", async () => {
    const client = signedClient(await sessionCreds());
    client.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { body: string };
        // Same length and meaning, different bytes: only the signature can tell.
        request.body = "Version=2011-06-15&Action=GetCallerIdentity";
        return next(args);
      },
      { step: "deserialize", name: "tamper" },
    );
    const f = await sdkFailure(client.send(new GetCallerIdentityCommand({})));
    expect([f.name, f.code, f.type, f.status]).toEqual(["SignatureDoesNotMatch", "SignatureDoesNotMatch", "Sender", 403]);
    // AWS's sentence, then what real STS appends: the canonical request and string to sign it computed (of the
    // tampered body, so the hash line differs from what the SDK signed).
    const [sentence, canonical, toSign] = /^(.*?)\n\nThe Canonical String for this request should have been\n'([^']*)'\n\nThe String-to-Sign should have been\n'([^']*)'\n$/s.exec(f.message)?.slice(1) ?? [];
    expect(sentence).toBe(
      "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
    );
    expect(canonical?.split("\n").slice(0, 3)).toEqual(["POST", "/", ""]);
    expect(canonical?.split("\n").at(-1)).toBe(createHash("sha256").update("Version=2011-06-15&Action=GetCallerIdentity").digest("hex"));
    expect(toSign?.split("\n")[0]).toBe("AWS4-HMAC-SHA256");
    expect(toSign?.split("\n")[3]).toBe(createHash("sha256").update(canonical ?? "").digest("hex"));
  });

  it("STS clock 16 min ahead → 'Signature expired … (… - 15 min.)'", async () => {
    const creds = await sessionCreds();
    clock.fixedMs = wholeSecondNow() + 16 * 60_000;
    const client = signedClient(creds);
    const seen = captureSigningDate(client);
    const f = await sdkFailure(client.send(new GetCallerIdentityCommand({})));
    const n = clock.fixedMs;
    expect([f.code, f.status, f.message]).toEqual([
      "SignatureDoesNotMatch",
      403,
      `Signature expired: ${seen.date} is now earlier than ${amz(n - 15 * 60_000)} (${amz(n)} - 15 min.)`,
    ]);
    expect(n - amzToMs(seen.date)).toBeGreaterThan(15 * 60_000);
  });

  it("STS clock 16 min behind → 'Signature not yet current … (… + 15 min.)'", async () => {
    const creds = await sessionCreds();
    clock.fixedMs = wholeSecondNow() - 16 * 60_000;
    const client = signedClient(creds);
    const seen = captureSigningDate(client);
    const f = await sdkFailure(client.send(new GetCallerIdentityCommand({})));
    const n = clock.fixedMs;
    expect([f.code, f.status, f.message]).toEqual([
      "SignatureDoesNotMatch",
      403,
      `Signature not yet current: ${seen.date} is still later than ${amz(n + 15 * 60_000)} (${amz(n)} + 15 min.)`,
    ]);
  });

  it("14 min of skew either way is accepted", async () => {
    const creds = await sessionCreds();
    for (const offset of [14 * 60_000, -14 * 60_000]) {
      clock.offsetMs = offset;
      const who = await signedClient(creds).send(new GetCallerIdentityCommand({}));
      expect(who.Account).toBe("123456789012");
    }
  });

  it("expired session credentials → ExpiredToken 403", async () => {
    clock.offsetMs = -20 * 60_000; // issue 20 min "ago" for 15 min: expired 5 min ago, still within the signing window
    const out = await assume(await mint(), USER_ROLE, { DurationSeconds: 900 });
    clock.offsetMs = 0;
    const f = await sdkFailure(signedClient(out.Credentials ?? {}).send(new GetCallerIdentityCommand({})));
    expect([f.name, f.code, f.type, f.status, f.message]).toEqual([
      "ExpiredToken",
      "ExpiredToken",
      "Sender",
      403,
      "The security token included in the request is expired",
    ]);
  });

  it("an unknown access key, or a session key without its token → InvalidClientTokenId 403", async () => {
    const unknown = await sdkFailure(
      signedClient({ AccessKeyId: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" }).send(new GetCallerIdentityCommand({})),
    );
    expect([unknown.name, unknown.code, unknown.status, unknown.message]).toEqual([
      "InvalidClientTokenId",
      "InvalidClientTokenId",
      403,
      "The security token included in the request is invalid.",
    ]);
    const creds = await sessionCreds();
    const noToken = await sdkFailure(signedClient({ ...creds, SessionToken: undefined }).send(new GetCallerIdentityCommand({})));
    expect([noToken.code, noToken.status]).toEqual(["InvalidClientTokenId", 403]);
  });

  it("a stray space in the access key id → IncompleteSignature 400 naming the fragment, before the key is looked up", async () => {
    const creds = await sessionCreds();
    const client = signedClient({ ...creds, AccessKeyId: `${creds.AccessKeyId ?? ""} ` });
    const f = await sdkFailure(client.send(new GetCallerIdentityCommand({})));
    expect([f.code, f.type, f.status]).toEqual(["IncompleteSignature", "Sender", 400]);
    const scope = String.raw`/\d{8}/us-east-1/sts/aws4_request`;
    expect(f.message).toMatch(
      new RegExp(
        String.raw`^'${scope}' not a valid key=value pair \(missing equal-sign\) in Authorization header: ` +
          String.raw`'AWS4-HMAC-SHA256 Credential=${creds.AccessKeyId ?? ""} ${scope}, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}'\.$`,
      ),
    );
  });

  it("the wrong signing region → SignatureDoesNotMatch naming the scope problem", async () => {
    const creds = await sessionCreds();
    const client = new STSClient({
      region: "eu-west-1",
      endpoint: sts.url,
      maxAttempts: 1,
      credentials: { accessKeyId: creds.AccessKeyId ?? "", secretAccessKey: creds.SecretAccessKey ?? "", sessionToken: creds.SessionToken },
    });
    const f = await sdkFailure(client.send(new GetCallerIdentityCommand({})));
    expect([f.code, f.status, f.message]).toEqual(["SignatureDoesNotMatch", 403, "Credential should be scoped to a valid region, not 'eu-west-1'."]);
  });

  it("an operation the stand-in lacks answers NotImplemented after the signature check", async () => {
    const command = () => new AssumeRootCommand({ TargetPrincipal: "123456789012", TaskPolicyArn: { arn: "arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials" } });
    const unsigned = await sdkFailure(signedClient({ AccessKeyId: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "x" }).send(command()));
    expect(unsigned.code).toBe("InvalidClientTokenId");
    const f = await sdkFailure(signedClient(await sessionCreds()).send(command()));
    expect([f.code, f.status, f.message]).toEqual(["NotImplemented", 501, "The local STS stand-in does not implement AssumeRoot yet."]);
  });

  it("accepts a GetCallerIdentity URL presigned by the SDK's SignatureV4 (what aws-iam-authenticator does)", async () => {
    const creds = await sessionCreds();
    const signer = new SignatureV4({
      service: "sts",
      region: "us-east-1",
      sha256: NodeSha256,
      credentials: { accessKeyId: creds.AccessKeyId ?? "", secretAccessKey: creds.SecretAccessKey ?? "", sessionToken: creds.SessionToken },
    });
    const url = new URL(sts.url);
    const presigned = await signer.presign(
      {
        method: "GET",
        protocol: "http:",
        hostname: url.hostname,
        port: Number(url.port),
        path: "/",
        query: { Action: "GetCallerIdentity", Version: "2011-06-15" },
        headers: { host: url.host },
      },
      { expiresIn: 60 },
    );
    const qs = Object.entries(presigned.query ?? {})
      .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
      .join("&");
    const res = await fetch(`${sts.url}/?${qs}`, { headers: { accept: "application/json" } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { GetCallerIdentityResponse: { GetCallerIdentityResult: { Arn: string } } };
    expect(body.GetCallerIdentityResponse.GetCallerIdentityResult.Arn).toBe(
      "arn:aws:sts::123456789012:assumed-role/WebIdentityConsoleUser/alice-session",
    );
    const tampered = await fetch(`${sts.url}/?${qs.replace("Version=2011-06-15", "Version=2011-06-15&Extra=1")}`);
    expect(tampered.status).toBe(403);
    expect(await tampered.text()).toContain("<Code>SignatureDoesNotMatch</Code>");
  });
});

describe("the wire, by hand (what a browser sends)", () => {
  it("answers a CORS preflight like real STS", async () => {
    const res = await fetch(sts.url, {
      method: "OPTIONS",
      headers: {
        Origin: "http://127.0.0.1:5173",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type,amz-sdk-invocation-id,amz-sdk-request,x-amz-user-agent,authorization,x-amz-security-token",
      },
    });
    expect(res.status).toBe(200);
    // Exactly the captured headers (reference §6), in order; connection/keep-alive are node:http's hop-by-hop headers.
    const headers = [...res.headers].filter(([name]) => name !== "connection" && name !== "keep-alive");
    expect(headers.map(([name]) => name)).toEqual([
      "x-amzn-requestid",
      "access-control-allow-origin",
      "access-control-allow-headers",
      "access-control-allow-methods",
      "access-control-expose-headers",
      "access-control-max-age",
      "content-length",
    ].sort());
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(res.headers.get("access-control-allow-headers")).toBe(
      "content-type,amz-sdk-invocation-id,amz-sdk-request,x-amz-user-agent,authorization,x-amz-security-token",
    );
    expect(res.headers.get("access-control-allow-methods")).toBe("POST");
    expect(res.headers.get("access-control-expose-headers")).toBe("x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage,Date");
    expect(res.headers.get("access-control-max-age")).toBe("172800");
    expect(res.headers.get("content-length")).toBe("0");
    expect(res.headers.get("x-amzn-requestid")).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(await res.text()).toBe("");
    const plain = await fetch(sts.url, { method: "OPTIONS", headers: { Origin: "http://127.0.0.1:5173", "Access-Control-Request-Method": "POST" } });
    expect(plain.status).toBe(200);
    expect(plain.headers.has("access-control-allow-headers")).toBe(false);
    expect(plain.headers.get("access-control-allow-methods")).toBe("POST");
  });

  it("puts CORS headers, the request id and Date on actual responses, errors included", async () => {
    const res = await fetch(sts.url, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "Action=CreateUser&Version=2011-06-15" });
    expect(res.status).toBe(400);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(res.headers.get("access-control-expose-headers")).toContain("x-amzn-RequestId");
    expect(res.headers.get("content-type")).toBe("text/xml");
    const id = res.headers.get("x-amzn-requestid");
    expect(Math.abs(Date.parse(res.headers.get("date") ?? "") - Date.now())).toBeLessThan(5_000);
    expect(await res.text()).toBe(
      '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">\n  <Error>\n    <Type>Sender</Type>\n' +
        "    <Code>InvalidAction</Code>\n    <Message>Could not find operation CreateUser for version 2011-06-15</Message>\n" +
        `  </Error>\n  <RequestId>${id}</RequestId>\n</ErrorResponse>\n`,
    );
  });

  it("speaks JSON with Accept: application/json (epoch-second Expiration, JSON errors)", async () => {
    const body = new URLSearchParams({ Action: "AssumeRoleWithWebIdentity", Version: "2011-06-15", RoleArn: USER_ROLE, RoleSessionName: "json", WebIdentityToken: await mint() });
    const res = await fetch(sts.url, { method: "POST", headers: { accept: "application/json" }, body });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json");
    const json = (await res.json()) as {
      AssumeRoleWithWebIdentityResponse: { AssumeRoleWithWebIdentityResult: { Credentials: { Expiration: unknown }; Provider: string }; ResponseMetadata: { RequestId: string } };
    };
    const result = json.AssumeRoleWithWebIdentityResponse.AssumeRoleWithWebIdentityResult;
    expect(typeof result.Credentials.Expiration).toBe("number");
    expect(Math.abs((result.Credentials.Expiration as number) - (Date.now() / 1000 + 3600))).toBeLessThan(10);
    expect(json.AssumeRoleWithWebIdentityResponse.ResponseMetadata.RequestId).toBe(res.headers.get("x-amzn-requestid"));

    const err = await fetch(sts.url, { method: "POST", headers: { accept: "application/json" }, body: "Action=GetCallerIdentity&Version=2011-06-15" });
    expect(err.status).toBe(403);
    expect(await err.json()).toEqual({
      Error: { Code: "MissingAuthenticationToken", Message: "Request is missing Authentication Token", Type: "Sender" },
      RequestId: err.headers.get("x-amzn-requestid"),
    });
  });

  it("form-decodes + and %20 alike (browser URLSearchParams vs SDK encoding)", async () => {
    const token = await mint();
    const common = `Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=${encodeURIComponent(USER_ROLE)}&WebIdentityToken=${token}`;
    // A space is outside the session-name pattern, so the echoed value shows how the body was decoded.
    for (const encoded of ["a+b", "a%20b"]) {
      const res = await fetch(sts.url, { method: "POST", body: `${common}&RoleSessionName=${encoded}`, headers: { "content-type": "application/x-www-form-urlencoded" } });
      expect(res.status).toBe(400);
      expect(await res.text()).toContain("Value &apos;a b&apos; at &apos;roleSessionName&apos; failed to satisfy constraint");
    }
    const plus = await fetch(sts.url, { method: "POST", body: `${common}&RoleSessionName=a%2Bb` });
    expect(plus.status).toBe(200);
    expect(await plus.text()).toContain("<Arn>arn:aws:sts::123456789012:assumed-role/WebIdentityConsoleUser/a+b</Arn>");
  });

  it("a RoleSessionName with U+0001 gets a well-formed ValidationError document (the character shown as U+FFFD)", async () => {
    const body = `Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=${encodeURIComponent(USER_ROLE)}&RoleSessionName=a%01b&WebIdentityToken=${await mint()}`;
    const res = await fetch(sts.url, { method: "POST", body, headers: { "content-type": "application/x-www-form-urlencoded" } });
    expect(res.status).toBe(400);
    const xml = await res.text();
    expect(xml).toMatch(XML_DOCUMENT_CHARS);
    expect(xml).toContain("<Message>1 validation error detected: Value &apos;a\uFFFDb&apos; at &apos;roleSessionName&apos; failed to satisfy constraint");
    const f = await sdkFailure(
      unsignedClient().send(new AssumeRoleWithWebIdentityCommand({ RoleArn: USER_ROLE, RoleSessionName: "a\u0001b", WebIdentityToken: await mint() })),
    );
    expect([f.code, f.status, f.message]).toEqual([
      "ValidationError",
      400,
      "1 validation error detected: Value 'a\uFFFDb' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*",
    ]);
  });

  it("accepts the unsigned GET form (Envoy's AssumeRoleWithWebIdentity)", async () => {
    const qs = new URLSearchParams({ Action: "AssumeRoleWithWebIdentity", Version: "2011-06-15", RoleArn: USER_ROLE, RoleSessionName: "envoy", WebIdentityToken: await mint() });
    const res = await fetch(`${sts.url}/?${qs}`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("<SubjectFromWebIdentityToken>alice</SubjectFromWebIdentityToken>");
  });

  it("over the configured rate → Throttling 400 'Rate exceeded', in XML for the SDK and in JSON; then recovers", async () => {
    let now = 0;
    const throttled = await startSts({ config, port: 0, now: stsNow, sessions, maxRequestsPerSecond: 2, rateClock: () => now });
    try {
      const client = new STSClient({ region: "us-east-1", endpoint: throttled.url, maxAttempts: 1 });
      const call = () => sdkFailure(client.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: USER_ROLE, RoleSessionName: "throttled", WebIdentityToken: "not-a-jwt" })));
      expect((await call()).code).toBe("InvalidIdentityToken");
      expect((await call()).code).toBe("InvalidIdentityToken");
      const f = await call();
      expect([f.name, f.code, f.type, f.status, f.message]).toEqual(["Throttling", "Throttling", "Sender", 400, "Rate exceeded"]);
      const json = await fetch(throttled.url, { method: "POST", headers: { accept: "application/json" }, body: "Action=GetCallerIdentity&Version=2011-06-15" });
      expect(json.status).toBe(400);
      expect(await json.json()).toEqual({ Error: { Code: "Throttling", Message: "Rate exceeded", Type: "Sender" }, RequestId: json.headers.get("x-amzn-requestid") });
      now += 500; // one token back
      expect((await call()).code).toBe("InvalidIdentityToken");
      expect((await call()).code).toBe("Throttling");
    } finally {
      await throttled.close();
    }
  });

  it("refuses an oversized body with 413 and a missing Version with MissingParameter", async () => {
    const big = await fetch(sts.url, { method: "POST", body: `Action=GetCallerIdentity&Version=2011-06-15&Pad=${"x".repeat(70 * 1024)}` });
    expect(big.status).toBe(413);
    expect(await big.text()).toContain("<Code>RequestEntityTooLarge</Code>");
    const noVersion = await fetch(sts.url, { method: "POST", body: "Action=GetCallerIdentity" });
    expect(noVersion.status).toBe(400);
    expect(await noVersion.text()).toContain("<Code>MissingParameter</Code>");
  });
});
