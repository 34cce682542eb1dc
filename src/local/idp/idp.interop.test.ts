import { createHash, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRemoteJWKSet, decodeJwt, jwtVerify } from "jose";
import { loadStackConfig, type StackConfig } from "../config";
import { HeadlessSignInError, openLoginPage, signInHeadless } from "./headless";
import { startIdp, type IdpServer } from "./server";
import { discover, type DiscoveryDocument } from "./testing";

const CLIENT_ID = "web-identity-console";
const REDIRECT_URI = "http://127.0.0.1:5173/";
const APP_ORIGIN = "http://127.0.0.1:5173";

let config: StackConfig;
let idp: IdpServer;

let discovery: DiscoveryDocument;

beforeAll(async () => {
  config = loadStackConfig();
  idp = await startIdp({ config, port: 0, quiet: true });
  discovery = await discover(idp.issuer);
});

afterAll(async () => {
  await idp?.close();
});

function signIn(username: string, password: string, scope?: string) {
  return signInHeadless({ issuer: idp.issuer, clientId: CLIENT_ID, redirectUri: REDIRECT_URI, username, password, ...(scope ? { scope } : {}) });
}

function authorizeUrl(params: Record<string, string>): string {
  const url = new URL(discovery.authorization_endpoint);
  url.search = new URLSearchParams({ response_type: "code", client_id: CLIENT_ID, redirect_uri: REDIRECT_URI, scope: "openid", state: "s1", ...params }).toString();
  return url.href;
}

const challenge = () => createHash("sha256").update(randomBytes(32).toString("base64url")).digest("base64url");

describe("discovery and keys", () => {
  it("serves the issuer on 127.0.0.1 and advertises the code flow with S256 only", () => {
    expect(idp.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(discovery.issuer).toBe(idp.issuer);
    expect(discovery.response_types_supported).toEqual(["code"]);
    expect(discovery.code_challenge_methods_supported).toEqual(["S256"]);
    expect(discovery.scopes_supported).toEqual(expect.arrayContaining(["openid", "profile", "email", "offline_access"]));
  });

  it("publishes exactly one RS256 signing key, public only", async () => {
    const jwks = (await (await fetch(discovery.jwks_uri)).json()) as { keys: Record<string, unknown>[] };
    expect(jwks.keys).toHaveLength(1);
    const [key] = jwks.keys;
    expect(key).toMatchObject({ kty: "RSA", alg: "RS256", use: "sig" });
    expect(typeof key?.kid).toBe("string");
    expect(key).not.toHaveProperty("d");
  });
});

describe("sign-in through the login form", () => {
  it("gives alice an ID token that verifies against the JWKS, aud = client id, sub = alice", async () => {
    const tokens = await signIn("alice", "alice-password");
    const jwks = createRemoteJWKSet(new URL(discovery.jwks_uri));
    const { payload, protectedHeader } = await jwtVerify(tokens.idToken, jwks, { issuer: idp.issuer, audience: CLIENT_ID, algorithms: ["RS256"] });
    expect(protectedHeader.alg).toBe("RS256");
    expect(payload.sub).toBe("alice");
    expect(payload.aud).toBe(CLIENT_ID);
    expect(payload.iss).toBe(idp.issuer);
    expect(payload).toMatchObject({ name: "Alice Example", email: "alice@example.test", email_verified: true, preferred_username: "alice" });
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(3600);
    expect(tokens.expiresIn).toBeGreaterThan(3500);
    expect(tokens.expiresIn).toBeLessThanOrEqual(3600);
    // No offline_access asked for: no refresh token (refresh.interop.test.ts covers when one is issued).
    expect(tokens.refreshToken).toBeUndefined();
  });

  it("gives bob his own subject", async () => {
    const tokens = await signIn("bob", "bob-password");
    expect(decodeJwt(tokens.idToken).sub).toBe("bob");
  });

  it("answers userinfo for the access token, with CORS for the app's origin", async () => {
    const tokens = await signIn("alice", "alice-password");
    const response = await fetch(discovery.userinfo_endpoint, { headers: { Authorization: `Bearer ${tokens.accessToken}`, Origin: APP_ORIGIN } });
    expect(response.status).toBe(200);
    expect(response.headers.get("access-control-allow-origin")).toBe(APP_ORIGIN);
    expect(await response.json()).toMatchObject({ sub: "alice", email: "alice@example.test", name: "Alice Example" });
  });

  it("refuses a wrong password with the form's alert, and issues no code", async () => {
    await expect(signIn("alice", "not-her-password")).rejects.toThrow(/Wrong username or password/);
    await expect(signIn("alice", "not-her-password")).rejects.toBeInstanceOf(HeadlessSignInError);

    const page = await openLoginPage({ issuer: idp.issuer, clientId: CLIENT_ID, redirectUri: REDIRECT_URI });
    const wrong = await page.submit("alice", "nope");
    expect(wrong.kind).toBe("page");
    if (wrong.kind !== "page") return;
    expect(wrong.status).toBe(200);
    expect(wrong.alert).toBe("Wrong username or password.");
    expect(wrong.html).toMatch(/<div id="login-error"[^>]*role="alert"/);
    expect(wrong.html).not.toContain("code=");
    // The same interaction still accepts the right password afterwards.
    const right = await page.submit("alice", "alice-password");
    expect(right.kind).toBe("redirect");
  });

  it("refuses an unknown user with the same message as a wrong password", async () => {
    await expect(signIn("mallory", "alice-password")).rejects.toThrow(/Wrong username or password/);
  });

  it("escapes what it echoes back into the page", async () => {
    const page = await openLoginPage({ issuer: idp.issuer, clientId: CLIENT_ID, redirectUri: REDIRECT_URI });
    const result = await page.submit(`"><script>alert(1)</script>`, "x");
    expect(result.kind).toBe("page");
    if (result.kind !== "page") return;
    expect(result.html).not.toContain("<script>");
    expect(result.html).toContain("&#34;&#62;&#60;script&#62;");
  });

  it("still signs in when offline_access is asked for without prompt=consent", async () => {
    const tokens = await signIn("bob", "bob-password", "openid profile email offline_access");
    expect(decodeJwt(tokens.idToken).sub).toBe("bob");
    // oidc-provider drops offline_access without prompt=consent (OIDC Core §11): no refresh token.
    expect(tokens.refreshToken).toBeUndefined();
  });

  it("issues a refresh token that rotates on each use (public client)", async () => {
    const tokens = await signInHeadless({ issuer: idp.issuer, clientId: CLIENT_ID, redirectUri: REDIRECT_URI, username: "alice", password: "alice-password", scope: "openid profile email offline_access", prompt: "consent" });
    expect(tokens.refreshToken).toBeTruthy();
    const refresh = (token: string) =>
      fetch(discovery.token_endpoint, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: APP_ORIGIN },
        body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: token, client_id: CLIENT_ID }),
      });
    const first = await refresh(tokens.refreshToken ?? "");
    expect(first.status).toBe(200);
    expect(first.headers.get("access-control-allow-origin")).toBe(APP_ORIGIN);
    const body = (await first.json()) as { id_token: string; refresh_token: string };
    expect(decodeJwt(body.id_token).sub).toBe("alice");
    expect(body.refresh_token).toBeTruthy();
    expect(body.refresh_token).not.toBe(tokens.refreshToken);
    // Reusing the rotated-out token fails (and revokes the chain).
    const reuse = await refresh(tokens.refreshToken ?? "");
    expect(reuse.status).toBe(400);
    expect(await reuse.json()).toMatchObject({ error: "invalid_grant" });
  });
});

