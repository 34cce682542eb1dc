/**
 * All four providers on one set of test controls, as under `npm start`: each answers `/__local/`, each follows its own
 * mode (offline closes sockets, garbage answers an HTML page, up restores), revocation reaches the right provider, and
 * the same users sign in everywhere under each provider's subjects.
 */
import { request as httpRequest } from "node:http";
import { decodeJwt } from "jose";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { loadStackConfig, type StackConfig } from "../config";
import { createStackControls, IDENTITY_PROVIDERS, type IdentityProviderName, type StackControls } from "../controls";
import { signInHeadless } from "./headless";
import { startIdp, type IdpServer } from "./server";
import { control } from "./testing";

const REDIRECT_URI = "http://127.0.0.1:5173/";

let config: StackConfig;
let controls: StackControls;
const servers = {} as Record<IdentityProviderName, IdpServer>;

beforeAll(async () => {
  config = loadStackConfig();
  controls = createStackControls({ usernames: config.users.map((u) => u.username) });
  for (const persona of IDENTITY_PROVIDERS) servers[persona] = await startIdp({ config, persona, port: 0, quiet: true, controls });
});

afterAll(async () => {
  await Promise.all(Object.values(servers).map((s) => s.close()));
});

afterEach(() => {
  controls.reset();
});

/** A sign-in at each provider the way its app registration works; resolves with the subject the provider gave. */
async function subjectAt(persona: IdentityProviderName, username: string): Promise<string> {
  const common = { redirectUri: REDIRECT_URI, username, password: `${username}-password` };
  const url = servers[persona].url;
  switch (persona) {
    case "oidc":
      return String(decodeJwt((await signInHeadless({ issuer: url, clientId: "web-identity-console", ...common })).idToken).sub);
    case "google":
      return String(decodeJwt((await signInHeadless({ issuer: url, clientId: config.personas.google.clientId, clientSecret: config.personas.google.clientSecret, ...common })).idToken).sub);
    case "amazon": {
      const tokens = await signInHeadless({ endpoints: { authorization: `${url}/ap/oa`, token: `${url}/auth/o2/token` }, clientId: config.personas.amazon.clientId, scope: "profile", ...common });
      return String(((await (await fetch(`${url}/auth/o2/tokeninfo?${new URLSearchParams({ access_token: tokens.accessToken })}`)).json()) as { user_id: unknown }).user_id);
    }
    case "facebook": {
      const tokens = await signInHeadless({ endpoints: { authorization: `${url}/v19.0/dialog/oauth`, token: `${url}/v19.0/oauth/access_token` }, clientId: config.personas.facebook.appId, scope: "public_profile", ...common });
      return String(((await (await fetch(`${url}/me?${new URLSearchParams({ access_token: tokens.accessToken })}`)).json()) as { id: unknown }).id);
    }
  }
}

/** A raw request that reports whether the server answered at all (`fetch` would retry or mask a closed socket). */
function rawGet(base: string, path: string): Promise<{ kind: "answer"; status: number; type: string; body: string } | { kind: "closed"; code: string }> {
  return new Promise((resolve) => {
    const { hostname, port } = new URL(base);
    const req = httpRequest({ host: hostname, port, path, agent: false, timeout: 5000 }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ kind: "answer", status: res.statusCode ?? 0, type: String(res.headers["content-type"]), body }));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", (err: NodeJS.ErrnoException) => resolve({ kind: "closed", code: err.code ?? err.message }));
    req.end();
  });
}

describe("the same users at every provider", () => {
  it("alice and bob sign in everywhere, each under that provider's subject", async () => {
    for (const user of config.users) {
      expect(await subjectAt("oidc", user.username)).toBe(user.sub);
      for (const persona of ["google", "amazon", "facebook"] as const) expect(await subjectAt(persona, user.username), persona).toBe(user.subjects[persona]);
    }
  });
});

