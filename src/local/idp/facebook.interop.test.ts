/**
 * The Facebook persona: plain OAuth 2 without discovery, `EAA` access tokens, debug_token (as the local STS calls it:
 * the token checked is also the access_token) and /me — for valid, unknown, expired (stack clock) and revoked tokens —
 * and /me's CORS.
 */
import { describe, expect, it } from "vitest";
import { installStackClock } from "../controls";
import { openLoginPage, signInHeadless, type HeadlessOAuthTokens } from "./headless";
import { capturingResponses, control, usePersona } from "./testing";

const REDIRECT_URI = "http://127.0.0.1:5173/";
const APP_ORIGIN = "http://127.0.0.1:5173";

const stack = usePersona("facebook");

const endpoints = () => ({ authorization: `${stack.server.url}/v19.0/dialog/oauth`, token: `${stack.server.url}/v19.0/oauth/access_token` });
const subject = (username: string) => stack.config.users.find((u) => u.username === username)?.subjects.facebook;

function signIn(username: string, scope = "public_profile email"): Promise<HeadlessOAuthTokens> {
  return signInHeadless({ endpoints: endpoints(), clientId: stack.config.personas.facebook.appId, redirectUri: REDIRECT_URI, username, password: `${username}-password`, scope });
}

async function get(path: string, params: Record<string, string>, headers: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const response = await fetch(`${stack.server.url}${path}?${new URLSearchParams(params)}`, { headers });
  return { status: response.status, body: (await response.json()) as Record<string, unknown>, headers: response.headers };
}

/** debug_token the way the local STS calls it: the token is both the input and the access token. */
const debugToken = (token: string, accessToken = token) => get("/debug_token", { input_token: token, access_token: accessToken });

/** A Graph API OAuthException with this code (fbtrace_id random). */
const oauthException = (code: number, message: string | RegExp) => ({
  error: { message: typeof message === "string" ? message : expect.stringMatching(message), type: "OAuthException", code, fbtrace_id: expect.stringMatching(/^[\w-]{8,}$/) },
});

const CANNOT_PARSE = "Invalid OAuth access token - Cannot parse access token";
const INVALID_INPUT = { data: { error: { code: 190, message: expect.any(String) }, is_valid: false, scopes: [] } };

describe("no discovery, OAuth 2 only", () => {
  it("answers 404 under /.well-known/; the login form names the persona", async () => {
    for (const path of ["/.well-known/openid-configuration", "/.well-known/oauth-authorization-server", "/.well-known/jwks.json"]) {
      expect((await fetch(`${stack.server.url}${path}`)).status, path).toBe(404);
    }
    const page = await openLoginPage({ endpoints: endpoints(), clientId: stack.config.personas.facebook.appId, redirectUri: REDIRECT_URI, scope: "public_profile" });
    expect(page.html).toContain("Sign in to Facebook (local persona)");
    expect(page.html).toContain(stack.config.personas.facebook.appId);
  });

  it("token response: an EAA access token, token_type bearer, expires_in — no ID token even if openid is asked (refused)", async () => {
    const { result: tokens, bodies } = await capturingResponses("/v19.0/oauth/access_token", () => signIn("alice"));
    expect(bodies).toHaveLength(1);
    expect(Object.keys(bodies[0] as object).sort()).toEqual(["access_token", "expires_in", "token_type"]);
    expect(bodies[0]).toMatchObject({ token_type: "bearer", expires_in: 3600 });
    expect(tokens.accessToken).toMatch(/^EAA[\w-]{20,}$/);
    expect(tokens.idToken).toBeUndefined();
    await expect(signIn("alice", "openid public_profile")).rejects.toThrow(/invalid_scope/);
  });

  it("requires PKCE", async () => {
    const url = `${endpoints().authorization}?${new URLSearchParams({ response_type: "code", client_id: stack.config.personas.facebook.appId, redirect_uri: REDIRECT_URI, scope: "public_profile", state: "s" })}`;
    const response = await fetch(url, { redirect: "manual" });
    expect(new URL(response.headers.get("location") ?? "").searchParams.get("error")).toBe("invalid_request");
  });
});

