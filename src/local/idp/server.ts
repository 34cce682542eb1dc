/**
 * The local OpenID Provider: a real, certified OP (panva's `oidc-provider`) configured for the console app and the
 * stack's test users, with a real login form.
 *
 * Personas plan. This module is the **generic OIDC issuer** persona — the one the local IAM OIDC provider
 * (`arn:aws:iam::ACCOUNT:oidc-provider/127.0.0.1:9400`) trusts: discovery + JWKS, authorization code + PKCE (S256),
 * RS256 ID tokens with `aud` = client id, `sub` = the user's configured subject. Later issues add personas that behave
 * like the other providers of `reference/providers.md` — Google-like (ID token carrying `azp`, client-secret quirk),
 * Login with Amazon and Facebook (no ID token, opaque access tokens that STS checks by calling a token-info endpoint
 * back). They are deliberately not built here; each will be another `startX` beside this one, sharing the login form.
 *
 * What the browser app needs to know:
 * - authority = the issuer (`http://127.0.0.1:9400` under `npm start`), client id `web-identity-console`, public
 *   client (no secret), `response_type=code` with PKCE S256 (required: a request without `code_challenge` is refused),
 *   scopes `openid profile email`. The ID token carries name/email claims too; `iss` is echoed on the redirect (RFC 9207).
 * - Every code exchange also returns a refresh token that rotates on each use and dies with the IdP session
 *   (sign-out). `offline_access` is only honoured together with `prompt=consent` (oidc-provider rule).
 * - `redirect_uri` and `post_logout_redirect_uri` must be registered exactly (stack.json `clients[].redirectUris`).
 * - CORS: discovery and JWKS answer any origin; token, userinfo and revocation answer only the origins of the
 *   client's registered redirect URIs (a request from another origin gets `invalid_request` and no
 *   `Access-Control-Allow-Origin`; preflights are answered for any origin, as the library does).
 * - Silent sign-in in an iframe (`prompt=none`) only finds the session from a same-site page: serve the app on
 *   127.0.0.1 like the issuer (any port), not on localhost — the session cookie is SameSite=Lax.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createHash, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import { exportJWK, generateKeyPair } from "jose";
import type ProviderClass from "oidc-provider";
import type { Account, Configuration, errors, KoaContextWithOIDC } from "oidc-provider";
import type { ClientConfig, StackConfig, TestUser } from "../config";
import { closeServer, listen, readBodyUpTo } from "../http";
import { createMemoryAdapter } from "./adapter";
import { htmlHeaders, renderLoginPage, renderLogoutPage, renderMessagePage } from "./pages";

export interface IdpServer {
  /** `http://127.0.0.1:<port>` — exactly the `iss` of every token. */
  issuer: string;
  /** Base URL to send requests to (same as `issuer`). */
  url: string;
  close(): Promise<void>;
}

/** Token lifetimes in seconds. */
export interface IdpTokenTtl {
  /** ID token `exp - iat`. Default 3600. */
  idToken?: number;
  /** Access token `expires_in`. Default 3600. */
  accessToken?: number;
  /** Absolute lifetime of a refresh-token chain (rotation keeps the original expiry). Default 86400. */
  refreshToken?: number;
}

export interface StartIdpOptions {
  config: StackConfig;
  /** 0 (default) picks a free port; `npm start` uses 9400. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  ttl?: IdpTokenTtl;
  /** Don't log rejected requests (client errors). Server errors are always written to stderr. */
  quiet?: boolean;
}

export const PROVIDER_NAME = "Local OpenID Provider";
export const SCOPES = ["openid", "profile", "email", "offline_access"] as const;

const DAY = 24 * 60 * 60;
const MAX_FORM_BYTES = 16 * 1024;

/**
 * Start the generic OIDC issuer on `host:port` (issuer `http://host:port`), with a signing key and cookie keys
 * generated for this run. Resolves once it accepts connections.
 */
