/**
 * The local identity providers: each a real, certified OP (panva's `oidc-provider`) configured for the console app and
 * the stack's test users, with a real login form. Its configuration is in configuration.ts, what differs between the
 * providers in personas.ts, its own pages (login form, consent) in interactions.ts and pages.ts, the endpoints of the
 * opaque-token personas in opaque.ts.
 *
 * `startIdp({ persona })` starts one of them (one oidc-provider instance each, on its own port):
 * - `"oidc"` (default): the **generic OIDC issuer** — the one the local IAM OIDC provider
 *   (`arn:aws:iam::ACCOUNT:oidc-provider/127.0.0.1:9400`) trusts; described below.
 * - `"google"`: an OpenID issuer like Google (`/o/oauth2/v2/auth`, `/token`, `/v1/userinfo`, `/oauth2/v3/certs`,
 *   `/revoke`; client `personas.google.clientId` with `client_secret_post` AND PKCE; ID tokens with `azp`, 21-digit
 *   `sub`, `at_hash`; no `end_session_endpoint`). The local STS treats it as `accounts.google.com`.
 * - `"amazon"`: OAuth 2 like Login with Amazon (`/ap/oa`, `/auth/o2/token`, no discovery; `Atza|…` access tokens;
 *   `/auth/o2/tokeninfo`, `/user/profile`).
 * - `"facebook"`: OAuth 2 like Facebook Login (`/v19.0/dialog/oauth`, `/v19.0/oauth/access_token`, no discovery;
 *   `EAA…` access tokens; `/debug_token`, `/me`).
 * Every one has the same test users (under its own subjects, `users[].subjects`), the same login form under its own
 * name, PKCE S256 required, and — with `controls` — the `/__local/` controls, the stack clock, the silent-renewal
 * switch, `POST /__local/persona` (offline / garbage) and `POST /__local/revoke`.
 *
 * What the browser app needs to know of the generic issuer:
 * - authority = the issuer (`http://127.0.0.1:9400` under `npm start`), client id `web-identity-console`, public
 *   client (no secret), `response_type=code` with PKCE S256 (required: a request without `code_challenge` is refused),
 *   scopes `openid profile email`. The ID token carries name/email claims too; `iss` is echoed on the redirect (RFC 9207).
 * - Refresh tokens only when asked for and allowed: the authorization request must ask `offline_access` **together
 *   with `prompt=consent`** (oidc-provider drops `offline_access` otherwise, per OIDC Core §11) and the client must
 *   have `"refreshTokens": true` in stack.json (the app client has). Anything else gets no refresh token. A refresh
 *   token rotates on each use (reusing a rotated-out one fails and revokes the chain), keeps the chain's absolute
 *   lifetime (`ttl.refreshToken`), and — being offline access — is NOT ended by RP-initiated logout: revoke it at the
 *   revocation endpoint on sign-out (it is then `invalid_grant`). Access tokens without offline access do die with
 *   the session.
 * - Lifetimes come from stack.json's `ttl` (`idToken`, `accessToken`, `refreshToken`, `session`, seconds); `npm start`
 *   lets `WIC_IDP_*_TTL` override them, and startIdp's `ttl` option wins over both.
 * - `redirect_uri` and `post_logout_redirect_uri` must be registered exactly (stack.json `clients[].redirectUris`).
 * - RP-initiated logout (`end_session_endpoint`): with a valid `id_token_hint` for the signed-in user the page signs
 *   out at once (an inline script allowed by its CSP hash presses "Sign me out"; the button stays for no-script
 *   browsers) and the browser lands on `post_logout_redirect_uri?state=…`; without a hint the user is asked.
 * - CORS: discovery and JWKS answer any origin; token, userinfo and revocation answer only the origins of the
 *   client's registered redirect URIs (a request from another origin gets `invalid_request` and no
 *   `Access-Control-Allow-Origin`; preflights are answered for any origin, as the library does).
 * - Silent sign-in in an iframe (`prompt=none`) only finds the session from a same-site page: serve the app on
 *   127.0.0.1 like the issuer (any port), not on localhost — the session cookie is SameSite=Lax.
 * - Local-stack extensions (with the `controls` option): `/__local/…` test controls on this port (see ../controls.ts),
 *   the stack clock for stored artifacts, and "refuse silent renewal for a user" (`prompt=none` → `login_required`).
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type ProviderClass from "oidc-provider";
import type { errors, interactionPolicy, KoaContextWithOIDC } from "oidc-provider";
import { DEFAULT_IDP_TTL, type IdpTtlConfig, type StackConfig } from "../config";
import { handleControlRequest, isControlRequest, type StackControls } from "../controls";
import { closeServer, listen } from "../http";
import { createMemoryAdapter } from "./adapter";
import { buildConfiguration, clientOrigins, CLOCK_TOLERANCE_SECONDS } from "./configuration";
import { handleInteraction, sendHtml } from "./interactions";
import { handlePersonaApi, opaqueTokenResponses } from "./opaque";
import { htmlHeaders, renderMessagePage } from "./pages";
import { PROVIDER_PROFILES, type IdentityProviderName } from "./personas";

export { PROVIDER_NAME, SCOPES } from "./configuration";
export { PROVIDER_PROFILES, type IdentityProviderName, type ProviderProfile } from "./personas";

export interface IdpServer {
  /** `http://127.0.0.1:<port>` — exactly the `iss` of every token. */
  issuer: string;
  /** Base URL to send requests to (same as `issuer`). */
  url: string;
  close(): Promise<void>;
}

