/**
 * The local-stack extensions over HTTP: one StackControls shared by the OpenID provider and the STS, answered on both
 * ports under /__local/. The clock is checked with the official AWS SDK against the STS (the IdP's clock moves with
 * Date.now only under `npm start`; here the IdP's stored artifacts follow the controls' clock).
 */
import { request as httpRequest } from "node:http";
import { AssumeRoleWithWebIdentityCommand, GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { decodeJwt } from "jose";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { loadStackConfig } from "./config";
import { createStackControls, MAX_CONTROL_BODY_BYTES, type StackControls } from "./controls";
import { authorize, CookieJar, openLoginPage, signInHeadless, type HeadlessTokens } from "./idp/headless";
import { startIdp, type IdpServer } from "./idp/server";
import { startSts, type StsServer } from "./sts/server";

const CLIENT_ID = "web-identity-console";
const REDIRECT_URI = "http://127.0.0.1:5173/";
const USER_ROLE = "arn:aws:iam::123456789012:role/WebIdentityConsoleUser";

let controls: StackControls;
let idp: IdpServer;
let sts: StsServer;

beforeAll(async () => {
  const config = loadStackConfig();
  controls = createStackControls({ usernames: config.users.map((u) => u.username) });
  idp = await startIdp({ config, port: 0, quiet: true, controls });
  sts = await startSts({ config: loadStackConfig(undefined, { issuer: idp.issuer }), port: 0, controls, logError: () => {} });
});

afterAll(async () => {
  await sts?.close();
  await idp?.close();
});

afterEach(() => {
  controls.reset();
});

interface ControlAnswer {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}

async function control(base: string, name: string, body?: unknown, init: RequestInit = {}): Promise<ControlAnswer> {
  const response = await fetch(`${base}/__local/${name}`, {
    method: body === undefined ? "GET" : "POST",
    ...(body === undefined ? {} : { headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) }),
    ...init,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown>, headers: response.headers };
}

async function signedIn(username: string): Promise<{ cookies: CookieJar; tokens: HeadlessTokens }> {
  const cookies = new CookieJar();
  const tokens = await signInHeadless({ issuer: idp.issuer, clientId: CLIENT_ID, redirectUri: REDIRECT_URI, username, password: `${username}-password`, cookies });
  return { cookies, tokens };
}

const silent = (cookies: CookieJar) => authorize({ issuer: idp.issuer, clientId: CLIENT_ID, redirectUri: REDIRECT_URI, prompt: "none", cookies });

interface SessionCredentials {
  AccessKeyId?: string;
  SecretAccessKey?: string;
  SessionToken?: string;
}

function stsClient(opts: { credentials?: SessionCredentials; clockOffsetMs?: number } = {}): STSClient {
  const c = opts.credentials;
  return new STSClient({
    region: "us-east-1",
    endpoint: sts.url,
    maxAttempts: 1,
    ...(opts.clockOffsetMs !== undefined ? { systemClockOffset: opts.clockOffsetMs } : {}),
    ...(c ? { credentials: { accessKeyId: c.AccessKeyId ?? "", secretAccessKey: c.SecretAccessKey ?? "", sessionToken: c.SessionToken } } : {}),
  });
}

const assume = (token: string) => stsClient().send(new AssumeRoleWithWebIdentityCommand({ RoleArn: USER_ROLE, RoleSessionName: "alice", WebIdentityToken: token }));

async function sdkFailure(p: Promise<unknown>): Promise<[string, number | undefined, string]> {
  try {
    await p;
  } catch (e) {
    const err = e as Error & { $metadata?: { httpStatusCode?: number } };
    return [err.name, err.$metadata?.httpStatusCode, err.message];
  }
  throw new Error("expected the SDK call to fail");
}

describe("state", () => {
  it("both ports answer the same controls, as JSON without CORS headers", async () => {
    await control(sts.url, "clock", { offsetSeconds: 42 });
    for (const base of [idp.url, sts.url]) {
      const answer = await control(base, "state");
      expect(answer.status).toBe(200);
      expect(answer.headers.get("content-type")).toMatch(/^application\/json/);
      expect(answer.headers.get("access-control-allow-origin")).toBeNull();
      expect(answer.body).toMatchObject({ ok: true, clockOffsetSeconds: 42, processClockShifted: false, silentRenewalRefused: [] });
    }
  });

  it("reset → offset 0 and no refusals", async () => {
    await control(idp.url, "clock", { offsetSeconds: -300 });
    await control(idp.url, "silent-renewal", { username: "bob", refuse: true });
    const answer = await control(sts.url, "reset", {});
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ ok: true, clockOffsetSeconds: 0, silentRenewalRefused: [] });
  });

  it("a provider's mode set on the STS port applies at the IdP's port; reset brings it back", async () => {
    expect((await control(sts.url, "persona", { persona: "oidc", mode: "garbage" })).body).toMatchObject({ ok: true, personas: { oidc: "garbage" } });
    const garbage = await fetch(`${idp.url}/.well-known/openid-configuration`);
    expect([garbage.status, garbage.headers.get("content-type")]).toEqual([200, expect.stringMatching(/^text\/html/)]);
    expect((await control(idp.url, "state")).body).toMatchObject({ personas: { oidc: "garbage", google: "up", amazon: "up", facebook: "up" } });
    await control(sts.url, "reset", {});
    expect((await fetch(`${idp.url}/.well-known/openid-configuration`)).headers.get("content-type")).toMatch(/^application\/json/);
  });

  it("servers started without controls do not answer /__local/", async () => {
    const bare = await startSts({ config: loadStackConfig(), port: 0 });
    try {
      const response = await fetch(`${bare.url}/__local/state`);
      expect(response.headers.get("x-amzn-requestid")).toBeTruthy(); // an STS error, not a control
      expect(await response.text()).not.toContain("clockOffsetSeconds");
    } finally {
      await bare.close();
    }
  });
});

