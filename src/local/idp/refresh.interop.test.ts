/**
 * Refresh tokens of the local OpenID provider: issued only when the sign-in asked `offline_access` together with
 * `prompt=consent` AND the client has `"refreshTokens": true`; rotated on use; revocable; not ended by logout.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeJwt } from "jose";
import { loadStackConfig, type StackConfig } from "../config";
import { createStackControls, installStackClock } from "../controls";
import { CookieJar, openLogoutPage, signInHeadless, type HeadlessSignInOptions } from "./headless";
import { startIdp, type IdpServer } from "./server";

const CLIENT_ID = "web-identity-console";
const NO_REFRESH_CLIENT = "no-refresh-tokens";
const REDIRECT_URI = "http://127.0.0.1:5173/";
const APP_ORIGIN = "http://127.0.0.1:5173";
const OFFLINE = "openid profile email offline_access";

let config: StackConfig;
let idp: IdpServer;
let endpoints: { token_endpoint: string; revocation_endpoint: string };

beforeAll(async () => {
  config = loadStackConfig();
  config.clients.push({ clientId: NO_REFRESH_CLIENT, redirectUris: [REDIRECT_URI], postLogoutRedirectUris: [REDIRECT_URI], refreshTokens: false });
  idp = await startIdp({ config, port: 0, quiet: true });
  endpoints = (await (await fetch(`${idp.issuer}/.well-known/openid-configuration`)).json()) as typeof endpoints;
});

afterAll(async () => {
  await idp?.close();
});

function signIn(o: Partial<HeadlessSignInOptions> = {}) {
  return signInHeadless({ issuer: idp.issuer, clientId: CLIENT_ID, redirectUri: REDIRECT_URI, username: "alice", password: "alice-password", ...o });
}

function refresh(token: string, clientId = CLIENT_ID) {
  return fetch(endpoints.token_endpoint, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: APP_ORIGIN },
    body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: token, client_id: clientId }),
  });
}

function revoke(token: string) {
  return fetch(endpoints.revocation_endpoint, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: APP_ORIGIN },
    body: new URLSearchParams({ token, token_type_hint: "refresh_token", client_id: CLIENT_ID }),
  });
}

describe("when a refresh token is issued", () => {
  it("offline_access with prompt=consent → a refresh token that refreshes", async () => {
    const tokens = await signIn({ scope: OFFLINE, prompt: "consent" });
    expect(tokens.refreshToken).toBeTruthy();
    const response = await refresh(tokens.refreshToken ?? "");
    expect(response.status).toBe(200);
    const body = (await response.json()) as { id_token: string; access_token: string; refresh_token: string; scope: string };
    expect(decodeJwt(body.id_token).sub).toBe("alice");
    expect(body.access_token).toBeTruthy();
    expect(body.scope.split(" ")).toContain("offline_access");
  });

  it("no offline_access → no refresh token, even with prompt=consent", async () => {
    const tokens = await signIn({ prompt: "consent" });
    expect(tokens.idToken).toBeTruthy();
    expect(tokens.refreshToken).toBeUndefined();
  });

  it("offline_access without prompt=consent → no refresh token (OIDC Core §11)", async () => {
    const tokens = await signIn({ scope: OFFLINE });
    expect(tokens.refreshToken).toBeUndefined();
  });

  it('a client with "refreshTokens": false → no refresh token even with offline_access and prompt=consent', async () => {
    const tokens = await signIn({ clientId: NO_REFRESH_CLIENT, scope: OFFLINE, prompt: "consent" });
    expect(decodeJwt(tokens.idToken).aud).toBe(NO_REFRESH_CLIENT);
    expect(tokens.refreshToken).toBeUndefined();
  });

  it('a client with "refreshTokens": false may not use the refresh_token grant at all', async () => {
    const tokens = await signIn({ scope: OFFLINE, prompt: "consent" });
    const response = await refresh(tokens.refreshToken ?? "", NO_REFRESH_CLIENT);
    expect(response.status).toBe(400);
    // oidc-provider's answer (RFC 6749 would say unauthorized_client): refused before the token is even looked at.
    expect(await response.json()).toEqual({ error: "invalid_request", error_description: "requested grant type is not allowed for this client" });
  });
});

describe("ending a refresh token", () => {
  it("revoked at the revocation endpoint (with CORS for the app) → a later refresh is invalid_grant", async () => {
    const tokens = await signIn({ scope: OFFLINE, prompt: "consent" });
    const revoked = await revoke(tokens.refreshToken ?? "");
    expect(revoked.status).toBe(200);
    expect(revoked.headers.get("access-control-allow-origin")).toBe(APP_ORIGIN);
    const response = await refresh(tokens.refreshToken ?? "");
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: "invalid_grant" });
  });

  it("revoking the rotated token ends the chain: neither the old nor the new one refreshes", async () => {
    const tokens = await signIn({ scope: OFFLINE, prompt: "consent" });
    const rotated = ((await (await refresh(tokens.refreshToken ?? "")).json()) as { refresh_token: string }).refresh_token;
    expect((await revoke(rotated)).status).toBe(200);
    for (const token of [rotated, tokens.refreshToken ?? ""]) {
      const response = await refresh(token);
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: "invalid_grant" });
    }
  });

  it("an offline refresh token outlives RP-initiated logout (standard); revoking it is the app's job", async () => {
    const cookies = new CookieJar();
    const tokens = await signIn({ scope: OFFLINE, prompt: "consent", cookies });
    const page = await openLogoutPage({ issuer: idp.issuer, cookies, idTokenHint: tokens.idToken, postLogoutRedirectUri: REDIRECT_URI, state: "bye" });
    expect((await page.confirm()).kind).toBe("redirect");
    const after = await refresh(tokens.refreshToken ?? "");
    expect(after.status).toBe(200);
    const rotated = ((await after.json()) as { refresh_token: string }).refresh_token;
    expect((await revoke(rotated)).status).toBe(200);
    expect((await refresh(rotated)).status).toBe(400);
  });
});

describe("lifetimes", () => {
  it("takes lifetimes from the config, startIdp's ttl option wins, and a refresh-token chain ends at its absolute lifetime", async () => {
    const shortConfig = loadStackConfig();
    shortConfig.ttl = { ...shortConfig.ttl, refreshToken: 120, idToken: 50, accessToken: 40 };
    const controls = createStackControls();
    const short = await startIdp({ config: shortConfig, quiet: true, ttl: { idToken: 30 }, controls });
    const restoreClock = installStackClock(controls);
    try {
      const tokens = await signInHeadless({ issuer: short.issuer, clientId: CLIENT_ID, redirectUri: REDIRECT_URI, username: "bob", password: "bob-password", scope: OFFLINE, prompt: "consent" });
      const claims = decodeJwt(tokens.idToken);
      expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(30); // the option
      expect(tokens.expiresIn).toBeLessThanOrEqual(40); // the config
      expect(tokens.expiresIn).toBeGreaterThan(35);

      const { token_endpoint } = (await (await fetch(`${short.issuer}/.well-known/openid-configuration`)).json()) as { token_endpoint: string };
      const refreshAt = (token: string) =>
        fetch(token_endpoint, {
          method: "POST",
          headers: { "Content-Type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: token, client_id: CLIENT_ID }),
        });
      controls.setClockOffset(60);
      const first = await refreshAt(tokens.refreshToken ?? "");
      expect(first.status).toBe(200);
      const rotated = ((await first.json()) as { refresh_token: string }).refresh_token;
      // 150 s after sign-in: past the chain's 120 s (+15 s clock tolerance), although the rotated token is only 90 s old.
      controls.setClockOffset(150);
      const late = await refreshAt(rotated);
      expect(late.status).toBe(400);
      expect(await late.json()).toMatchObject({ error: "invalid_grant" });
    } finally {
      restoreClock();
      await short.close();
    }
  });
});
