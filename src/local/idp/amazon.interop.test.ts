/**
 * The Login with Amazon persona: plain OAuth 2 without discovery, `Atza|` access tokens, token info and the customer
 * profile — for valid, unknown, expired (stack clock) and revoked tokens — and the profile endpoint's CORS.
 */
import { describe, expect, it } from "vitest";
import { HeadlessSignInError, openLoginPage, signInHeadless, type HeadlessOAuthTokens } from "./headless";
import { capturingResponses, control, usePersona } from "./testing";

const REDIRECT_URI = "http://127.0.0.1:5173/";
const APP_ORIGIN = "http://127.0.0.1:5173";
const INVALID = { error: "invalid_token", error_description: "The request has an invalid parameter : access_token" };

const stack = usePersona("amazon");

const endpoints = () => ({ authorization: `${stack.server.url}/ap/oa`, token: `${stack.server.url}/auth/o2/token` });
const subject = (username: string) => stack.config.users.find((u) => u.username === username)?.subjects.amazon;

function signIn(username: string, scope = "profile"): Promise<HeadlessOAuthTokens> {
  return signInHeadless({ endpoints: endpoints(), clientId: stack.config.personas.amazon.clientId, redirectUri: REDIRECT_URI, username, password: `${username}-password`, scope });
}