describe("silent renewal refusal", () => {
  it("refused for alice → her prompt=none gets login_required, bob's still gets a code; off again → a code", async () => {
    const alice = await signedIn("alice");
    const bob = await signedIn("bob");
    expect((await silent(alice.cookies)).kind).toBe("code");

    const on = await control(idp.url, "silent-renewal", { username: "alice", refuse: true });
    expect(on.body).toMatchObject({ ok: true, silentRenewalRefused: ["alice"] });
    expect(await silent(alice.cookies)).toEqual({ kind: "error", error: "login_required", description: "End-User authentication is required" });
    expect((await silent(bob.cookies)).kind).toBe("code");

    const off = await control(sts.url, "silent-renewal", { username: "alice", refuse: false });
    expect(off.body).toMatchObject({ ok: true, silentRenewalRefused: [] });
    const again = await silent(alice.cookies);
    expect(again.kind).toBe("code");
    if (again.kind === "code") expect(decodeJwt((await again.redeem()).idToken).sub).toBe("alice");
  });

  it("interactive sign-in keeps working while refused, and a fresh login does not lift the refusal", async () => {
    const alice = await signedIn("alice");
    await control(idp.url, "silent-renewal", { username: "alice", refuse: true });

    // Interactive request with the session: a code without the form.
    expect((await authorize({ issuer: idp.issuer, clientId: CLIENT_ID, redirectUri: REDIRECT_URI, cookies: alice.cookies })).kind).toBe("code");
    // Interactive request asking to log in again: the form, then a code.
    const page = await openLoginPage({ issuer: idp.issuer, clientId: CLIENT_ID, redirectUri: REDIRECT_URI, prompt: "login", cookies: alice.cookies });
    const submitted = await page.submit("alice", "alice-password");
    expect(submitted.kind).toBe("redirect");

    expect(await silent(alice.cookies)).toMatchObject({ kind: "error", error: "login_required" });
  });
});

describe("clock", () => {
  it("+2 h → a signed GetCallerIdentity with credentials issued before the shift is ExpiredToken 403", async () => {
    const { tokens } = await signedIn("alice");
    const out = await assume(tokens.idToken);
    const credentials = out.Credentials ?? {};
    expect((await stsClient({ credentials }).send(new GetCallerIdentityCommand({}))).Arn).toContain("WebIdentityConsoleUser/alice");

    expect((await control(sts.url, "clock", { offsetSeconds: 7200 })).body).toMatchObject({ ok: true, clockOffsetSeconds: 7200 });
    // The client signs with the stack's time (as the app does after reading the Date header), so only the session has expired.
    const failure = await sdkFailure(stsClient({ credentials, clockOffsetMs: 7200_000 }).send(new GetCallerIdentityCommand({})));
    expect(failure).toEqual(["ExpiredToken", 403, "The security token included in the request is expired"]);
  });

  it("past exp + 300 s → AssumeRoleWithWebIdentity with an ID token issued before the shift is ExpiredTokenException 400", async () => {
    const { tokens } = await signedIn("alice");
    const { exp = 0, iat = 0 } = decodeJwt(tokens.idToken);
    // Inside the 300 s grace: still accepted.
    await control(idp.url, "clock", { offsetSeconds: exp - iat + 290 });
    expect((await assume(tokens.idToken)).SubjectFromWebIdentityToken).toBe("alice");

    await control(idp.url, "clock", { offsetSeconds: exp - iat + 360 });
    const [name, status, message] = await sdkFailure(assume(tokens.idToken));
    expect([name, status]).toEqual(["ExpiredTokenException", 400]);
    const nowS = Number(/current date\/time (\d+)/.exec(message)?.[1]);
    expect(Math.abs(nowS - (iat + (exp - iat) + 360))).toBeLessThan(5);
    expect(message).toBe(`Token expired: current date/time ${nowS} must be before the expiration date/time ${exp}`);
  });

  it("the IdP's stored session follows the clock: past the session lifetime, prompt=none → login_required", async () => {
    const { cookies } = await signedIn("bob");
    expect((await silent(cookies)).kind).toBe("code");
    await control(idp.url, "clock", { offsetSeconds: 86400 + 120 });
    expect(await silent(cookies)).toMatchObject({ kind: "error", error: "login_required" });
  });
});