describe("the login page", () => {
  it("has a heading, labelled Username and Password inputs, a Sign in button, the test users and a CSP", async () => {
    const page = await openLoginPage({ issuer: idp.issuer, clientId: CLIENT_ID, redirectUri: REDIRECT_URI });
    expect(page.status).toBe(200);
    expect(page.url).toMatch(new RegExp(`^${idp.issuer}/interaction/[\\w-]+$`));
    const html = page.html;
    expect(html).toMatch(/<html lang="en">/);
    expect(html).toMatch(/<h1>Sign in to Local OpenID Provider<\/h1>/);
    for (const [label, name, type] of [["Username", "username", "text"], ["Password", "password", "password"]] as const) {
      const labelFor = new RegExp(`<label for="([^"]+)">${label}</label>`).exec(html)?.[1];
      expect(labelFor, `label for ${label}`).toBeTruthy();
      const input = new RegExp(`<input id="${labelFor}"[^>]*>`).exec(html)?.[0] ?? "";
      expect(input).toContain(`name="${name}"`);
      expect(input).toContain(`type="${type}"`);
    }
    expect(html).toMatch(/<button type="submit"[^>]*>Sign in<\/button>/);
    expect(html).toContain("<code>alice</code>");
    expect(html).toContain("<code>bob</code>");
    // The app is named, with the client id it registered.
    expect(html).toContain(`<p>to continue to <strong>Web Identity Console</strong> (client id <code>${CLIENT_ID}</code>)</p>`);
    // One-click sign-in per test user: a form posting that user's name and password where the main form posts.
    const action = /<form id="login-form" method="post" action="([^"]+)"/.exec(html)?.[1];
    expect(action).toBeTruthy();
    for (const [user, password] of [["alice", "alice-password"], ["bob", "bob-password"]]) {
      expect(html).toContain(
        `<form method="post" action="${action}"><input type="hidden" name="username" value="${user}"><input type="hidden" name="password" value="${password}"><button type="submit">Sign in as ${user}</button></form>`,
      );
    }

    const response = await fetch(page.url); // without the interaction cookie: an explanation, not the form
    expect(response.status).toBe(400);
    const csp = response.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toMatch(/form-action 'self' [^;]*http:\/\/127\.0\.0\.1:5173/);
    expect(await response.text()).toMatch(/expired/);
  });
});

