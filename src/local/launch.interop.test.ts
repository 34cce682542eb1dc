/**
 * `npm start -- --base-port N` as a whole: the local stack and the app's dev server launched on a non-default base
 * (eight free ports below the ephemeral range), then checked from outside — each persona's issuer, sign-in with a
 * redirect to the moved app, the official SDK's AssumeRoleWithWebIdentity accepted by the moved trust policies, CORS
 * for the moved app origin, the served config.json, and the preview's Content-Security-Policy.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AssumeRoleWithWebIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import type { InlineConfig } from "vite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadStackConfig, type StackConfig } from "./config";
import { createStackControls } from "./controls";
import { signInHeadless } from "./idp/headless";
import { discover } from "./idp/testing";
import { busyPorts, launchApp, launchStack, PortInUseError, type LaunchedApp, type LaunchedStack } from "./launch";
import { layoutPorts, loopbackOrigin, PORTS_PER_BASE, resolvePorts, STACK_PARTS, stackOverrides, type PortLayout } from "./ports";

const PUBLIC_CONFIG = new URL("../../public/config.json", import.meta.url);
const ACCOUNT = "123456789012";

const dir = mkdtempSync(join(tmpdir(), "wic-ports-interop-"));
/** What the tests need of Vite: quiet, its cache in the temporary folder, no file watcher, no dependency scan. */
const vite: InlineConfig = { logLevel: "silent", cacheDir: join(dir, "vite"), server: { watch: null }, optimizeDeps: { noDiscovery: true, include: [] } };

let layout: PortLayout;
let config: StackConfig;
let stack: LaunchedStack;
let app: LaunchedApp | undefined;
let appOrigin: string;

/** A base with its eight ports free right now, between 10000 and 32000 (below Linux's ephemeral ports). */
async function freeBase(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 10_000 + PORTS_PER_BASE * Math.floor(Math.random() * ((32_000 - 10_000) / PORTS_PER_BASE));
    if ((await busyPorts(layoutPorts(resolvePorts({ basePort: base })))).length === 0) return base;
  }
  throw new Error("no base with 8 free ports found");
}

beforeAll(async () => {
  for (let attempt = 1; ; attempt++) {
    layout = resolvePorts({ basePort: await freeBase() });
    config = loadStackConfig(undefined, stackOverrides(layout));
    try {
      stack = await launchStack({ config, layout, controls: createStackControls({ usernames: config.users.map((u) => u.username) }), dataDir: join(dir, "s3"), quiet: true });
      app = await launchApp({ mode: "dev", layout, inline: vite }).catch(async (error: unknown) => {
        await stack.close();
        throw error;
      });
      break;
    } catch (error) {
      // Another process took one of the ports between the check and the start: try another base.
      if (!(error instanceof PortInUseError) || attempt === 3) throw error;
    }
  }
  appOrigin = loopbackOrigin(layout.app);
});

afterAll(async () => {
  await app?.close();
  await stack?.close();
  rmSync(dir, { recursive: true, force: true });
});

const sts = () => new STSClient({ region: config.region, endpoint: stack.sts.url, maxAttempts: 1 });
const assume = (role: string, token: string, session: string, providerId?: string) =>
  sts().send(new AssumeRoleWithWebIdentityCommand({ RoleArn: `arn:aws:iam::${ACCOUNT}:role${role}`, RoleSessionName: session, WebIdentityToken: token, ...(providerId ? { ProviderId: providerId } : {}) }));