/** Token lifetimes in seconds; each one given here wins over stack.json's `ttl`. */
export type IdpTokenTtl = Partial<IdpTtlConfig>;

export interface StartIdpOptions {
  config: StackConfig;
  /**
   * Which provider to be: the generic OpenID issuer ("oidc", the default) or the persona that behaves like Google,
   * Login with Amazon or Facebook (see the module comment and personas.ts).
   */
  persona?: IdentityProviderName;
  /** 0 (default) picks a free port; `npm start` uses the port of `endpoints.idp` (or of the persona's endpoint). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Overrides of `config.ttl`. */
  ttl?: IdpTokenTtl;
  /**
   * Local-stack extensions shared with the STS: `/__local/…` is answered on this port, the silent-renewal switch is
   * honoured, stored artifacts expire by the stack clock, the provider follows its mode (`POST /__local/persona`) and
   * `POST /__local/revoke` reaches its tokens. Without it none of that exists.
   */
  controls?: StackControls;
  /** Don't log rejected requests (client errors) nor test-control effects. Server errors are always written to stderr. */
  quiet?: boolean;
}

/**
 * Start an identity provider — the generic OIDC issuer or a persona (`opts.persona`) — on `host:port` (issuer
 * `http://host:port`), with a signing key and cookie keys generated for this run. Resolves once it accepts
 * connections.
 * @throws the listen error (e.g. `EADDRINUSE`), or Error for an unknown persona.
 */
