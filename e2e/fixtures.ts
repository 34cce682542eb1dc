import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { test as base, expect, type APIRequestContext, type Page, type Response } from "@playwright/test";
import { ConsolePage } from "./pages/ConsolePage";

export const users = {
  alice: { username: "alice", password: "alice-password" },
  bob: { username: "bob", password: "bob-password" },
} as const;

export const idp = "http://127.0.0.1:9400";
export const sts = "http://127.0.0.1:9401";
export const clientId = "web-identity-console";

/** The local personas of public/config.json (src/local/stack.json): origin, button label, and alice's subject there. */
export const personas = {
  google: { origin: "http://127.0.0.1:9402", label: "Google", role: "GoogleUser", aliceSubject: "108602733498142750271" },
  amazon: { origin: "http://127.0.0.1:9403", label: "Amazon", role: "AmazonUser", aliceSubject: "amzn1.account.AF6RHO7KZU5XRVQJGXK6HB56KR2A" },
  facebook: { origin: "http://127.0.0.1:9404", label: "Facebook", role: "FacebookUser", aliceSubject: "10158273645012345" },
} as const;

/** public/config.json as shipped (the app fetches it at /config.json). */
export function shippedConfig(): Record<string, unknown> & { providers: Record<string, unknown>[] } {
  return JSON.parse(readFileSync(fileURLToPath(new URL("../public/config.json", import.meta.url)), "utf8")) as Record<string, unknown> & { providers: Record<string, unknown>[] };
}

/**
 * Serve a modified copy of public/config.json to this page: `durationSeconds`, `refreshMarginSeconds`, and
 * `refreshTokens` on every OpenID provider profile.
 */
export async function serveConfig(page: Page, changes: { durationSeconds?: number; refreshMarginSeconds?: number; refreshTokens?: boolean }) {
  const config = shippedConfig();
  if (changes.durationSeconds !== undefined) config.durationSeconds = changes.durationSeconds;
  if (changes.refreshMarginSeconds !== undefined) config.refreshMarginSeconds = changes.refreshMarginSeconds;
  // Only OpenID providers can renew with a refresh token (an OAuth 2.0 profile asking for one is refused at startup).
  if (changes.refreshTokens !== undefined) config.providers = config.providers.map((p) => (p.type === "oidc" ? { ...p, refreshTokens: changes.refreshTokens } : p));
  await page.route("**/config.json", (route) => route.fulfill({ status: 200, contentType: "application/json", body: JSON.stringify(config) }));
}

/** Is this a POST to STS carrying `Action=<action>`? */
export function isStsCall(response: Response, action: "AssumeRoleWithWebIdentity" | "GetCallerIdentity"): boolean {
  const req = response.request();
  return req.method() === "POST" && response.url().startsWith(sts) && (req.postData() ?? "").includes(`Action=${action}`);
}

/** Every secret the page received from the network: provider tokens from /token, credentials from STS answers. */
export class CapturedSecrets {
  idTokens: string[] = [];
  accessTokens: string[] = [];
  refreshTokens: string[] = [];
  secretAccessKeys: string[] = [];
  sessionTokens: string[] = [];
  accessKeyIds: string[] = [];
  private pending = new Set<Promise<void>>();

  constructor(page: Page) {
    page.on("response", (response) => {
      const done = this.read(response).finally(() => this.pending.delete(done));
      this.pending.add(done);
    });
  }

  private async read(response: Response): Promise<void> {
    const url = response.url();
    const method = response.request().method();
    try {
      if (url === `${idp}/token` && method === "POST") {
        const body = (await response.json()) as { id_token?: string; access_token?: string; refresh_token?: string };
        if (body.id_token) this.idTokens.push(body.id_token);
        if (body.access_token) this.accessTokens.push(body.access_token);
        if (body.refresh_token) this.refreshTokens.push(body.refresh_token);
      } else if (url.startsWith(sts) && method === "POST") {
        const xml = await response.text();
        const tag = (name: string) => new RegExp(`<${name}>([^<]+)</${name}>`).exec(xml)?.[1];
        const [key, secret, token] = [tag("AccessKeyId"), tag("SecretAccessKey"), tag("SessionToken")];
        if (key) this.accessKeyIds.push(key);
        if (secret) this.secretAccessKeys.push(secret);
        if (token) this.sessionTokens.push(token);
      }
    } catch {
      // preflights and redirects have no body
    }
  }

  /** Wait until the responses seen so far have been read. */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  /** Everything secret (the access key id is an identifier the design shows, so it is not in here). */
  all(): { kind: string; value: string }[] {
    return [
      ...this.idTokens.map((value) => ({ kind: "ID token", value })),
      ...this.accessTokens.map((value) => ({ kind: "access token", value })),
      ...this.refreshTokens.map((value) => ({ kind: "refresh token", value })),
      ...this.secretAccessKeys.map((value) => ({ kind: "SecretAccessKey", value })),
      ...this.sessionTokens.map((value) => ({ kind: "SessionToken", value })),
    ];
  }
}

/**
 * The local stack's test controls (src/local/controls.ts), driven from Node: JSON, no Origin header. They are global
 * to the shared stack, so only specs of the `stack-controls` project (run alone, after the others) may use them.
 */
export class StackControls {
  constructor(private readonly api: APIRequestContext) {}

  private async post(path: string, data: Record<string, unknown>) {
    const response = await this.api.post(`${sts}/__local/${path}`, { data, headers: { "Content-Type": "application/json" } });
    expect(response.status(), await response.text()).toBe(200);
    return (await response.json()) as { clockOffsetSeconds: number; silentRenewalRefused: string[] };
  }

  /** The whole stack's clock (IdP and STS) = real time + `offsetSeconds` (absolute, not cumulative). */
  setClock(offsetSeconds: number) {
    return this.post("clock", { offsetSeconds });
  }

  /** Make `prompt=none` answer login_required for `username`'s provider session. */
  refuseSilentRenewal(username: string, refuse = true) {
    return this.post("silent-renewal", { username, refuse });
  }

  /** Take a provider persona offline (sockets closed unanswered), make it answer an HTML page, or bring it back up. */
  setPersona(persona: "oidc" | "google" | "amazon" | "facebook", mode: "up" | "offline" | "garbage") {
    return this.post("persona", { persona, mode });
  }

  /** Revoke every token the persona has issued to `username` so far. */
  revoke(persona: "oidc" | "google" | "amazon" | "facebook", username: string) {
    return this.post("revoke", { persona, username });
  }

  reset() {
    return this.post("reset", {});
  }
}

export const test = base.extend<{ consolePage: ConsolePage; secrets: CapturedSecrets }>({
  consolePage: async ({ page }, use) => {
    const consolePage = new ConsolePage(page);
    await consolePage.goto();
    await use(consolePage);
  },
  secrets: async ({ page }, use) => {
    await use(new CapturedSecrets(page));
  },
});

/**
 * For specs of the `stack-controls` project only: every test starts and ends with the controls reset (the teardown
 * runs even when the test fails), so a shifted clock or a refusal never leaks into another test.
 */
export const stackTest = test.extend<{ stack: StackControls }>({
  stack: [
    async ({ playwright }, use) => {
      const api = await playwright.request.newContext();
      const stack = new StackControls(api);
      await stack.reset();
      try {
        await use(stack);
      } finally {
        await stack.reset();
        await api.dispose();
      }
    },
    { auto: true },
  ],
});

export { expect };