describe("the stack on --base-port N", () => {
  it("listens where the layout says: the app on N, the stack on N+1…N+7", () => {
    const base = layout.app;
    expect(layout.stack).toEqual(Object.fromEntries(STACK_PARTS.map((part, i) => [part, base + 1 + i])));
    expect(app?.url).toBe(`${loopbackOrigin(base)}/`);
    expect([stack.idp.url, stack.sts.url, stack.personas.google.url, stack.personas.amazon.url, stack.personas.facebook.url, stack.s3.url, stack.samlIdp?.url]).toEqual(
      STACK_PARTS.map((part) => loopbackOrigin(layout.stack[part])),
    );
  });

  it("each OpenID issuer's discovery document names its moved origin", async () => {
    for (const server of [stack.idp, stack.personas.google]) {
      const discovery = await discover(server.issuer);
      expect(discovery.issuer).toBe(server.issuer);
      expect(new URL(discovery.token_endpoint).origin).toBe(server.issuer);
    }
    expect(stack.personas.google.issuer).toBe(loopbackOrigin(layout.stack.google));
  });

  it("the Google persona's ID token, redirected to the moved app, is accepted by STS for GoogleUser", async () => {
    const { clientId, clientSecret } = config.personas.google;
    const tokens = await signInHeadless({ issuer: stack.personas.google.issuer, clientId, clientSecret, redirectUri: `${appOrigin}/`, scope: "openid email profile", username: "alice", password: "alice-password" });
    const out = await assume("/GoogleUser", tokens.idToken, "alice");
    expect(out.Credentials?.AccessKeyId).toMatch(/^ASIA/);
    expect(out.Provider).toBe("accounts.google.com");
    expect(out.SubjectFromWebIdentityToken).toBe(config.users.find((u) => u.username === "alice")?.subjects.google);
  });

  it("the local OpenID provider's tokens meet the moved trust policy's keys: alice may assume AliceOnly, bob may not", async () => {
    const signIn = (username: string) => signInHeadless({ issuer: stack.idp.issuer, clientId: "web-identity-console", redirectUri: `${appOrigin}/`, username, password: `${username}-password` });
    const alice = await assume("/demo/AliceOnly", (await signIn("alice")).idToken, "alice");
    expect(alice.Provider).toBe(`arn:aws:iam::${ACCOUNT}:oidc-provider/127.0.0.1:${layout.stack.idp}`);
    expect(alice.AssumedRoleUser?.Arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/AliceOnly/alice`);
    await expect(assume("/demo/AliceOnly", (await signIn("bob")).idToken, "bob")).rejects.toMatchObject({ name: "AccessDenied" });
  });

  it("the app client's redirect URI is the moved app's; the default app origin is no longer registered", async () => {
    const authorize = (redirectUri: string) =>
      fetch(`${stack.idp.issuer}/auth?${new URLSearchParams({ response_type: "code", client_id: "web-identity-console", redirect_uri: redirectUri, scope: "openid", state: "s", code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", code_challenge_method: "S256" })}`, { redirect: "manual" });
    expect((await authorize(`${appOrigin}/`)).status).toBe(303);
    const refused = await authorize("http://127.0.0.1:5173/");
    expect(refused.status).toBe(400);
    expect(await refused.text()).toMatch(/redirect_uri/);
  });

  it("S3 and the Amazon persona answer CORS for the moved app origin", async () => {
    const preflight = (url: string) => fetch(url, { method: "OPTIONS", headers: { Origin: appOrigin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type" } });
    expect((await preflight(`${stack.s3.url}/web-identity-console-demo/users/x`)).headers.get("access-control-allow-origin")).toBe(appOrigin);
    expect((await preflight(`${stack.personas.amazon.url}/auth/o2/token`)).headers.get("access-control-allow-origin")).toBe(appOrigin);
  });

  it("the dev server serves config.json naming the moved STS and providers", async () => {
    const response = await fetch(`${appOrigin}/config.json`);
    expect(response.status).toBe(200);
    const text = await response.text();
    const served = JSON.parse(text) as { stsEndpoint: string; providers: { id: string; authority?: string; tokenEndpoint?: string }[] };
    expect(served.stsEndpoint).toBe(stack.sts.url);
    const byId = Object.fromEntries(served.providers.map((p) => [p.id, p]));
    expect(byId.local?.authority).toBe(stack.idp.issuer);
    expect(byId.google?.authority).toBe(stack.personas.google.issuer);
    expect(byId.amazon?.tokenEndpoint).toBe(`${stack.personas.amazon.url}/auth/o2/token`);
    expect(byId.facebook?.tokenEndpoint).toBe(`${stack.personas.facebook.url}/v19.0/oauth/access_token`);
    expect(text).not.toMatch(/127\.0\.0\.1:940\d/);
  });

  it("the preview serves the same config.json with a Content-Security-Policy that allows the moved origins only", async () => {
    await app?.close();
    app = undefined;
    const outDir = join(dir, "dist");
    rmSync(outDir, { recursive: true, force: true });
    mkdirSync(outDir);
    copyFileSync(PUBLIC_CONFIG, join(outDir, "config.json"));
    const preview = await launchApp({ mode: "preview", layout, inline: { ...vite, build: { outDir } } });
    try {
      const response = await fetch(`${appOrigin}/config.json`);
      expect((JSON.parse(await response.text()) as { stsEndpoint: string }).stsEndpoint).toBe(stack.sts.url);
      const csp = response.headers.get("content-security-policy") ?? "";
      const connect = csp.split("; ").find((d) => d.startsWith("connect-src "))?.split(" ") ?? [];
      expect(connect).toEqual(expect.arrayContaining([stack.sts.url, stack.idp.issuer, stack.personas.google.issuer, stack.personas.amazon.url, stack.personas.facebook.url]));
      expect(csp.split("; ").find((d) => d.startsWith("frame-src "))).toBe(`frame-src 'self' ${stack.personas.google.issuer} ${stack.idp.issuer}`);
      expect(csp).not.toMatch(/:940\d/);
    } finally {
      await preview.close();
    }
  });
});
