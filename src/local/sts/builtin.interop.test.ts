/**
 * The built-in providers end to end: tokens from the real personas (src/local/idp, signed in through their login
 * forms) exchanged at the local STS by the official AWS SDK v3 — a Google ID token (no IAM OIDC provider), Login with
 * Amazon and Facebook access tokens with `ProviderId` (the STS calls the persona's token-info / debug-token) — and
 * what happens when a persona revokes a token, goes offline or answers garbage.
 */
import { AssumeRoleWithWebIdentityCommand, GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { fromWebToken } from "@aws-sdk/credential-provider-web-identity";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { loadStackConfig, type PersonaName, type StackConfig } from "../config";
import { createStackControls, type StackControls } from "../controls";
import { signInHeadless } from "../idp/headless";
import { startIdp, type IdpServer } from "../idp/server";
import { startSts, type StsServer } from "./server";

const ACCOUNT = "123456789012";
const REDIRECT_URI = "http://127.0.0.1:5173/";
const role = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;

let controls: StackControls;
let personas: Record<PersonaName, IdpServer>;
let config: StackConfig;
let sts: StsServer;
/** Every token-info / debug-token call the STS makes, by persona. */
const providerCalls: Record<"amazon" | "facebook", number> = { amazon: 0, facebook: 0 };

beforeAll(async () => {
  controls = createStackControls();
  const base = loadStackConfig();
  const [google, amazon, facebook] = await Promise.all(
    (["google", "amazon", "facebook"] as const).map((persona) => startIdp({ config: base, persona, port: 0, quiet: true, controls })),
  );
  if (!google || !amazon || !facebook) throw new Error("a persona did not start");
  personas = { google, amazon, facebook };
  config = loadStackConfig(undefined, { personas: { google: google.url, amazon: amazon.url, facebook: facebook.url } });
  const counting: typeof fetch = (input, init) => {
    const url = String(input instanceof Request ? input.url : input);
    if (url.startsWith(config.builtinProviders["www.amazon.com"].tokenInfoUrl)) providerCalls.amazon++;
    if (url.startsWith(config.builtinProviders["graph.facebook.com"].debugTokenUrl)) providerCalls.facebook++;
    return fetch(input, init);
  };
  sts = await startSts({ config, port: 0, fetchImpl: counting });
});

afterAll(async () => {
  await sts?.close();
  await Promise.all(Object.values(personas ?? {}).map((p) => p.close()));
});

afterEach(() => {
  controls.reset();
  providerCalls.amazon = 0;
  providerCalls.facebook = 0;
});

// ---------------------------------------------------------------------------------------------------------------
// Sign-in at each persona, as the app does it

async function googleIdToken(username: string): Promise<string> {
  const tokens = await signInHeadless({
    issuer: personas.google.issuer,
    clientId: config.personas.google.clientId,
    clientSecret: config.personas.google.clientSecret,
    redirectUri: REDIRECT_URI,
    scope: "openid email profile",
    username,
    password: `${username}-password`,
  });
  return tokens.idToken;
}

/** The OAuth 2 personas' endpoints (no discovery) and what the app registers and asks for at each. */
const OAUTH_SIGN_IN = {
  amazon: { authorization: "/ap/oa", token: "/auth/o2/token", clientId: () => config.personas.amazon.clientId, scope: "profile" },
  facebook: { authorization: "/v19.0/dialog/oauth", token: "/v19.0/oauth/access_token", clientId: () => config.personas.facebook.appId, scope: "public_profile" },
} as const;

async function accessToken(persona: keyof typeof OAUTH_SIGN_IN, username: string): Promise<string> {
  const { url } = personas[persona];
  const at = OAUTH_SIGN_IN[persona];
  const tokens = await signInHeadless({
    endpoints: { authorization: `${url}${at.authorization}`, token: `${url}${at.token}` },
    clientId: at.clientId(),
    redirectUri: REDIRECT_URI,
    scope: at.scope,
    username,
    password: `${username}-password`,
  });
  return tokens.accessToken;
}

const amazonAccessToken = (username: string) => accessToken("amazon", username);
const facebookAccessToken = (username: string) => accessToken("facebook", username);

function subjectOf(username: string, persona: PersonaName): string {
  const user = config.users.find((u) => u.username === username);
  if (!user) throw new Error(`no user ${username}`);
  return user.subjects[persona];
}

// ---------------------------------------------------------------------------------------------------------------
// The SDK

function stsClient(maxAttempts = 1): STSClient {
  return new STSClient({ region: "us-east-1", endpoint: sts.url, maxAttempts });
}

function assume(token: string, roleName: string, providerId?: string, client = stsClient()) {
  return client.send(
    new AssumeRoleWithWebIdentityCommand({
      RoleArn: role(roleName),
      RoleSessionName: "console",
      WebIdentityToken: token,
      ...(providerId !== undefined ? { ProviderId: providerId } : {}),
    }),
  );
}

interface SdkFailure {
  name: string;
  code: unknown;
  status: number | undefined;
  message: string;
  attempts: number | undefined;
}

async function sdkFailure(p: Promise<unknown>): Promise<SdkFailure> {
  try {
    await p;
  } catch (e) {
    const err = e as Error & { Code?: unknown; $metadata?: { httpStatusCode?: number; attempts?: number } };
    return { name: err.name, code: err.Code, status: err.$metadata?.httpStatusCode, message: err.message, attempts: err.$metadata?.attempts };
  }
  throw new Error("expected the SDK call to fail");
}

const triple = (f: SdkFailure) => [f.code, f.status, f.message];
const NOT_AUTHORIZED = ["AccessDenied", 403, "Not authorized to perform sts:AssumeRoleWithWebIdentity"];
const communicationError = (id: string, reason: string) => ["IDPCommunicationError", 400, `${id}: could not verify the access token with ${id} (${reason}). Try again later.`];

async function callerArn(creds: { AccessKeyId?: string; SecretAccessKey?: string; SessionToken?: string } | undefined): Promise<string | undefined> {
  const client = new STSClient({
    region: "us-east-1",
    endpoint: sts.url,
    maxAttempts: 1,
    credentials: { accessKeyId: creds?.AccessKeyId ?? "", secretAccessKey: creds?.SecretAccessKey ?? "", sessionToken: creds?.SessionToken },
  });
  return (await client.send(new GetCallerIdentityCommand({}))).Arn;
}

// ---------------------------------------------------------------------------------------------------------------

describe("Google persona → local STS (built-in accounts.google.com)", () => {
  it("alice's ID token assumes GoogleUser: Provider accounts.google.com, Audience the client id (azp), her 21-digit sub", async () => {
    const out = await assume(await googleIdToken("alice"), "GoogleUser");
    expect([out.Provider, out.Audience, out.SubjectFromWebIdentityToken]).toEqual(["accounts.google.com", config.personas.google.clientId, subjectOf("alice", "google")]);
    expect(out.SubjectFromWebIdentityToken).toMatch(/^\d{21}$/);
    expect(out.AssumedRoleUser?.Arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/GoogleUser/console`);
    expect(await callerArn(out.Credentials)).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/GoogleUser/console`);
  });

  it("SocialUser takes it too; the IAM-OIDC role and the Amazon role refuse it (another principal)", async () => {
    const token = await googleIdToken("bob");
    expect((await assume(token, "SocialUser")).SubjectFromWebIdentityToken).toBe(subjectOf("bob", "google"));
    expect(triple(await sdkFailure(assume(token, "WebIdentityConsoleUser")))).toEqual(NOT_AUTHORIZED);
    expect(triple(await sdkFailure(assume(token, "AmazonUser")))).toEqual(NOT_AUTHORIZED);
  });

  it("the trust policy refuses an ID token for another audience (accounts.google.com:aud)", async () => {
    const token = await googleIdToken("alice");
    // The same stack, but GoogleUser trusts only another Google client id.
    const strict = loadStackConfig(undefined, { personas: { google: personas.google.url } });
    for (const r of strict.roles) {
      if (r.name === "GoogleUser") r.trustPolicy = JSON.parse(JSON.stringify(r.trustPolicy).replace(config.personas.google.clientId, "another-app.apps.googleusercontent.com")) as typeof r.trustPolicy;
    }
    const other = await startSts({ config: strict, port: 0 });
    try {
      const client = new STSClient({ region: "us-east-1", endpoint: other.url, maxAttempts: 1 });
      expect(triple(await sdkFailure(assume(token, "GoogleUser", undefined, client)))).toEqual(NOT_AUTHORIZED);
      expect((await assume(token, "SocialUser", undefined, client)).Audience).toBe(config.personas.google.clientId);
    } finally {
      await other.close();
    }
  });

  it("sent with ProviderId, the ID token goes to that provider, which refuses it → IDPRejectedClaim", async () => {
    const f = await sdkFailure(assume(await googleIdToken("alice"), "SocialUser", "www.amazon.com"));
    expect(triple(f)).toEqual(["IDPRejectedClaim", 403, "www.amazon.com: www.amazon.com responded with HTTP/1.1 400 Bad Request"]);
    expect(providerCalls.amazon).toBe(1);
  });

  it("the persona offline → its keys cannot be fetched: InvalidIdentityToken (as for any OIDC issuer)", async () => {
    // A fresh STS, so that no keys are cached yet.
    const token = await googleIdToken("alice");
    const fresh = await startSts({ config, port: 0 });
    try {
      controls.setProviderMode("google", "offline");
      const f = await sdkFailure(assume(token, "GoogleUser", undefined, new STSClient({ region: "us-east-1", endpoint: fresh.url, maxAttempts: 1 })));
      expect(triple(f)).toEqual([
        "InvalidIdentityToken",
        400,
        "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements",
      ]);
    } finally {
      await fresh.close();
    }
  });
});

describe("Amazon persona → local STS (ProviderId www.amazon.com)", () => {
  it("alice's Atza| access token assumes AmazonUser: Provider www.amazon.com, Audience the LWA client id, her amzn1.account id", async () => {
    const token = await amazonAccessToken("alice");
    expect(token.startsWith("Atza|")).toBe(true);
    const out = await assume(token, "AmazonUser", "www.amazon.com");
    expect([out.Provider, out.Audience, out.SubjectFromWebIdentityToken]).toEqual(["www.amazon.com", config.personas.amazon.clientId, subjectOf("alice", "amazon")]);
    expect(await callerArn(out.Credentials)).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/AmazonUser/console`);
    expect(providerCalls.amazon).toBe(1);
  });

  it("without ProviderId the access token is not a JWT; with graph.facebook.com the wrong provider refuses it", async () => {
    const token = await amazonAccessToken("alice");
    expect(triple(await sdkFailure(assume(token, "AmazonUser")))).toEqual([
      "InvalidIdentityToken",
      400,
      "The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)",
    ]);
    expect(triple(await sdkFailure(assume(token, "SocialUser", "graph.facebook.com")))).toEqual([
      "IDPRejectedClaim",
      403,
      "graph.facebook.com: graph.facebook.com responded with HTTP/1.1 400 Bad Request",
    ]);
    expect(providerCalls).toEqual({ amazon: 0, facebook: 1 });
  });

  it("an unsupported ProviderId is refused without calling anyone", async () => {
    const f = await sdkFailure(assume(await amazonAccessToken("alice"), "AmazonUser", "api.amazon.com"));
    expect(triple(f)).toEqual([
      "InvalidIdentityToken",
      400,
      "ProviderId api.amazon.com is not supported: www.amazon.com and graph.facebook.com are the only supported identity providers for OAuth 2.0 access tokens. Omit ProviderId for OpenID Connect ID tokens.",
    ]);
    expect(providerCalls).toEqual({ amazon: 0, facebook: 0 });
  });

  it("a revoked token → IDPRejectedClaim 403, not retried; a new sign-in works again", async () => {
    const token = await amazonAccessToken("alice");
    expect(await controls.revokeTokens("amazon", "alice")).toBeGreaterThanOrEqual(1);
    const f = await sdkFailure(assume(token, "AmazonUser", "www.amazon.com", stsClient(3)));
    expect([...triple(f), f.attempts]).toEqual(["IDPRejectedClaim", 403, "www.amazon.com: www.amazon.com responded with HTTP/1.1 400 Bad Request", 1]);
    expect((await assume(await amazonAccessToken("alice"), "AmazonUser", "www.amazon.com")).SubjectFromWebIdentityToken).toBe(subjectOf("alice", "amazon"));
  });

  it("a token the persona never issued → IDPRejectedClaim", async () => {
    const f = await sdkFailure(assume("Atza|IQEBLjAsAhRFiXuWpUXuRvQ9PZL3GMFcYevydwIU", "AmazonUser", "www.amazon.com"));
    expect(triple(f)).toEqual(["IDPRejectedClaim", 403, "www.amazon.com: www.amazon.com responded with HTTP/1.1 400 Bad Request"]);
  });

  it("the persona offline → IDPCommunicationError 400, which the SDK retries (3 attempts, 3 token-info calls)", async () => {
    const token = await amazonAccessToken("alice");
    controls.setProviderMode("amazon", "offline");
    const f = await sdkFailure(assume(token, "AmazonUser", "www.amazon.com", stsClient(3)));
    expect(triple(f)).toEqual(communicationError("www.amazon.com", "no answer"));
    expect([f.name, f.attempts, providerCalls.amazon]).toEqual(["IDPCommunicationErrorException", 3, 3]);
    // Back up: the same token works.
    controls.setProviderMode("amazon", "up");
    expect((await assume(token, "AmazonUser", "www.amazon.com")).Provider).toBe("www.amazon.com");
  });

  it("the persona answering garbage (200 text/html) → IDPCommunicationError", async () => {
    const token = await amazonAccessToken("alice");
    controls.setProviderMode("amazon", "garbage");
    expect(triple(await sdkFailure(assume(token, "AmazonUser", "www.amazon.com")))).toEqual(communicationError("www.amazon.com", "the answer is not JSON"));
  });
});

describe("Facebook persona → local STS (ProviderId graph.facebook.com)", () => {
  it("bob's EAA… access token assumes FacebookUser: Provider graph.facebook.com, Audience the app id, his user id", async () => {
    const token = await facebookAccessToken("bob");
    expect(token.startsWith("EAA")).toBe(true);
    const out = await assume(token, "FacebookUser", "graph.facebook.com");
    expect([out.Provider, out.Audience, out.SubjectFromWebIdentityToken]).toEqual(["graph.facebook.com", config.personas.facebook.appId, subjectOf("bob", "facebook")]);
    expect(await callerArn(out.Credentials)).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/FacebookUser/console`);
    expect(triple(await sdkFailure(assume(token, "GoogleUser", "graph.facebook.com")))).toEqual(NOT_AUTHORIZED);
  });

  it("a revoked token → IDPRejectedClaim with real STS's text", async () => {
    const token = await facebookAccessToken("bob");
    await controls.revokeTokens("facebook", "bob");
    expect(triple(await sdkFailure(assume(token, "FacebookUser", "graph.facebook.com")))).toEqual([
      "IDPRejectedClaim",
      403,
      "graph.facebook.com: graph.facebook.com responded with HTTP/1.1 400 Bad Request",
    ]);
  });

  it("offline and garbage → IDPCommunicationError", async () => {
    const token = await facebookAccessToken("bob");
    controls.setProviderMode("facebook", "offline");
    expect(triple(await sdkFailure(assume(token, "FacebookUser", "graph.facebook.com")))).toEqual(communicationError("graph.facebook.com", "no answer"));
    controls.setProviderMode("facebook", "garbage");
    expect(triple(await sdkFailure(assume(token, "FacebookUser", "graph.facebook.com")))).toEqual(communicationError("graph.facebook.com", "the answer is not JSON"));
  });
});