describe("POST /__local/persona", () => {
  it("every provider port answers the controls and their state lists every provider up", async () => {
    for (const persona of IDENTITY_PROVIDERS) {
      const state = await control(servers[persona].url, "state");
      expect(state.status).toBe(200);
      expect(state.body.personas).toEqual({ oidc: "up", google: "up", amazon: "up", facebook: "up" });
    }
  });

  it("offline: that provider closes connections without answering, the others answer; /__local/ still answers; up restores", async () => {
    const answer = await control(servers.oidc.url, "persona", { persona: "amazon", mode: "offline" });
    expect(answer).toMatchObject({ status: 200, body: { ok: true, personas: { oidc: "up", google: "up", amazon: "offline", facebook: "up" } } });

    const down = await rawGet(servers.amazon.url, "/auth/o2/tokeninfo?access_token=Atza%7Cx");
    expect(down.kind).toBe("closed");
    expect((await rawGet(servers.amazon.url, "/ap/oa")).kind).toBe("closed");
    await expect(fetch(`${servers.amazon.url}/auth/o2/tokeninfo?access_token=x`)).rejects.toThrow();
    expect(await rawGet(servers.facebook.url, "/debug_token")).toMatchObject({ kind: "answer", status: 400 });

    expect((await control(servers.amazon.url, "state")).body.personas).toMatchObject({ amazon: "offline" });
    expect((await control(servers.amazon.url, "persona", { persona: "amazon", mode: "up" })).body.personas).toMatchObject({ amazon: "up" });
    expect(await rawGet(servers.amazon.url, "/auth/o2/tokeninfo?access_token=Atza%7Cx")).toMatchObject({ kind: "answer", status: 400 });
  });

  it("garbage: every request gets 200 text/html (a maintenance page), discovery and token endpoint included", async () => {
    await control(servers.facebook.url, "persona", { persona: "google", mode: "garbage" });
    for (const path of ["/.well-known/openid-configuration", "/oauth2/v3/certs", "/token"]) {
      const answer = await rawGet(servers.google.url, path);
      expect(answer, path).toMatchObject({ kind: "answer", status: 200, type: expect.stringMatching(/^text\/html/) });
      if (answer.kind === "answer") expect(answer.body).toContain("maintenance");
    }
    const post = await fetch(`${servers.google.url}/token`, { method: "POST", body: "grant_type=authorization_code" });
    expect(post.status).toBe(200);
    expect(post.headers.get("content-type")).toMatch(/^text\/html/);
    // The generic issuer is not affected.
    expect(await rawGet(servers.oidc.url, "/.well-known/openid-configuration")).toMatchObject({ kind: "answer", type: expect.stringMatching(/^application\/json/) });
    // reset brings every provider back up.
    await control(servers.google.url, "persona", { persona: "oidc", mode: "offline" });
    expect((await control(servers.google.url, "reset", {})).body.personas).toEqual({ oidc: "up", google: "up", amazon: "up", facebook: "up" });
    expect(await rawGet(servers.google.url, "/.well-known/openid-configuration")).toMatchObject({ kind: "answer", type: expect.stringMatching(/^application\/json/) });
    expect((await rawGet(servers.oidc.url, "/.well-known/openid-configuration")).kind).toBe("answer");
  });

  it("the generic issuer can be taken offline too", async () => {
    await control(servers.amazon.url, "persona", { persona: "oidc", mode: "offline" });
    expect((await rawGet(servers.oidc.url, "/.well-known/openid-configuration")).kind).toBe("closed");
  });

  it("refuses an unknown persona or mode, and missing fields, with 400", async () => {
    const cases: [unknown, RegExp][] = [
      [{ persona: "twitter", mode: "offline" }, /persona must be one of oidc, google, amazon, facebook/],
      [{ persona: "google", mode: "down" }, /mode must be one of up, offline, garbage/],
      [{ persona: "google" }, /mode is required/],
      [{ persona: "google", mode: "offline", extra: 1 }, /Unknown field extra/],
    ];
    for (const [body, message] of cases) {
      const answer = await control(servers.google.url, "persona", body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(String(answer.body.error)).toMatch(message);
    }
    expect((await control(servers.google.url, "state")).body.personas).toMatchObject({ google: "up" });
  });
});

describe("POST /__local/revoke", () => {
  it("reaches only the named provider", async () => {
    const url = servers.amazon.url;
    await controls.revokeTokens("amazon", "bob"); // bob's tokens of earlier tests
    const amazonToken = (await signInHeadless({ endpoints: { authorization: `${url}/ap/oa`, token: `${url}/auth/o2/token` }, clientId: config.personas.amazon.clientId, scope: "profile", redirectUri: REDIRECT_URI, username: "bob", password: "bob-password" })).accessToken;
    const info = () => fetch(`${url}/auth/o2/tokeninfo?${new URLSearchParams({ access_token: amazonToken })}`);
    await control(servers.oidc.url, "revoke", { persona: "facebook", username: "bob" });
    expect((await info()).status).toBe(200);
    expect((await control(servers.oidc.url, "revoke", { persona: "amazon", username: "bob" })).body).toMatchObject({ ok: true, revokedTokens: 1 });
    expect((await info()).status).toBe(400);
  });

  it("refuses an unknown persona or user with 400", async () => {
    expect(await control(servers.oidc.url, "revoke", { persona: "amazon", username: "mallory" })).toMatchObject({ status: 400, body: { error: expect.stringMatching(/not a test user/) } });
    expect(await control(servers.oidc.url, "revoke", { persona: "myspace", username: "alice" })).toMatchObject({ status: 400, body: { error: expect.stringMatching(/persona must be one of/) } });
  });

  it("a provider detaches from the controls when it closes", async () => {
    const other = createStackControls();
    const lone = await startIdp({ config, persona: "facebook", port: 0, quiet: true, controls: other });
    expect((await control(lone.url, "revoke", { persona: "facebook", username: "alice" })).body).toMatchObject({ ok: true, revokedTokens: 0 });
    await lone.close();
    await expect(other.revokeTokens("facebook", "alice")).rejects.toThrow(/No facebook provider runs with these controls/);
  });
});