describe("safety", () => {
  it("refuses any request with an Origin header (403, no CORS), and changes nothing", async () => {
    for (const [name, body] of [["clock", { offsetSeconds: 60 }], ["state", undefined]] as const) {
      const answer = await control(sts.url, name, body, { headers: { "Content-Type": "application/json", Origin: "http://127.0.0.1:5173" } });
      expect(answer.status).toBe(403);
      expect(answer.body.error).toMatch(/Origin/);
      expect(answer.headers.get("access-control-allow-origin")).toBeNull();
    }
    const preflight = await fetch(`${idp.url}/__local/clock`, { method: "OPTIONS", headers: { Origin: "http://evil.example", "Access-Control-Request-Method": "POST" } });
    expect(preflight.status).toBe(403);
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
    expect((await control(idp.url, "state")).body.clockOffsetSeconds).toBe(0);
  });

  it("refuses a POST that is not application/json (415), too large (413), not an object or not JSON (400)", async () => {
    const post = (body: string, type: string) => fetch(`${idp.url}/__local/clock`, { method: "POST", headers: { "Content-Type": type }, body });
    const plain = await post(JSON.stringify({ offsetSeconds: 60 }), "text/plain");
    expect(plain.status).toBe(415);
    expect(await plain.json()).toEqual({ error: "The body must be JSON (Content-Type: application/json)" });
    const form = await post("offsetSeconds=60", "application/x-www-form-urlencoded");
    expect(form.status).toBe(415);
    const large = await post(JSON.stringify({ offsetSeconds: 60, pad: "x".repeat(MAX_CONTROL_BODY_BYTES) }), "application/json");
    expect(large.status).toBe(413);
    for (const body of ["{", "[1]", "60"]) {
      const bad = await post(body, "application/json; charset=utf-8");
      expect(bad.status, body).toBe(400);
    }
    expect((await control(idp.url, "state")).body.clockOffsetSeconds).toBe(0);
  });

  it("refuses bad values with a clear error (400)", async () => {
    const cases: [string, unknown, RegExp][] = [
      ["clock", { offsetSeconds: 864001 }, /±10 days/],
      ["clock", { offsetSeconds: "60" }, /whole number/],
      ["clock", {}, /offsetSeconds is required/],
      ["clock", { offset: 60 }, /Unknown field offset/],
      ["silent-renewal", { username: "mallory", refuse: true }, /not a test user/],
      ["silent-renewal", { username: "alice" }, /refuse must be true or false/],
    ];
    for (const [name, body, message] of cases) {
      const answer = await control(sts.url, name, body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(String(answer.body.error)).toMatch(message);
    }
  });

  it("unknown paths → 404, wrong methods → 405 with Allow", async () => {
    const unknown = await fetch(`${sts.url}/__local/teleport`, { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" });
    expect(unknown.status).toBe(404);
    expect((await unknown.json()) as unknown).toMatchObject({ error: expect.stringMatching(/No test control/) });
    const getClock = await fetch(`${idp.url}/__local/clock`);
    expect(getClock.status).toBe(405);
    expect(getClock.headers.get("allow")).toBe("POST");
    const postState = await fetch(`${idp.url}/__local/state`, { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" });
    expect(postState.status).toBe(405);
  });

  it("refuses a request addressed to a non-loopback host name (DNS rebinding)", async () => {
    const { port } = new URL(sts.url);
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest({ host: "127.0.0.1", port, path: "/__local/state", headers: { Host: `evil.example:${port}` } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      req.end();
    });
    expect(status).toBe(403);
  });
});