describe("authorization request policy", () => {
  it("refuses a request without code_challenge (PKCE required) and issues no code", async () => {
    const response = await fetch(authorizeUrl({}), { redirect: "manual" });
    expect(response.status).toBe(303);
    const location = new URL(response.headers.get("location") ?? "", idp.issuer);
    expect(`${location.origin}${location.pathname}`).toBe(REDIRECT_URI);
    expect(location.searchParams.get("error")).toBe("invalid_request");
    expect(location.searchParams.get("error_description")).toMatch(/PKCE/);
    expect(location.searchParams.get("code")).toBeNull();
  });

  it("refuses the plain PKCE method", async () => {
    const response = await fetch(authorizeUrl({ code_challenge: challenge(), code_challenge_method: "plain" }), { redirect: "manual" });
    const location = new URL(response.headers.get("location") ?? "", idp.issuer);
    expect(location.searchParams.get("error")).toBe("invalid_request");
    expect(location.searchParams.get("code")).toBeNull();
  });

  it("answers prompt=none with a code when the IdP session exists (silent sign-in)", async () => {
    const page = await openLoginPage({ issuer: idp.issuer, clientId: CLIENT_ID, redirectUri: REDIRECT_URI });
    const signedIn = await page.submit("bob", "bob-password");
    expect(signedIn.kind).toBe("redirect");
    if (signedIn.kind !== "redirect") return;
    const url = authorizeUrl({ code_challenge: challenge(), code_challenge_method: "S256", prompt: "none", scope: "openid profile email" });
    const response = await fetch(url, { redirect: "manual", headers: { Cookie: signedIn.cookieHeader(url) } });
    expect(response.status).toBe(303);
    const location = new URL(response.headers.get("location") ?? "", idp.issuer);
    expect(`${location.origin}${location.pathname}`).toBe(REDIRECT_URI);
    expect(location.searchParams.get("error")).toBeNull();
    expect(location.searchParams.get("code")).toBeTruthy();
    expect(location.searchParams.get("state")).toBe("s1");
  });

  it("answers prompt=none without a session with login_required", async () => {
    const response = await fetch(authorizeUrl({ code_challenge: challenge(), code_challenge_method: "S256", prompt: "none" }), { redirect: "manual" });
    const location = new URL(response.headers.get("location") ?? "", idp.issuer);
    expect(location.searchParams.get("error")).toBe("login_required");
  });

  it("does not redirect to an unregistered redirect_uri", async () => {
    const response = await fetch(authorizeUrl({ redirect_uri: "http://evil.example/", code_challenge: challenge(), code_challenge_method: "S256" }), { redirect: "manual", headers: { Accept: "text/html" } });
    expect(response.status).toBe(400);
    expect(response.headers.get("location")).toBeNull();
    expect(await response.text()).toMatch(/redirect_uri/);
  });
});

describe("CORS for the browser app", () => {
  const tokenRequest = (origin: string) =>
    fetch(discovery.token_endpoint, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: origin },
      body: new URLSearchParams({ grant_type: "authorization_code", code: "not-a-code", redirect_uri: REDIRECT_URI, client_id: CLIENT_ID, code_verifier: "a".repeat(43) }),
    });

  it("token endpoint: allows the origins of the client's redirect URIs", async () => {
    for (const origin of [APP_ORIGIN, "http://localhost:5173"]) {
      const response = await tokenRequest(origin);
      expect(response.headers.get("access-control-allow-origin")).toBe(origin);
      expect(await response.json()).toMatchObject({ error: "invalid_grant" });
    }
  });

  it("token endpoint: answers the preflight", async () => {
    const response = await fetch(discovery.token_endpoint, {
      method: "OPTIONS",
      headers: { Origin: APP_ORIGIN, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type" },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-origin")).toBe(APP_ORIGIN);
    expect(response.headers.get("access-control-allow-methods")).toContain("POST");
  });

  it("token endpoint: refuses any other origin", async () => {
    const response = await tokenRequest("http://evil.example");
    expect(response.headers.get("access-control-allow-origin")).toBeNull();
    expect(await response.json()).toMatchObject({ error: "invalid_request" });
  });

  it("discovery and JWKS are readable from the app", async () => {
    for (const url of [`${idp.issuer}/.well-known/openid-configuration`, discovery.jwks_uri]) {
      const response = await fetch(url, { headers: { Origin: APP_ORIGIN } });
      expect(response.headers.get("access-control-allow-origin")).toBe(APP_ORIGIN);
    }
  });
});

describe("options", () => {
  it("mints short-lived tokens when asked", async () => {
    const shortIdp = await startIdp({ config, quiet: true, ttl: { idToken: 30, accessToken: 20 } });
    try {
      const tokens = await signInHeadless({ issuer: shortIdp.issuer, clientId: CLIENT_ID, redirectUri: REDIRECT_URI, username: "bob", password: "bob-password" });
      const claims = decodeJwt(tokens.idToken);
      expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(30);
      expect(tokens.expiresIn).toBeLessThanOrEqual(20);
      expect(tokens.expiresIn).toBeGreaterThan(15);
      expect(claims.iss).toBe(shortIdp.issuer);
    } finally {
      await shortIdp.close();
    }
  });
});
