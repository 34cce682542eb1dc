/**
 * AssumeRoleWithSAML of the local STS against the official `@aws-sdk/client-sts`, with assertions obtained from the
 * local SAML IdP by a real HTTP sign-in (form POST with alice's password; the SAMLResponse read from the HTTP-POST
 * binding page). Refusals: tampered, wrapped (XSW), expired, not yet valid, wrong audience / recipient / issuer,
 * unsigned, signed by another key, replayed, role pair missing, unknown provider, trust policy.
 */
import { createHash } from "node:crypto";
import { AssumeRoleWithSAMLCommand, GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadStackConfig, type StackConfig } from "../config";
import { evaluateSessionRequest } from "../iam/session";
import { ATTRIBUTES, AWS_SAML_ENDPOINT, buildResponse, NAMEID_FORMAT, signResponse, type AssertionInput } from "../saml/assertion";
import { createSigningCredentials } from "../saml/keys";
import { startSamlIdp, type SamlIdpServer } from "../saml/server";
import { descendants, DS_NS, parseXml, SAML_NS, SAMLP_NS, serializeXml, type SigningCredentials } from "../saml/xml";
import { startSts, type StsServer } from "./server";
import { createSessionStore } from "./sessions";

const ACCOUNT = "123456789012";
const PROVIDER_ARN = `arn:aws:iam::${ACCOUNT}:saml-provider/LocalSAML`;
const ROLE = `arn:aws:iam::${ACCOUNT}:role/SamlUser`;
/** Added by this test: trusts the provider only for the NameID bob. */
const BOB_ONLY = `arn:aws:iam::${ACCOUNT}:role/SamlBobOnly`;

let config: StackConfig;
let credentials: SigningCredentials;
let idp: SamlIdpServer;
let sts: StsServer;
let clockOffsetMs = 0;
const sessions = createSessionStore();

beforeAll(async () => {
  config = loadStackConfig();
  config.roles.push({
    name: "SamlBobOnly",
    path: "/",
    maxSessionDuration: 3600,
    trustPolicy: {
      Version: "2012-10-17",
      Statement: { Effect: "Allow", Principal: { Federated: PROVIDER_ARN }, Action: "sts:AssumeRoleWithSAML", Condition: { StringEquals: { "saml:sub": "bob" } } },
    },
    permissionPolicies: [],
  });
  config.samlIdp?.roles.push(BOB_ONLY);
  credentials = createSigningCredentials();
  idp = await startSamlIdp({ config, credentials });
  const provider = config.samlProviders[0];
  if (!provider) throw new Error("stack.json has no SAML provider");
  provider.metadataUrl = idp.metadataUrl;
  sts = await startSts({ config, sessions, now: () => Date.now() + clockOffsetMs });
});

afterAll(async () => {
  await Promise.all([idp?.close(), sts?.close()]);
});

function client(creds?: { AccessKeyId?: string; SecretAccessKey?: string; SessionToken?: string }): STSClient {
  return new STSClient({
    region: "us-east-1",
    endpoint: sts.url,
    maxAttempts: 1,
    ...(creds ? { credentials: { accessKeyId: creds.AccessKeyId ?? "", secretAccessKey: creds.SecretAccessKey ?? "", sessionToken: creds.SessionToken } } : {}),
  });
}

function htmlValue(html: string, name: string): string {
  const m = new RegExp(`name="${name}" value="([^"]*)"`).exec(html);
  if (!m) throw new Error(`no ${name} in the page`);
  return (m[1] ?? "").replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)));
}

/** Sign in on the IdP's form like a browser and read the SAMLResponse from the HTTP-POST binding page. */
async function login(username = "alice", password = `${username}-password`, query = ""): Promise<string> {
  const form = await fetch(`${idp.ssoUrl}${query}`);
  expect(form.status).toBe(200);
  const formHtml = await form.text();
  const body = new URLSearchParams({
    origin: htmlValue(formHtml, "origin"),
    RelayState: htmlValue(formHtml, "RelayState"),
    NameIDFormat: htmlValue(formHtml, "NameIDFormat"),
    username,
    password,
  });
  const res = await fetch(idp.ssoUrl, { method: "POST", body, headers: { "content-type": "application/x-www-form-urlencoded" } });
  expect(res.status).toBe(200);
  return htmlValue(await res.text(), "SAMLResponse");
}