describe("debug_token", () => {
  it("valid → data with app_id, type USER, application, expires_at, is_valid, issued_at, scopes, user_id", async () => {
    const tokens = await signIn("alice");
    const now = Math.floor(Date.now() / 1000);
    const { status, body } = await debugToken(tokens.accessToken);
    expect(status).toBe(200);
    const data = body.data as Record<string, unknown>;
    expect(Object.keys(data)).toEqual(["app_id", "type", "application", "expires_at", "is_valid", "issued_at", "scopes", "user_id"]);
    expect(data).toMatchObject({ app_id: stack.config.personas.facebook.appId, type: "USER", application: "Web Identity Console", is_valid: true, user_id: subject("alice") });
    expect(Number(data.expires_at) - Number(data.issued_at)).toBe(3600);
    expect(Math.abs(Number(data.issued_at) - now)).toBeLessThan(5);
    expect([...(data.scopes as string[])].sort()).toEqual(["email", "public_profile"]);
    // Versioned path too, and another user's token inspected with alice's.
    const bob = await signIn("bob", "public_profile");
    const versioned = await get("/v19.0/debug_token", { input_token: bob.accessToken, access_token: tokens.accessToken });
    expect(versioned.body.data).toMatchObject({ user_id: subject("bob"), scopes: ["public_profile"], is_valid: true });
  });

  it("an unknown input token with a valid access_token → 200 is_valid false, error 190", async () => {
    const tokens = await signIn("alice");
    expect(await debugToken("EAAnot-a-token", tokens.accessToken)).toMatchObject({ status: 200, body: INVALID_INPUT });
    expect((await debugToken(tokens.accessToken.slice(3), tokens.accessToken)).body).toMatchObject(INVALID_INPUT);
  });

  it("an invalid access_token (unknown, or missing) → 400 OAuthException", async () => {
    const tokens = await signIn("alice");
    expect(await debugToken("EAAnot-a-token")).toMatchObject({ status: 400, body: oauthException(190, CANNOT_PARSE) });
    expect(await debugToken(tokens.accessToken, "EAAnope")).toMatchObject({ status: 400, body: oauthException(190, CANNOT_PARSE) });
    expect(await get("/debug_token", { input_token: tokens.accessToken })).toMatchObject({ status: 400, body: oauthException(104, /access token is required/) });
    expect(await get("/debug_token", { access_token: tokens.accessToken })).toMatchObject({ status: 400, body: oauthException(100, /input_token/) });
    // fbtrace_id differs on each answer.
    const a = await debugToken("EAAx");
    const b = await debugToken("EAAx");
    expect((a.body.error as { fbtrace_id: string }).fbtrace_id).not.toBe((b.body.error as { fbtrace_id: string }).fbtrace_id);
  });

  it("expired by the stack clock → as unknown (400 when it is also the access_token; is_valid false under a valid one)", async () => {
    // As under `npm start`: the process clock follows the stack clock, so tokens issued after the shift are fresh.
    const restore = installStackClock(stack.controls);
    try {
      const old = await signIn("alice");
      stack.controls.setClockOffset(3601);
      const fresh = await signIn("bob");
      expect(await debugToken(old.accessToken)).toMatchObject({ status: 400, body: oauthException(190, CANNOT_PARSE) });
      expect(await debugToken(old.accessToken, fresh.accessToken)).toMatchObject({ status: 200, body: INVALID_INPUT });
      expect((await debugToken(fresh.accessToken)).body.data).toMatchObject({ is_valid: true, user_id: subject("bob") });
    } finally {
      restore();
    }
  });

  it("revoked (POST /__local/revoke) → as unknown at once; bob's token still valid; a new sign-in works", async () => {
    const alice = await signIn("alice");
    const bob = await signIn("bob");
    const answer = await control(stack.server.url, "revoke", { persona: "facebook", username: "alice" });
    expect(answer.status).toBe(200);
    expect(answer.body.revokedTokens).toBeGreaterThanOrEqual(1);
    expect(await debugToken(alice.accessToken)).toMatchObject({ status: 400, body: oauthException(190, CANNOT_PARSE) });
    expect(await debugToken(alice.accessToken, bob.accessToken)).toMatchObject({ status: 200, body: INVALID_INPUT });
    expect((await get("/me", { access_token: alice.accessToken })).status).toBe(400);
    expect((await debugToken((await signIn("alice")).accessToken)).body.data).toMatchObject({ is_valid: true, user_id: subject("alice") });
  });
});

describe("/me", () => {
  it("id and name by default; email when asked and granted; by query or Bearer, on /me and /v19.0/me", async () => {
    const tokens = await signIn("alice");
    expect(await get("/me", { access_token: tokens.accessToken })).toMatchObject({ status: 200, body: { id: subject("alice"), name: "Alice Example" } });
    expect((await get("/me", { access_token: tokens.accessToken })).body).not.toHaveProperty("email");
    const withEmail = await get("/v19.0/me", { fields: "id,name,email" }, { Authorization: `Bearer ${tokens.accessToken}` });
    expect(withEmail.body).toEqual({ id: subject("alice"), name: "Alice Example", email: "alice@example.test" });
    // Without the email permission the field is left out, as Facebook does.
    const noEmail = await signIn("bob", "public_profile");
    expect((await get("/me", { fields: "id,email", access_token: noEmail.accessToken })).body).toEqual({ id: subject("bob") });
  });

  it("invalid, missing token or unknown field → 400 OAuthException", async () => {
    expect(await get("/me", { access_token: "EAAnope" })).toMatchObject({ status: 400, body: oauthException(190, CANNOT_PARSE) });
    expect(await get("/me", {})).toMatchObject({ status: 400, body: oauthException(2500, /active access token/) });
    const tokens = await signIn("alice");
    expect(await get("/me", { access_token: tokens.accessToken, fields: "id,birthday" })).toMatchObject({ status: 400, body: oauthException(100, /birthday/) });
  });

  it("CORS for the app's origins only, with preflights; debug_token has none", async () => {
    const tokens = await signIn("alice");
    const auth = { Authorization: `Bearer ${tokens.accessToken}` };
    expect((await get("/me", {}, { ...auth, Origin: APP_ORIGIN })).headers.get("access-control-allow-origin")).toBe(APP_ORIGIN);
    expect((await get("/me", { access_token: "EAAnope" }, { Origin: APP_ORIGIN })).headers.get("access-control-allow-origin")).toBe(APP_ORIGIN);
    expect((await get("/me", {}, { ...auth, Origin: "http://evil.example" })).headers.get("access-control-allow-origin")).toBeNull();
    const preflight = await fetch(`${stack.server.url}/v19.0/me`, { method: "OPTIONS", headers: { Origin: APP_ORIGIN, "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "authorization" } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe(APP_ORIGIN);
    expect(preflight.headers.get("access-control-allow-methods")).toBe("GET");
    expect((await get("/debug_token", { input_token: tokens.accessToken, access_token: tokens.accessToken }, { Origin: APP_ORIGIN })).headers.get("access-control-allow-origin")).toBeNull();
    expect((await fetch(`${stack.server.url}/me`, { method: "POST" })).status).toBe(405);
  });
});