export async function startIdp(opts: StartIdpOptions): Promise<IdpServer> {
  const host = opts.host ?? "127.0.0.1";
  const quiet = opts.quiet ?? false;
  const Provider = await loadProviderClass();

  // Listen first: the issuer must carry the real port, and port 0 is only resolved by binding.
  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => {
    res.statusCode = 503;
    res.end();
  };
  const server = createServer((req, res) => handler(req, res));
  const { port, url: issuer } = await listen(server, opts.port ?? 0, host);

  let provider: ProviderClass;
  try {
    provider = new Provider(issuer, await buildConfiguration({ config: opts.config, port, ttl: opts.ttl ?? {} }));
  } catch (err) {
    server.close();
    throw err;
  }
  wireLogging(provider, quiet);

  const providerCallback = provider.callback();
  const formOrigins = clientOrigins(opts.config.clients);
  handler = (req, res) => {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    if (path.startsWith("/interaction/")) {
      handleInteraction(provider, opts.config, formOrigins, req, res).catch((err: unknown) => {
        console.error(`[idp] ${req.method} ${path}:`, err);
        if (!res.headersSent) sendHtml(res, 500, formOrigins, renderMessagePage({ providerName: PROVIDER_NAME, title: "Something went wrong", message: "The sign-in page failed. Go back to the app and try again." }));
        else res.destroy();
      });
      return;
    }
    if (path === "/favicon.ico") {
      res.writeHead(204, { "Cache-Control": "max-age=86400" }).end();
      return;
    }
    if (path === "/" && (req.method === "GET" || req.method === "HEAD")) {
      sendHtml(res, 200, formOrigins, renderMessagePage({
        providerName: PROVIDER_NAME,
        title: PROVIDER_NAME,
        message: "A local OpenID Provider for the Web Identity Console. Apps find everything in the discovery document.",
        details: { issuer, discovery: `${issuer}/.well-known/openid-configuration` },
      }));
      return;
    }
    providerCallback(req, res);
  };

  return {
    issuer,
    url: issuer,
    close: () => closeServer(server),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Configuration

async function buildConfiguration(input: { config: StackConfig; port: number; ttl: IdpTokenTtl }): Promise<Configuration> {
  const { config, port, ttl } = input;
  const users = config.users;
  const clients = config.clients;
  const formOrigins = clientOrigins(clients);
  const refreshTtl = ttl.refreshToken ?? DAY;

  const { privateKey } = await generateKeyPair("RS256", { extractable: true });
  const jwk = await exportJWK(privateKey);
  const signingKey = { ...jwk, kid: `idp-${randomUUID()}`, alg: "RS256", use: "sig" };

  const corsOrigins = new Map(clients.map((c) => [c.clientId, new Set(originsOf([...c.redirectUris, ...c.postLogoutRedirectUris]))]));

  return {
    adapter: createMemoryAdapter(15),
    clockTolerance: 15,
    jwks: { keys: [signingKey] },
    cookies: {
      keys: [randomBytes(32).toString("base64url")],
      // Cookies are shared by every port of 127.0.0.1: name them per port so two local IdPs (personas, tests) never
      // overwrite each other's session.
      names: { session: `_idp${port}_session`, interaction: `_idp${port}_interaction`, resume: `_idp${port}_resume` },
    },
    clients: clients.map((c) => ({
      client_id: c.clientId,
      application_type: "web",
      token_endpoint_auth_method: "none",
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      redirect_uris: c.redirectUris,
      post_logout_redirect_uris: c.postLogoutRedirectUris,
      id_token_signed_response_alg: "RS256",
    })),
    responseTypes: ["code"],
    pkce: { required: () => true },
    scopes: [...SCOPES],
    claims: {
      openid: ["sub"],
      profile: ["name", "preferred_username"],
      email: ["email", "email_verified"],
    },
    // Put the profile/email claims the scopes grant into the ID token too (as Google does), not only into userinfo.
    conformIdTokenClaims: false,
    findAccount: (_ctx, sub) => {
      const user = users.find((u) => u.sub === sub);
      return user ? accountFor(user) : undefined;
    },
    // First-party app: grant whatever configured scopes/claims it asks for, so the user only ever sees the login form.
    loadExistingGrant: async (ctx) => {
      const { client, session, account } = ctx.oidc;
      if (!client || !account) return undefined;
      const grantId = ctx.oidc.result?.consent?.grantId ?? session?.grantIdFor(client.clientId);
      let grant = grantId ? await ctx.oidc.provider.Grant.find(grantId) : undefined;
      if (grant && (grant.accountId !== account.accountId || grant.clientId !== client.clientId)) grant = undefined;
      grant ??= new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId: account.accountId });
      grant.addOIDCScope(ctx.oidc.requestParamOIDCScopes);
      grant.addOIDCClaims(ctx.oidc.requestParamClaims);
      await grant.save();
      return grant;
    },
    // Every code exchange of a client allowed the refresh_token grant gets a (rotating) refresh token. Without
    // `offline_access` it is bound to the IdP session: end_session revokes it. oidc-provider keeps `offline_access`
    // only when the request also says `prompt=consent`; with it the refresh token outlives the session.
    issueRefreshToken: (_ctx, client) => client.grantTypeAllowed("refresh_token"),
    clientBasedCORS: (_ctx, origin, client) => origin !== "null" && (corsOrigins.get(client.clientId)?.has(origin) ?? false),
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    features: {
      devInteractions: { enabled: false },
      revocation: { enabled: true },
      userinfo: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: (ctx, form) => {
          setHtml(ctx, formOrigins);
          ctx.body = renderLogoutPage({ providerName: PROVIDER_NAME, clientId: ctx.oidc.client?.clientId, form });
        },
        postLogoutSuccessSource: (ctx) => {
          setHtml(ctx, formOrigins);
          ctx.body = renderMessagePage({ providerName: PROVIDER_NAME, title: "Signed out", message: "You are signed out. You can close this page." });
        },
      },
    },
    renderError: (ctx, out) => {
      setHtml(ctx, formOrigins);
      ctx.body = renderMessagePage({
        providerName: PROVIDER_NAME,
        title: "Sign-in error",
        message: out.error_description ?? "The request could not be processed.",
        details: { error: out.error },
      });
    },
    ttl: {
      AccessToken: ttl.accessToken ?? 3600,
      IdToken: ttl.idToken ?? 3600,
      AuthorizationCode: 60,
      Interaction: 3600,
      Session: DAY,
      Grant: Math.max(DAY, refreshTtl),
      // Rotation hands out a new refresh token on every use; it inherits the remaining lifetime of the one it replaces.
      RefreshToken: (ctx) => ctx.oidc.entities.RotatedRefreshToken?.remainingTTL ?? refreshTtl,
    },
  };
}