function assume(samlAssertion: string, roleArn = ROLE, principalArn = PROVIDER_ARN, extra: { DurationSeconds?: number; Policy?: string } = {}) {
  return client().send(new AssumeRoleWithSAMLCommand({ RoleArn: roleArn, PrincipalArn: principalArn, SAMLAssertion: samlAssertion, ...extra }));
}

async function failure(p: Promise<unknown>): Promise<{ code: unknown; status: number | undefined; message: string }> {
  try {
    await p;
  } catch (e) {
    const err = e as Error & { Code?: unknown; $metadata?: { httpStatusCode?: number } };
    return { code: err.Code ?? err.name, status: err.$metadata?.httpStatusCode, message: err.message };
  }
  throw new Error("expected the call to fail");
}

const decode = (b64: string) => Buffer.from(b64, "base64").toString("utf8");
const encode = (xml: string) => Buffer.from(xml, "utf8").toString("base64");

/** An assertion like the IdP's, with overrides, signed with `key` (default: the IdP's own key). */
function forged(overrides: Partial<AssertionInput> = {}, key: SigningCredentials | null = credentials): string {
  const now = Date.now();
  const input: AssertionInput = {
    issuer: idp.entityId,
    nameId: "alice",
    nameIdFormat: NAMEID_FORMAT.persistent,
    issueInstant: now,
    notBefore: now,
    notOnOrAfter: now + 300_000,
    attributes: [
      { name: ATTRIBUTES.role, values: [`${ROLE},${PROVIDER_ARN}`] },
      { name: ATTRIBUTES.roleSessionName, values: ["alice"] },
    ],
    ...overrides,
  };
  return encode(key ? signResponse(input, key).xml : buildResponse(input).xml);
}

const SIGNATURE_INVALID = { code: "InvalidIdentityToken", status: 400, message: "Response signature invalid" };