describe("SocialUser and the SDK's fromWebToken credential provider", () => {
  it("one role for all three: fromWebToken with each token (providerId for Amazon and Facebook) yields working credentials", async () => {
    const cases: [PersonaName, string, string | undefined][] = [
      ["google", await googleIdToken("alice"), undefined],
      ["amazon", await amazonAccessToken("alice"), "www.amazon.com"],
      ["facebook", await facebookAccessToken("alice"), "graph.facebook.com"],
    ];
    for (const [persona, webIdentityToken, providerId] of cases) {
      const provider = fromWebToken({
        roleArn: role("SocialUser"),
        roleSessionName: `alice-${persona}`,
        webIdentityToken,
        ...(providerId !== undefined ? { providerId } : {}),
        clientConfig: { region: "us-east-1", endpoint: sts.url, maxAttempts: 1 },
      });
      const creds = await provider();
      expect(creds.accessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
      expect(creds.expiration?.getTime()).toBeGreaterThan(Date.now());
      expect(await callerArn({ AccessKeyId: creds.accessKeyId, SecretAccessKey: creds.secretAccessKey, SessionToken: creds.sessionToken })).toBe(
        `arn:aws:sts::${ACCOUNT}:assumed-role/SocialUser/alice-${persona}`,
      );
    }
  });

  it("fromWebToken retries IDPCommunicationError with the client's attempts, then rejects with it", async () => {
    const webIdentityToken = await facebookAccessToken("alice");
    controls.setProviderMode("facebook", "offline");
    const provider = fromWebToken({
      roleArn: role("SocialUser"),
      webIdentityToken,
      providerId: "graph.facebook.com",
      clientConfig: { region: "us-east-1", endpoint: sts.url, maxAttempts: 2 },
    });
    const f = await sdkFailure(provider());
    expect([f.name, f.code, f.status, f.attempts, providerCalls.facebook]).toEqual(["IDPCommunicationErrorException", "IDPCommunicationError", 400, 2, 2]);
  });
});