function accountFor(user: TestUser): Account {
  return {
    accountId: user.sub,
    claims: () => ({
      sub: user.sub,
      name: user.name,
      preferred_username: user.username,
      email: user.email,
      email_verified: true,
    }),
  };
}

function originsOf(uris: readonly string[]): string[] {
  const origins: string[] = [];
  for (const uri of uris) {
    const origin = URL.parse(uri)?.origin;
    if (origin && origin !== "null") origins.push(origin);
  }
  return origins;
}

function clientOrigins(clients: readonly ClientConfig[]): string[] {
  return [...new Set(originsOf(clients.flatMap((c) => [...c.redirectUris, ...c.postLogoutRedirectUris])))];
}

function setHtml(ctx: KoaContextWithOIDC, formOrigins: readonly string[]): void {
  for (const [name, value] of Object.entries(htmlHeaders(formOrigins))) ctx.set(name, value);
}

// ---------------------------------------------------------------------------------------------------------------
// Interaction routes: GET /interaction/:uid, POST /interaction/:uid/login, POST /interaction/:uid/abort

async function handleInteraction(
  provider: ProviderClass,
  config: StackConfig,
  formOrigins: readonly string[],
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const path = (req.url ?? "").split("?")[0] ?? "";
  const match = /^\/interaction\/([\w-]+)(?:\/(login|abort))?$/.exec(path);
  const uid = match?.[1];
  const action = match?.[2];
  const method = req.method ?? "GET";
  if (!uid || (action === undefined ? method !== "GET" && method !== "HEAD" : method !== "POST")) {
    sendHtml(res, action === undefined && uid ? 405 : 404, formOrigins, renderMessagePage({ providerName: PROVIDER_NAME, title: "Not found", message: "There is no such page." }));
    return;
  }

  // Throws SessionNotFound when the interaction cookie is missing or the interaction expired.
  const details = await provider.interactionDetails(req, res).catch(() => undefined);
  if (!details || details.uid !== uid) {
    sendHtml(res, 400, formOrigins, renderMessagePage({
      providerName: PROVIDER_NAME,
      title: "Sign-in expired",
      message: "This sign-in request has expired or was already used. Go back to the app and sign in again.",
    }));
    return;
  }

  const clientId = String(details.params.client_id ?? "");
  const base = `/interaction/${encodeURIComponent(uid)}`;
  const loginPage = (status: number, username?: string, error?: string): void =>
    sendHtml(res, status, formOrigins, renderLoginPage({
      providerName: PROVIDER_NAME,
      clientId,
      action: `${base}/login`,
      abortAction: `${base}/abort`,
      users: config.users,
      ...(username !== undefined ? { username } : {}),
      ...(error !== undefined ? { error } : {}),
    }));

  if (action === "abort") {
    await provider.interactionFinished(req, res, { error: "access_denied", error_description: "End-User aborted the sign-in" }, { mergeWithLastSubmission: false });
    return;
  }

  if (details.prompt.name === "consent") {
    await grantConsent(provider, details, req, res);
    return;
  }
  if (details.prompt.name !== "login") {
    sendHtml(res, 400, formOrigins, renderMessagePage({ providerName: PROVIDER_NAME, title: "Unsupported request", message: `This provider cannot handle the "${details.prompt.name}" step.` }));
    return;
  }

  if (action === undefined) {
    const hint = typeof details.params.login_hint === "string" ? details.params.login_hint : undefined;
    loginPage(200, hint);
    return;
  }

  const form = await readForm(req);
  if (!form) {
    loginPage(400, undefined, "The form could not be read. Please try again.");
    return;
  }
  const username = (form.get("username") ?? "").trim();
  const password = form.get("password") ?? "";
  if (!username || !password) {
    loginPage(200, username, "Enter your username and password.");
    return;
  }
  const user = findUser(config.users, username, password);
  if (!user) {
    loginPage(200, username, "Wrong username or password.");
    return;
  }
  await provider.interactionFinished(req, res, { login: { accountId: user.sub, amr: ["pwd"] } }, { mergeWithLastSubmission: false });
}