export async function startIdp(opts: StartIdpOptions): Promise<IdpServer> {
  const host = opts.host ?? "127.0.0.1";
  const quiet = opts.quiet ?? false;
  const persona = opts.persona ?? "oidc";
  if (!Object.hasOwn(PROVIDER_PROFILES, persona)) throw new Error(`startIdp: unknown persona ${JSON.stringify(persona)} (known: ${Object.keys(PROVIDER_PROFILES).join(", ")})`);
  const profile = PROVIDER_PROFILES[persona];
  const tag = persona === "oidc" ? "idp" : persona;
  const { Provider, interactionPolicy } = await loadOidcProvider();
  const controls = opts.controls;
  const config = opts.config;
  const adapter = createMemoryAdapter({ clockToleranceSeconds: CLOCK_TOLERANCE_SECONDS, ...(controls ? { now: controls.now } : {}) });

  // Listen first: the issuer must carry the real port, and port 0 is only resolved by binding.
  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => {
    res.statusCode = 503;
    res.end();
  };
  const server = createServer((req, res) => handler(req, res));
  const { port, url: issuer } = await listen(server, opts.port ?? 0, host);

  let provider: ProviderClass;
  try {
    provider = new Provider(
      issuer,
      await buildConfiguration({
        config,
        profile,
        adapter,
        port,
        ttl: { ...DEFAULT_IDP_TTL, ...config.ttl, ...definedOnly(opts.ttl ?? {}) },
        policy: interactionPolicy,
        ...(controls ? { controls } : {}),
        log: quiet ? () => {} : (line) => console.warn(`[${tag}] ${line}`),
      }),
    );
  } catch (err) {
    server.close();
    throw err;
  }
  wireLogging(provider, quiet, tag);
  if (profile.accessTokenPrefix !== undefined) provider.use(opaqueTokenResponses(profile));

  const providerCallback = provider.callback();
  const clients = profile.clients(config);
  const formOrigins = clientOrigins(clients);
  const site = { provider, config, profile, formOrigins };
  const apiSite = { provider, config, profile, now: controls?.now ?? (() => Date.now()), corsOrigins: new Set(clientOrigins(clients.slice(0, 1))) };
  const detach = controls?.attachProvider(persona, {
    revokeUserTokens: async (username) => {
      const user = config.users.find((u) => u.username === username);
      return user ? adapter.revokeAccount(profile.subjectOf(user)) : 0;
    },
  });

  handler = (req, res) => {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    if (controls && isControlRequest(req.url)) {
      handleControlRequest(controls, req, res);
      return;
    }
    const mode = controls?.providerMode(persona) ?? "up";
    if (mode === "offline") {
      // A provider that does not answer: the connection closes with no response at all.
      req.socket.destroy();
      return;
    }
    if (mode === "garbage") {
      sendMaintenancePage(res);
      return;
    }
    if (path.startsWith("/interaction/")) {
      handleInteraction(site, req, res).catch((err: unknown) => {
        console.error(`[${tag}] ${req.method} ${path}:`, err);
        if (!res.headersSent) sendHtml(res, 500, formOrigins, renderMessagePage({ providerName: profile.displayName, title: "Something went wrong", message: "The sign-in page failed. Go back to the app and try again." }));
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
        providerName: profile.displayName,
        title: profile.displayName,
        message: profile.description,
        details: profile.discovery
          ? { issuer, discovery: `${issuer}/.well-known/openid-configuration` }
          : { authorization: `${issuer}${profile.routes.authorization ?? ""}`, token: `${issuer}${profile.routes.token ?? ""}` },
      }));
      return;
    }
    // Login with Amazon and Facebook publish no discovery document and no JWKS (oidc-provider always would).
    if (!profile.discovery && path.startsWith("/.well-known/")) {
      res.writeHead(404, { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" }).end("Not Found\n");
      return;
    }
    if (handlePersonaApi(apiSite, req, res)) return;
    providerCallback(req, res);
  };

  return {
    issuer,
    url: issuer,
    close: async () => {
      detach?.();
      await closeServer(server);
    },
  };
}

/** `mode: "garbage"`: what a proxy or captive portal in front of the provider answers to everything. */
function sendMaintenancePage(res: ServerResponse): void {
  const html = "<!doctype html>\n<html lang=\"en\"><head><title>Down for maintenance</title></head><body><h1>Down for maintenance</h1><p>We'll be back soon.</p></body></html>\n";
  res.writeHead(200, { ...htmlHeaders([]), "Content-Length": String(Buffer.byteLength(html)) });
  res.end(res.req.method === "HEAD" ? undefined : html);
}

function definedOnly(ttl: IdpTokenTtl): IdpTokenTtl {
  return Object.fromEntries(Object.entries(ttl).filter(([, v]) => v !== undefined));
}

// ---------------------------------------------------------------------------------------------------------------
// Library loading and logging

interface OidcProviderModule {
  Provider: typeof ProviderClass;
  interactionPolicy: typeof interactionPolicy;
}
let oidcProvider: Promise<OidcProviderModule> | undefined;

/**
 * oidc-provider 9 prints "Unsupported runtime. Use Node.js v22.x LTS" when imported on Node 20. This project targets
 * Node 20 and the interop tests run the provider there, so that one line is dropped; anything else it prints passes.
 */
function loadOidcProvider(): Promise<OidcProviderModule> {
  oidcProvider ??= (async () => {
    const warn = console.warn;
    console.warn = (...args: unknown[]) => {
      if (typeof args[0] === "string" && args[0].includes("Unsupported runtime")) return;
      warn.apply(console, args);
    };
    try {
      const module = await import("oidc-provider");
      return { Provider: module.default, interactionPolicy: module.interactionPolicy };
    } finally {
      console.warn = warn;
    }
  })();
  return oidcProvider;
}

function wireLogging(provider: ProviderClass, quiet: boolean, tag: string): void {
  provider.on("server_error", (ctx: KoaContextWithOIDC, err: Error) => {
    console.error(`[${tag}] server error on ${ctx.method} ${ctx.path}:`, err);
  });
  if (quiet) return;
  // Rejected requests (bad PKCE, unknown redirect_uri, login_required for prompt=none, …): one line each, to explain
  // why the app's sign-in failed.
  const log = (event: string) => (ctx: KoaContextWithOIDC, err: errors.OIDCProviderError) => {
    const detail = [err.error_description, err.error_detail].filter(Boolean).join(" — ");
    console.warn(`[${tag}] ${event} ${ctx.method} ${ctx.path}: ${err.error}${detail ? `: ${detail}` : ""}`);
  };
  provider.on("authorization.error", log("authorization.error"));
  provider.on("grant.error", log("grant.error"));
  provider.on("userinfo.error", log("userinfo.error"));
  provider.on("revocation.error", log("revocation.error"));
  provider.on("end_session.error", log("end_session.error"));
  provider.on("discovery.error", log("discovery.error"));
  provider.on("jwks.error", log("jwks.error"));
}
