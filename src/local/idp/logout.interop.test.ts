/**
 * RP-initiated logout at the local OpenID provider: with a valid `id_token_hint` for the signed-in user the page signs
 * out by itself (an inline script allowed by its CSP hash) and the browser lands on `post_logout_redirect_uri` with
 * `state`; without one the user is asked.
 */
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadStackConfig } from "../config";
import { authorize, CookieJar, openLoginPage, openLogoutPage, signInHeadless, type HeadlessTokens } from "./headless";
import { startIdp, type IdpServer } from "./server";

const CLIENT_ID = "web-identity-console";
const REDIRECT_URI = "http://127.0.0.1:5173/";

let idp: IdpServer;

beforeAll(async () => {
  idp = await startIdp({ config: loadStackConfig(), port: 0, quiet: true });
});

afterAll(async () => {
  await idp?.close();
});

async function signedIn(username: string): Promise<{ cookies: CookieJar; tokens: HeadlessTokens }> {
  const cookies = new CookieJar();
  const tokens = await signInHeadless({ issuer: idp.issuer, clientId: CLIENT_ID, redirectUri: REDIRECT_URI, username, password: `${username}-password`, cookies });
  return { cookies, tokens };
}

const silent = (cookies: CookieJar) => authorize({ issuer: idp.issuer, clientId: CLIENT_ID, redirectUri: REDIRECT_URI, prompt: "none", cookies });
const sha256 = (text: string) => `'sha256-${createHash("sha256").update(text).digest("base64")}'`;
const directive = (csp: string, name: string) => csp.split(";").map((d) => d.trim()).find((d) => d.startsWith(`${name} `));

describe("RP-initiated logout with id_token_hint", () => {
  it("auto-submits: one inline script, allowed by its hash in a CSP that stays default-src 'none'; a visible button as fallback", async () => {
    const { cookies, tokens } = await signedIn("alice");
    const page = await openLogoutPage({ issuer: idp.issuer, cookies, idTokenHint: tokens.idToken, postLogoutRedirectUri: REDIRECT_URI, state: "st-1" });
    expect(page.status).toBe(200);
    expect(page.scripts).toHaveLength(1);
    const [script = ""] = page.scripts;
    expect(script).toContain("logout-yes");
    expect(directive(page.csp, "default-src")).toBe("default-src 'none'");
    expect(directive(page.csp, "script-src")).toBe(`script-src ${sha256(script)}`);
    expect(page.html).toMatch(/<button type="submit"[^>]*id="logout-yes"[^>]*name="logout" value="yes"[^>]*>Sign me out<\/button>/);
    expect(page.html).not.toContain("No, stay signed in");
  });

  it("ends the session and lands on post_logout_redirect_uri with state; then prompt=none → login_required and the login form is back", async () => {
    const { cookies, tokens } = await signedIn("alice");
    expect((await silent(cookies)).kind).toBe("code"); // the session is there before
    expect((await fetch(`${idp.issuer}/me`, { headers: { Authorization: `Bearer ${tokens.accessToken}` } })).status).toBe(200);

    const page = await openLogoutPage({ issuer: idp.issuer, cookies, idTokenHint: tokens.idToken, postLogoutRedirectUri: REDIRECT_URI, state: "st-2" });
    const outcome = await page.confirm(); // what the page's script does
    expect(outcome.kind).toBe("redirect");
    if (outcome.kind !== "redirect") return;
    const landed = new URL(outcome.url);
    expect(`${landed.origin}${landed.pathname}`).toBe(REDIRECT_URI);
    expect(landed.searchParams.get("state")).toBe("st-2");

    const after = await silent(cookies);
    expect(after).toMatchObject({ kind: "error", error: "login_required" });
    // Tokens issued without offline_access die with the session.
    const userinfo = await fetch(`${idp.issuer}/me`, { headers: { Authorization: `Bearer ${tokens.accessToken}` } });
    expect(userinfo.status).toBe(401);
    const login = await openLoginPage({ issuer: idp.issuer, clientId: CLIENT_ID, redirectUri: REDIRECT_URI, cookies });
    expect(login.status).toBe(200);
    expect(login.html).toContain('id="login-form"');
  });

  it("asks when the hint names someone else than the signed-in user", async () => {
    const alice = await signedIn("alice");
    const bob = await signedIn("bob");
    const page = await openLogoutPage({ issuer: idp.issuer, cookies: bob.cookies, idTokenHint: alice.tokens.idToken, postLogoutRedirectUri: REDIRECT_URI, state: "st-3" });
    expect(page.status).toBe(200);
    expect(page.scripts).toEqual([]);
    expect(page.html).toContain("No, stay signed in");
  });

  it("refuses an unregistered post_logout_redirect_uri", async () => {
    const { cookies, tokens } = await signedIn("alice");
    const page = await openLogoutPage({ issuer: idp.issuer, cookies, idTokenHint: tokens.idToken, postLogoutRedirectUri: "http://evil.example/", state: "st-4" });
    expect(page.status).toBe(400);
    expect(page.scripts).toEqual([]);
    expect(page.html).toContain("post_logout_redirect_uri");
    expect((await silent(cookies)).kind).toBe("code"); // still signed in
  });
});

describe("RP-initiated logout without id_token_hint", () => {
  it("shows the confirmation page (no script, no script-src) and keeps the session until the user says yes", async () => {
    const { cookies } = await signedIn("bob");
    const page = await openLogoutPage({ issuer: idp.issuer, cookies, clientId: CLIENT_ID, postLogoutRedirectUri: REDIRECT_URI, state: "st-5" });
    expect(page.status).toBe(200);
    expect(page.html).toMatch(/<h1>Sign out of Local OpenID Provider\?<\/h1>/);
    expect(page.html).toContain("Yes, sign me out");
    expect(page.html).toContain("No, stay signed in");
    expect(page.scripts).toEqual([]);
    expect(directive(page.csp, "script-src")).toBeUndefined();
    expect(directive(page.csp, "default-src")).toBe("default-src 'none'");
    expect((await silent(cookies)).kind).toBe("code");

    const outcome = await page.confirm();
    expect(outcome.kind).toBe("redirect");
    if (outcome.kind === "redirect") expect(new URL(outcome.url).searchParams.get("state")).toBe("st-5");
    expect(await silent(cookies)).toMatchObject({ kind: "error", error: "login_required" });
  });
});