describe("AssumeRoleWithSAML with an assertion from the local SAML IdP", () => {
  it("accepts alice's assertion and answers Subject, SubjectType, Issuer, Audience and NameQualifier as AWS computes them", async () => {
    const out = await assume(await login("alice"));
    expect(out.$metadata.httpStatusCode).toBe(200);
    expect(out.Subject).toBe("alice");
    expect(out.SubjectType).toBe("persistent");
    expect(out.Issuer).toBe(idp.entityId);
    expect(out.Audience).toBe(AWS_SAML_ENDPOINT);
    const expected = createHash("sha1").update(`${idp.entityId}${ACCOUNT}/LocalSAML`).digest("base64");
    expect(out.NameQualifier).toBe(expected);
    expect(out.AssumedRoleUser?.Arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/SamlUser/alice`);
    expect(out.AssumedRoleUser?.AssumedRoleId).toMatch(/^AROA[A-Z2-7]{17}:alice$/);
    expect(out.Credentials?.AccessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(out.PackedPolicySize).toBeUndefined();
    expect(out.SourceIdentity).toBeUndefined();
    const expiresIn = (out.Credentials?.Expiration?.getTime() ?? 0) - Date.now();
    expect(expiresIn).toBeGreaterThan(3500_000);
    expect(expiresIn).toBeLessThanOrEqual(3600_000);

    const me = await client(out.Credentials).send(new GetCallerIdentityCommand({}));
    expect(me).toMatchObject({ Account: ACCOUNT, Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/SamlUser/alice`, UserId: out.AssumedRoleUser?.AssumedRoleId });

    // The role's permission policy uses ${saml:sub}: alice's own folder, not bob's.
    const session = sessions.open(out.Credentials?.SessionToken ?? "");
    if (!session) throw new Error("the session token does not open");
    const object = (who: string) => ({ action: "s3:GetObject", resource: `arn:aws:s3:::web-identity-console-demo/users/${who}/welcome.txt` });
    expect(evaluateSessionRequest(config, session, object("alice")).decision).toBe("Allow");
    expect(evaluateSessionRequest(config, session, object("bob")).decision).not.toBe("Allow");
  });

  it("answers SubjectType transient for a transient NameID, PackedPolicySize with a session policy, and a shorter DurationSeconds", async () => {
    const policy = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }] });
    const out = await assume(await login("bob", "bob-password", "?NameIDFormat=transient"), ROLE, PROVIDER_ARN, { DurationSeconds: 900, Policy: policy });
    expect(out.SubjectType).toBe("transient");
    expect(out.Subject).toMatch(/^_[0-9a-f]{32}$/);
    expect(out.AssumedRoleUser?.Arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/SamlUser/bob`);
    expect(out.PackedPolicySize).toBeGreaterThan(0);
    expect((out.Credentials?.Expiration?.getTime() ?? 0) - Date.now()).toBeLessThanOrEqual(900_000);
  });

  it("refuses a replayed assertion", async () => {
    const assertion = await login();
    await assume(assertion);
    expect(await failure(assume(assertion))).toMatchObject({ code: "InvalidIdentityToken", status: 400, message: expect.stringContaining("already been used") });
  });

  it("refuses an assertion changed after signing", async () => {
    const xml = decode(await login());
    expect(xml).toContain(">alice</saml:NameID>");
    expect(await failure(assume(encode(xml.replace(">alice</saml:NameID>", ">bob</saml:NameID>"))))).toEqual(SIGNATURE_INVALID);
    const attr = xml.replace(`>alice</saml:AttributeValue>`, `>bob</saml:AttributeValue>`);
    expect(attr).not.toBe(xml);
    expect(await failure(assume(encode(attr)))).toEqual(SIGNATURE_INVALID);
  });

  it("refuses wrapped assertions (XSW): a second assertion, the signed one moved under Extensions, or inside the signature's Object", async () => {
    const evilFrom = (signed: Element, id: string) => {
      const evil = signed.cloneNode(true) as Element;
      evil.setAttribute("ID", id);
      for (const s of descendants(evil, DS_NS, "Signature")) s.parentNode?.removeChild(s);
      const nameId = descendants(evil, SAML_NS, "NameID")[0];
      if (nameId) nameId.textContent = "bob";
      return evil;
    };
    // 1. Duplicated: the signed assertion and an unsigned one beside it.
    {
      const doc = parseXml(decode(await login()));
      const signed = descendants(doc, SAML_NS, "Assertion")[0] as Element;
      doc.documentElement.appendChild(evilFrom(signed, "_evil1"));
      expect(await failure(assume(encode(serializeXml(doc))))).toEqual(SIGNATURE_INVALID);
    }
    // 2. The signed assertion moved under samlp:Extensions, an unsigned one in its place.
    {
      const doc = parseXml(decode(await login()));
      const root = doc.documentElement;
      const signed = descendants(doc, SAML_NS, "Assertion")[0] as Element;
      const evil = evilFrom(signed, "_evil2");
      root.replaceChild(evil, signed);
      const extensions = doc.createElementNS(SAMLP_NS, "samlp:Extensions");
      extensions.appendChild(signed);
      root.insertBefore(extensions, root.firstChild?.nextSibling ?? null);
      expect(await failure(assume(encode(serializeXml(doc))))).toEqual(SIGNATURE_INVALID);
    }
    // 3. An unsigned assertion carrying the original signature, the original (signature removed) in ds:Object.
    {
      const doc = parseXml(decode(await login()));
      const root = doc.documentElement;
      const signed = descendants(doc, SAML_NS, "Assertion")[0] as Element;
      const signature = descendants(signed, DS_NS, "Signature")[0] as Element;
      const evil = evilFrom(signed, "_evil3");
      signed.removeChild(signature);
      const object = doc.createElementNS(DS_NS, "ds:Object");
      root.replaceChild(evil, signed);
      object.appendChild(signed);
      signature.appendChild(object);
      evil.insertBefore(signature, evil.firstChild?.nextSibling ?? null);
      expect(await failure(assume(encode(serializeXml(doc))))).toEqual(SIGNATURE_INVALID);
    }
  });

  it("reads the NameID from the signed XML: a comment injected into it neither breaks the signature nor truncates the subject", async () => {
    const xml = decode(await login());
    const out = await assume(encode(xml.replace(">alice</saml:NameID>", ">al<!-- injected -->ice</saml:NameID>")));
    expect(out.Subject).toBe("alice");
  });

  it("refuses an unsigned assertion and one signed by another key", async () => {
    expect(await failure(assume(forged({}, null)))).toEqual(SIGNATURE_INVALID);
    expect(await failure(assume(forged({}, createSigningCredentials())))).toEqual(SIGNATURE_INVALID);
    // The other key's certificate embedded in KeyInfo is never trusted.
  });

  it("refuses an expired and a not-yet-valid assertion (300 s clock skew)", async () => {
    const expired = await login();
    clockOffsetMs = (300 + 300 + 1) * 1000;
    try {
      expect(await failure(assume(expired))).toMatchObject({ code: "ExpiredTokenException", status: 400 });
    } finally {
      clockOffsetMs = 0;
    }
    const early = await login();
    clockOffsetMs = -(300 + 1) * 1000 - 1000;
    try {
      expect(await failure(assume(early))).toMatchObject({ code: "InvalidIdentityToken", status: 400, message: expect.stringContaining("not yet valid") });
    } finally {
      clockOffsetMs = 0;
    }
  });

  it("refuses a wrong audience, a wrong recipient and a wrong issuer; accepts urn:amazon:webservices", async () => {
    expect(await failure(assume(forged({ audiences: ["https://sp.example.test/saml"] })))).toEqual({
      code: "InvalidIdentityToken",
      status: 400,
      message: "Response does not contain the required audience.",
    });
    expect(await failure(assume(forged({ recipient: "https://sp.example.test/acs" })))).toMatchObject({ code: "InvalidIdentityToken", status: 400, message: expect.stringContaining("Recipient") });
    expect(await failure(assume(forged({ issuer: "urn:example:other-idp" })))).toMatchObject({
      code: "InvalidIdentityToken",
      status: 400,
      message: expect.stringMatching(/^Issuer not present in specified provider \(Service: AWSOpenIdDiscoveryService; Status Code: 400; Error Code: AuthSamlInvalidSamlResponseException; Request ID: [0-9a-f-]{36}; Proxy: null\)$/),
    });
    expect((await assume(forged({ audiences: ["urn:amazon:webservices"] }))).Subject).toBe("alice");
  });

  it("refuses a missing or invalid RoleSessionName with AWS's texts", async () => {
    const pair = { name: ATTRIBUTES.role, values: [`${ROLE},${PROVIDER_ARN}`] };
    expect(await failure(assume(forged({ attributes: [pair] })))).toEqual({ code: "InvalidIdentityToken", status: 400, message: "RoleSessionName is required in AuthnResponse" });
    expect(await failure(assume(forged({ attributes: [pair, { name: ATTRIBUTES.roleSessionName, values: ["Alice Example"] }] })))).toEqual({
      code: "InvalidIdentityToken",
      status: 400,
      message: "RoleSessionName in AuthnResponse must match [a-zA-Z_0-9+=,.@-]{2,64}",
    });
  });

  it("refuses a role that is not paired with the provider in the assertion, an unknown provider, and a trust policy that does not allow", async () => {
    const other = `arn:aws:iam::${ACCOUNT}:role/WebIdentityConsoleUser`;
    expect(await failure(assume(await login(), other))).toEqual({ code: "AccessDenied", status: 403, message: "Not authorized to perform sts:AssumeRoleWithSAML" });
    expect(await failure(assume(await login(), ROLE, `arn:aws:iam::${ACCOUNT}:saml-provider/Unknown`))).toEqual({
      code: "InvalidIdentityToken",
      status: 400,
      message: "Specified provider doesn't exist.",
    });
    expect(await failure(assume(await login("alice"), BOB_ONLY))).toEqual({ code: "AccessDenied", status: 403, message: "Not authorized to perform sts:AssumeRoleWithSAML" });
    expect((await assume(await login("bob"), BOB_ONLY)).Subject).toBe("bob");
  });

  it("refuses DurationSeconds above the role's maximum and a SAMLAssertion that is not a SAML response", async () => {
    expect(await failure(assume(await login(), ROLE, PROVIDER_ARN, { DurationSeconds: 7200 }))).toEqual({
      code: "ValidationError",
      status: 400,
      message: "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
    });
    expect(await failure(assume(encode('<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>')))).toMatchObject({ code: "InvalidIdentityToken", status: 400 });
    expect(await failure(assume("bm90IHhtbA=="))).toMatchObject({ code: "InvalidIdentityToken", status: 400 });
  });
});