/** Auto-consent for the first-party app (normally already done by loadExistingGrant; this covers the rest). */
async function grantConsent(
  provider: ProviderClass,
  details: Interaction,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const accountId = details.session?.accountId;
  const clientId = String(details.params.client_id ?? "");
  const existing = details.grantId ? await provider.Grant.find(details.grantId) : undefined;
  const grant = existing ?? new provider.Grant({ accountId, clientId });
  const missing = details.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[]; missingResourceScopes?: Record<string, string[]> };
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope);
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) grant.addResourceScope(indicator, scopes);
  const grantId = await grant.save();
  await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

function findUser(users: readonly TestUser[], username: string, password: string): TestUser | undefined {
  const digest = (s: string) => createHash("sha256").update(s).digest();
  const given = digest(password);
  const user = users.find((u) => u.username === username);
  // Compare anyway when the user is unknown, so timing does not tell which usernames exist.
  const ok = timingSafeEqual(given, digest(user?.password ?? randomUUID()));
  return user && ok ? user : undefined;
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams | undefined> {
  const type = (req.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase();
  if (type !== "application/x-www-form-urlencoded") return undefined;
  const body = await readBodyUpTo(req, MAX_FORM_BYTES);
  return body === undefined ? undefined : new URLSearchParams(body.toString("utf8"));
}

function sendHtml(res: ServerResponse, status: number, formOrigins: readonly string[], html: string): void {
  res.writeHead(status, htmlHeaders(formOrigins));
  res.end(html);
}

// ---------------------------------------------------------------------------------------------------------------
// Library loading and logging

type ProviderConstructor = typeof ProviderClass;
type Interaction = Awaited<ReturnType<ProviderClass["interactionDetails"]>>;
let providerClass: Promise<ProviderConstructor> | undefined;

/**
 * oidc-provider 9 prints "Unsupported runtime. Use Node.js v22.x LTS" when imported on Node 20. This project targets
 * Node 20 and the interop tests run the provider there, so that one line is dropped; anything else it prints passes.
 */
function loadProviderClass(): Promise<ProviderConstructor> {
  providerClass ??= (async () => {
    const warn = console.warn;
    console.warn = (...args: unknown[]) => {
      if (typeof args[0] === "string" && args[0].includes("Unsupported runtime")) return;
      warn.apply(console, args);
    };
    try {
      return (await import("oidc-provider")).default;
    } finally {
      console.warn = warn;
    }
  })();
  return providerClass;
}

function wireLogging(provider: ProviderClass, quiet: boolean): void {
  provider.on("server_error", (ctx: KoaContextWithOIDC, err: Error) => {
    console.error(`[idp] server error on ${ctx.method} ${ctx.path}:`, err);
  });
  if (quiet) return;
  // Rejected requests (bad PKCE, unknown redirect_uri, login_required for prompt=none, …): one line each, to explain
  // why the app's sign-in failed.
  const log = (event: string) => (ctx: KoaContextWithOIDC, err: errors.OIDCProviderError) => {
    const detail = [err.error_description, err.error_detail].filter(Boolean).join(" — ");
    console.warn(`[idp] ${event} ${ctx.method} ${ctx.path}: ${err.error}${detail ? `: ${detail}` : ""}`);
  };
  provider.on("authorization.error", log("authorization.error"));
  provider.on("grant.error", log("grant.error"));
  provider.on("userinfo.error", log("userinfo.error"));
  provider.on("revocation.error", log("revocation.error"));
  provider.on("end_session.error", log("end_session.error"));
  provider.on("discovery.error", log("discovery.error"));
  provider.on("jwks.error", log("jwks.error"));
}