async function tokenInfo(token: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${stack.server.url}/auth/o2/tokeninfo?${new URLSearchParams({ access_token: token })}`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function profile(token: string, headers: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const response = await fetch(`${stack.server.url}/user/profile`, { headers: { Authorization: `Bearer ${token}`, ...headers } });
  return { status: response.status, body: (await response.json()) as Record<string, unknown>, headers: response.headers };
}

describe("no discovery, OAuth 2 only", () => {
  it("answers 404 under /.well-known/ (no discovery document, no JWKS)", async () => {
    for (const path of ["/.well-known/openid-configuration", "/.well-known/oauth-authorization-server", "/.well-known/jwks.json", "/jwks"]) {
      expect((await fetch(`${stack.server.url}${path}`)).status, path).toBe(404);
    }
  });

  it("a discovery-based sign-in fails; the login form names the persona", async () => {
    await expect(signInHeadless({ issuer: stack.server.issuer, clientId: stack.config.personas.amazon.clientId, redirectUri: REDIRECT_URI, username: "alice", password: "alice-password" })).rejects.toThrow(/Discovery .* answered HTTP 404/);
    const page = await openLoginPage({ endpoints: endpoints(), clientId: stack.config.personas.amazon.clientId, redirectUri: REDIRECT_URI, scope: "profile" });
    expect(page.html).toContain("Sign in to Amazon (local persona)");
  });

  it("refuses openid (never an ID token) and requires PKCE", async () => {
    const clientId = stack.config.personas.amazon.clientId;
    await expect(signInHeadless({ endpoints: endpoints(), clientId, redirectUri: REDIRECT_URI, username: "alice", password: "alice-password", scope: "openid profile" })).rejects.toThrow(/invalid_scope/);
    const noPkce = await fetch(`${stack.server.url}/ap/oa?${new URLSearchParams({ response_type: "code", client_id: clientId, redirect_uri: REDIRECT_URI, scope: "profile", state: "s" })}`, { redirect: "manual" });
    expect(new URL(noPkce.headers.get("location") ?? "").searchParams.get("error")).toBe("invalid_request");
  });

  it("token response: an Atza| access token, token_type bearer, expires_in — nothing else", async () => {
    const { result: tokens, bodies } = await capturingResponses("/auth/o2/token", () => signIn("alice"));
    expect(bodies).toHaveLength(1);
    expect(Object.keys(bodies[0] as object).sort()).toEqual(["access_token", "expires_in", "token_type"]);
    expect(bodies[0]).toMatchObject({ token_type: "bearer", expires_in: 3600 });
    expect(tokens.accessToken).toMatch(/^Atza\|[\w-]{20,}$/);
    expect(tokens.idToken).toBeUndefined();
    expect(tokens.refreshToken).toBeUndefined();
  });
});

describe("token info", () => {
  it("valid → iss www.amazon.com, user_id, aud = client id, app_id, exp = seconds left, iat", async () => {
    const tokens = await signIn("alice");
    const before = Math.floor(Date.now() / 1000);
    const { status, body } = await tokenInfo(tokens.accessToken);
    expect(status).toBe(200);
    expect(Object.keys(body)).toEqual(["iss", "user_id", "aud", "app_id", "exp", "iat"]);
    expect(body).toMatchObject({ iss: "https://www.amazon.com", user_id: subject("alice"), aud: stack.config.personas.amazon.clientId, app_id: stack.config.personas.amazon.appId });
    expect(body.exp).toBeGreaterThan(3590);
    expect(body.exp).toBeLessThanOrEqual(3600);
    expect(Math.abs(Number(body.iat) - before)).toBeLessThan(5);
    expect((await tokenInfo((await signIn("bob")).accessToken)).body.user_id).toBe(subject("bob"));
  });

  it("unknown, unprefixed or missing → 400 with Amazon's error", async () => {
    const tokens = await signIn("alice");
    expect(await tokenInfo("Atza|not-a-token")).toEqual({ status: 400, body: INVALID });
    expect(await tokenInfo(tokens.accessToken.slice("Atza|".length))).toEqual({ status: 400, body: INVALID });
    const missing = await fetch(`${stack.server.url}/auth/o2/tokeninfo`);
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ error: "invalid_request" });
  });

  it("expired by the stack clock → 400, and exp counts down with it", async () => {
    const tokens = await signIn("alice");
    stack.controls.setClockOffset(3000);
    const { body } = await tokenInfo(tokens.accessToken);
    expect(body.exp).toBeGreaterThan(590);
    expect(body.exp).toBeLessThanOrEqual(600);
    stack.controls.setClockOffset(3601);
    expect(await tokenInfo(tokens.accessToken)).toEqual({ status: 400, body: INVALID });
  });

  it("revoked with POST /__local/revoke → 400 for every token alice had, bob's still valid; a new sign-in works", async () => {
    await control(stack.server.url, "revoke", { persona: "amazon", username: "alice" }); // her tokens of earlier tests
    const first = await signIn("alice");
    const second = await signIn("alice");
    const bob = await signIn("bob");
    expect((await control(stack.server.url, "revoke", { persona: "amazon", username: "alice" })).body).toMatchObject({ ok: true, revokedTokens: 2 });
    expect(await tokenInfo(first.accessToken)).toEqual({ status: 400, body: INVALID });
    expect(await tokenInfo(second.accessToken)).toEqual({ status: 400, body: INVALID });
    expect((await tokenInfo(bob.accessToken)).status).toBe(200);
    expect((await profile(first.accessToken)).status).toBe(401);
    expect((await tokenInfo((await signIn("alice")).accessToken)).status).toBe(200);
  });
});

describe("customer profile", () => {
  it("profile scope → user_id, name, email; profile:user_id → user_id only", async () => {
    const full = await profile((await signIn("alice")).accessToken);
    expect(full.status).toBe(200);
    expect(full.body).toEqual({ user_id: subject("alice"), name: "Alice Example", email: "alice@example.test" });
    const idOnly = await profile((await signIn("bob", "profile:user_id")).accessToken);
    expect(idOnly.body).toEqual({ user_id: subject("bob") });
    const noProfile = await profile((await signIn("bob", "postal_code")).accessToken);
    expect(noProfile.status).toBe(403);
  });

  it("also takes the token as access_token query parameter; a bad or missing token → 401 / 400", async () => {
    const tokens = await signIn("alice");
    const byQuery = await fetch(`${stack.server.url}/user/profile?${new URLSearchParams({ access_token: tokens.accessToken })}`);
    expect(((await byQuery.json()) as { user_id: string }).user_id).toBe(subject("alice"));
    const bad = await profile("Atza|nope");
    expect(bad.status).toBe(401);
    expect(bad.body).toEqual(INVALID);
    expect(bad.headers.get("www-authenticate")).toMatch(/^Bearer error="invalid_token"/);
    expect((await fetch(`${stack.server.url}/user/profile`)).status).toBe(400);
  });

  it("CORS: the app's origins get Access-Control-Allow-Origin (answers and preflights), others do not", async () => {
    const tokens = await signIn("alice");
    expect((await profile(tokens.accessToken, { Origin: APP_ORIGIN })).headers.get("access-control-allow-origin")).toBe(APP_ORIGIN);
    expect((await profile("Atza|nope", { Origin: APP_ORIGIN })).headers.get("access-control-allow-origin")).toBe(APP_ORIGIN);
    expect((await profile(tokens.accessToken, { Origin: "http://evil.example" })).headers.get("access-control-allow-origin")).toBeNull();

    const preflight = (origin: string) => fetch(`${stack.server.url}/user/profile`, { method: "OPTIONS", headers: { Origin: origin, "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "authorization" } });
    const ok = await preflight("http://localhost:5173");
    expect(ok.status).toBe(204);
    expect(ok.headers.get("access-control-allow-origin")).toBe("http://localhost:5173");
    expect(ok.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("authorization");
    const evil = await preflight("http://evil.example");
    expect(evil.headers.get("access-control-allow-origin")).toBeNull();
    // Token info is for servers: no CORS.
    const info = await fetch(`${stack.server.url}/auth/o2/tokeninfo?${new URLSearchParams({ access_token: tokens.accessToken })}`, { headers: { Origin: APP_ORIGIN } });
    expect(info.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("wrong credentials at the form are refused as at every provider", async () => {
    await expect(signInHeadless({ endpoints: endpoints(), clientId: stack.config.personas.amazon.clientId, redirectUri: REDIRECT_URI, username: "alice", password: "nope", scope: "profile" })).rejects.toBeInstanceOf(HeadlessSignInError);
  });
});
