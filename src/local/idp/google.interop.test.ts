/**
 * The Google persona: an OpenID issuer with Google's paths, its client-secret-plus-PKCE quirk and Google-shaped ID
 * tokens, driven by the headless client and checked with jose against the persona's own JWKS.
 */
import { createHash, randomBytes } from "node:crypto";
import { createRemoteJWKSet, jwtVerify } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { authorize, CookieJar, openLoginPage, signInHeadless } from "./headless";
import { discover, usePersona, type DiscoveryDocument } from "./testing";

const REDIRECT_URI = "http://127.0.0.1:5173/";
const APP_ORIGIN = "http://127.0.0.1:5173";

const stack = usePersona("google");
let clientId: string;
let clientSecret: string;

let discovery: DiscoveryDocument;

beforeAll(async () => {
  clientId = stack.config.personas.google.clientId;
  clientSecret = stack.config.personas.google.clientSecret;
  discovery = await discover(stack.server.issuer);
});

const signIn = (username: string, cookies?: CookieJar) =>
  signInHeadless({ issuer: stack.server.issuer, clientId, clientSecret, redirectUri: REDIRECT_URI, username, password: `${username}-password`, ...(cookies ? { cookies } : {}) });

/** Get a code through the login form, without redeeming it. */
async function codeFor(username: string, challenge: string | undefined): Promise<string> {
  const url = new URL(discovery.authorization_endpoint);
  url.search = new URLSearchParams({
    response_type: "code",
    client_id: clientId,
    redirect_uri: REDIRECT_URI,
    scope: "openid email profile",
    state: "s",
    ...(challenge ? { code_challenge: challenge, code_challenge_method: "S256" } : {}),
  }).toString();
  const jar = new CookieJar();
  let response = await fetch(url, { redirect: "manual" });
  jar.store(url.href, response.headers.getSetCookie());
  const loginUrl = new URL(response.headers.get("location") ?? "", url).href;
  // The login form posts back to /interaction/<uid>/login.
  response = await fetch(`${loginUrl}/login`, {
    method: "POST",
    redirect: "manual",
    headers: { "Content-Type": "application/x-www-form-urlencoded", Cookie: jar.header(loginUrl) },
    body: new URLSearchParams({ username, password: `${username}-password` }),
  });
  let next = new URL(response.headers.get("location") ?? "", loginUrl).href;
  jar.store(loginUrl, response.headers.getSetCookie());
  for (let hop = 0; hop < 5 && !next.startsWith(REDIRECT_URI); hop++) {
    response = await fetch(next, { redirect: "manual", headers: { Cookie: jar.header(next) } });
    jar.store(next, response.headers.getSetCookie());
    next = new URL(response.headers.get("location") ?? "", next).href;
  }
  const code = new URL(next).searchParams.get("code");
  if (!code) throw new Error(`no code: ${next}`);
  return code;
}

const redeem = (body: Record<string, string>) =>
  fetch(discovery.token_endpoint, { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ grant_type: "authorization_code", redirect_uri: REDIRECT_URI, client_id: clientId, ...body }) });

describe("discovery", () => {
  it("lives at the persona's origin with Google's paths and no end_session_endpoint", () => {
    expect(stack.server.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(discovery.issuer).toBe(stack.server.issuer);
    expect(discovery.authorization_endpoint).toBe(`${stack.server.issuer}/o/oauth2/v2/auth`);
    expect(discovery.token_endpoint).toBe(`${stack.server.issuer}/token`);
    expect(discovery.userinfo_endpoint).toBe(`${stack.server.issuer}/v1/userinfo`);
    expect(discovery.jwks_uri).toBe(`${stack.server.issuer}/oauth2/v3/certs`);
    expect(discovery.revocation_endpoint).toBe(`${stack.server.issuer}/revoke`);
    expect(discovery).not.toHaveProperty("end_session_endpoint");
    expect(discovery.scopes_supported).toEqual(expect.arrayContaining(["openid", "email", "profile"]));
    expect(discovery.scopes_supported).not.toContain("offline_access");
    expect(discovery.code_challenge_methods_supported).toEqual(["S256"]);
    expect(discovery.token_endpoint_auth_methods_supported).toContain("client_secret_post");
  });

  it("has no RP-initiated logout route", async () => {
    expect((await fetch(`${stack.server.issuer}/session/end`)).status).toBe(404);
  });

  it("names itself on its home page and login form", async () => {
    const home = await (await fetch(`${stack.server.issuer}/`)).text();
    expect(home).toContain("Google (local persona)");
    const page = await openLoginPage({ issuer: stack.server.issuer, clientId, redirectUri: REDIRECT_URI });
    expect(page.html).toContain("Sign in to Google (local persona)");
    expect(page.html).toContain(clientId);
  });
});

describe("the client secret quirk", () => {
  it("a token request without client_secret is refused even with the right PKCE verifier; with it, tokens", async () => {
    const verifier = randomBytes(32).toString("base64url");
    const challenge = createHash("sha256").update(verifier).digest("base64url");
    const code = await codeFor("alice", challenge);
    const refused = await redeem({ code, code_verifier: verifier });
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ error: "invalid_client" });

    const wrongSecret = await redeem({ code, code_verifier: verifier, client_secret: "GOCSPX-wrong" });
    expect(wrongSecret.status).toBe(401);

    const code2 = await codeFor("alice", challenge);
    const ok = await redeem({ code: code2, code_verifier: verifier, client_secret: clientSecret });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ token_type: "Bearer", id_token: expect.any(String), access_token: expect.any(String) });
  });

  it("PKCE is required too: no code_challenge → invalid_request on the redirect; a wrong verifier → invalid_grant", async () => {
    const outcome = await fetch(
      `${discovery.authorization_endpoint}?${new URLSearchParams({ response_type: "code", client_id: clientId, redirect_uri: REDIRECT_URI, scope: "openid", state: "s" })}`,
      { redirect: "manual" },
    );
    const location = new URL(outcome.headers.get("location") ?? "");
    expect(location.origin + location.pathname).toBe(REDIRECT_URI);
    expect(location.searchParams.get("error")).toBe("invalid_request");
    expect(location.searchParams.get("error_description")).toMatch(/PKCE/);

    const verifier = randomBytes(32).toString("base64url");
    const code = await codeFor("bob", createHash("sha256").update(verifier).digest("base64url"));
    const wrong = await redeem({ code, code_verifier: randomBytes(32).toString("base64url"), client_secret: clientSecret });
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toMatchObject({ error: "invalid_grant" });
  });

  it("gives no refresh token: offline_access is not a scope of the persona, even with prompt=consent", async () => {
    const tokens = await signInHeadless({ issuer: stack.server.issuer, clientId, clientSecret, redirectUri: REDIRECT_URI, username: "alice", password: "alice-password", scope: "openid email offline_access", prompt: "consent" });
    expect(tokens.refreshToken).toBeUndefined();
  });
});

describe("ID tokens", () => {
  it("carry Google's claims: iss, aud = azp = client id, a 21-digit sub, names, email, at_hash — verified against the JWKS", async () => {
    const tokens = await signIn("alice");
    const jwks = createRemoteJWKSet(new URL(discovery.jwks_uri));
    const { payload, protectedHeader } = await jwtVerify(tokens.idToken, jwks, { issuer: stack.server.issuer, audience: clientId, algorithms: ["RS256"] });
    const alice = stack.config.users.find((u) => u.username === "alice");
    expect(protectedHeader.alg).toBe("RS256");
    expect(payload.sub).toBe(alice?.subjects.google);
    expect(payload.sub).toMatch(/^\d{21}$/);
    expect(payload.aud).toBe(clientId);
    expect(payload.azp).toBe(clientId);
    expect(payload).toMatchObject({ email: "alice@example.test", email_verified: true, name: "Alice Example", given_name: "Alice", family_name: "Example" });
    expect(payload).not.toHaveProperty("preferred_username");
    // at_hash: left half of SHA-256 of the access token, base64url (OIDC Core §3.1.3.6).
    const digest = createHash("sha256").update(tokens.accessToken).digest();
    expect(payload.at_hash).toBe(digest.subarray(0, 16).toString("base64url"));
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(3600);
  });

  it("bob gets his own Google subject", async () => {
    const tokens = await signIn("bob");
    const { payload } = await jwtVerify(tokens.idToken, createRemoteJWKSet(new URL(discovery.jwks_uri)), { issuer: stack.server.issuer, audience: clientId });
    expect(payload.sub).toBe(stack.config.users.find((u) => u.username === "bob")?.subjects.google);
  });

  it("userinfo answers the same person without azp or at_hash, with CORS for the app", async () => {
    const tokens = await signIn("alice");
    const response = await fetch(discovery.userinfo_endpoint, { headers: { Authorization: `Bearer ${tokens.accessToken}`, Origin: APP_ORIGIN } });
    expect(response.status).toBe(200);
    expect(response.headers.get("access-control-allow-origin")).toBe(APP_ORIGIN);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ sub: stack.config.users[0]?.subjects.google, email: "alice@example.test", given_name: "Alice" });
    expect(body).not.toHaveProperty("azp");
    expect(body).not.toHaveProperty("at_hash");
  });
});

describe("silent sign-in and revocation", () => {
  it("prompt=none with the session gives a code whose ID token has the same sub", async () => {
    const cookies = new CookieJar();
    const first = await signIn("alice", cookies);
    const silent = await authorize({ issuer: stack.server.issuer, clientId, clientSecret, redirectUri: REDIRECT_URI, prompt: "none", cookies });
    expect(silent.kind).toBe("code");
    if (silent.kind !== "code") return;
    const again = await silent.redeem();
    const sub = (jwt: string) => JSON.parse(Buffer.from(jwt.split(".")[1] ?? "", "base64url").toString()) as { sub: string };
    expect(sub(again.idToken).sub).toBe(sub(first.idToken).sub);
    // Without a session: login_required.
    expect(await authorize({ issuer: stack.server.issuer, clientId, redirectUri: REDIRECT_URI, prompt: "none" })).toMatchObject({ kind: "error", error: "login_required" });
  });

  it("POST /__local/revoke ends alice's access tokens at userinfo at once, not bob's; a later sign-in works", async () => {
    const alice = await signIn("alice");
    const bob = await signIn("bob");
    const userinfo = (token: string) => fetch(discovery.userinfo_endpoint, { headers: { Authorization: `Bearer ${token}` } });
    expect((await userinfo(alice.accessToken)).status).toBe(200);

    const answer = await fetch(`${stack.server.url}/__local/revoke`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ persona: "google", username: "alice" }) });
    expect(answer.status).toBe(200);
    const body = (await answer.json()) as { revokedTokens: number };
    expect(body.revokedTokens).toBeGreaterThanOrEqual(1);

    const after = await userinfo(alice.accessToken);
    expect(after.status).toBe(401);
    expect(await after.json()).toMatchObject({ error: "invalid_token" });
    expect((await userinfo(bob.accessToken)).status).toBe(200);
    expect((await userinfo((await signIn("alice")).accessToken)).status).toBe(200);
  });
});
