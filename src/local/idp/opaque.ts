/**
 * The endpoints of the OAuth 2 personas that exist because their access tokens are opaque: whoever holds one (the
 * app, or STS checking a `WebIdentityToken` sent with `ProviderId`) asks the provider what it is.
 *
 * Login with Amazon (https://developer.amazon.com/docs/login-with-amazon/obtain-customer-profile.html):
 *   GET /auth/o2/tokeninfo?access_token=Atza|…   → 200 {"iss","user_id","aud","app_id","exp","iat"} (exp: seconds left)
 *                                                  400 {"error":"invalid_token",…} for an unknown/expired/revoked token
 *   GET /user/profile   Authorization: Bearer …  → 200 {"user_id","name","email"}; 401 {"error":"invalid_token",…}
 * Facebook Graph API (https://developers.facebook.com/docs/facebook-login/guides/%20access-tokens/debugging):
 *   GET /debug_token?input_token=…&access_token=… → 200 {"data":{"app_id","type","application","expires_at","is_valid",
 *                                                  "issued_at","scopes","user_id"}}; for a bad input token 200
 *                                                  {"data":{"error":{…},"is_valid":false,"scopes":[]}}; for a bad
 *                                                  access_token 400 {"error":{…,"type":"OAuthException","code":190}}
 *   GET /me?fields=id,name,email (also /v19.0/me; token as `access_token` or Bearer) → {"id","name"[,"email"]}
 *
 * Real Amazon serves these on api.amazon.com and Facebook on graph.facebook.com; the personas serve them on their
 * own origin. The profile endpoints answer CORS for the app's origins (the app shows who signed in); token info and
 * debug_token answer no CORS (servers call them). A token counts as expired by the stack clock (`controls.now`).
 */
import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type ProviderClass from "oidc-provider";
import type { KoaContextWithOIDC } from "oidc-provider";
import type { StackConfig, TestUser } from "../config";
import { APPLICATION_NAME, type PersonaApi, type ProviderProfile } from "./personas";

/** The persona whose endpoints answer, and what they need of the server that runs it. */
export interface PersonaApiSite {
  provider: ProviderClass;
  config: StackConfig;
  profile: ProviderProfile;
  /** The stack clock, ms since the epoch. */
  now: () => number;
  /** Origins the profile endpoints answer CORS for: those of `clients[0].redirectUris`. */
  corsOrigins: ReadonlySet<string>;
}

/** A live access token of the persona, and whose it is. */
interface LiveToken {
  user: TestUser;
  clientId: string;
  scopes: Set<string>;
  /** Epoch seconds. */
  iat: number;
  exp: number;
}

type Query = URLSearchParams;
type Handler = (site: PersonaApiSite, req: IncomingMessage, res: ServerResponse, query: Query) => Promise<void>;
interface Route {
  handler: Handler;
  /** Answer CORS (and preflights) for the app's origins. */
  cors: boolean;
}

/**
 * Wrap the token endpoint's answer the way the real provider shapes it: `access_token` = prefix + oidc-provider's
 * opaque value (`Atza|…`, `EAA…`), `token_type: "bearer"` (lower case, as both send it), `expires_in`, and nothing
 * else — no `scope`, and never a refresh token (neither provider gives one to a client without a secret). The
 * persona's own endpoints strip the prefix again to look the token up ({@link handlePersonaApi}).
 */
export function opaqueTokenResponses(profile: ProviderProfile): (ctx: KoaContextWithOIDC, next: () => Promise<void>) => Promise<void> {
  const prefix = profile.accessTokenPrefix ?? "";
  const route = profile.routes.token ?? "/token";
  return async (ctx, next) => {
    await next();
    if (ctx.method !== "POST" || ctx.path !== route || ctx.status !== 200) return;
    const body = ctx.body as Record<string, unknown> | undefined;
    if (typeof body?.access_token !== "string") return;
    ctx.body = { access_token: `${prefix}${body.access_token}`, token_type: "bearer", expires_in: body.expires_in };
  };
}

/** Look a token value up: the persona's prefix, a live token in the store, not past `exp` by the stack clock. */
async function liveToken(site: PersonaApiSite, value: string | undefined): Promise<LiveToken | undefined> {
  const prefix = site.profile.accessTokenPrefix ?? "";
  if (!value?.startsWith(prefix) || value.length === prefix.length) return undefined;
  const token = await site.provider.AccessToken.find(value.slice(prefix.length));
  if (!token?.exp || token.exp * 1000 <= site.now()) return undefined;
  const user = site.config.users.find((u) => site.profile.subjectOf(u) === token.accountId);
  return user ? { user, clientId: token.clientId ?? "", scopes: token.scopes, iat: token.iat, exp: token.exp } : undefined;
}

/** The token of `Authorization: Bearer …` (scheme case-insensitive), else of the `access_token` query parameter. */
function presentedToken(req: IncomingMessage, query: Query): string | undefined {
  const bearer = /^bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? "")?.[1];
  return bearer ?? query.get("access_token") ?? undefined;
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = Buffer.from(JSON.stringify(body), "utf8");
  res.writeHead(status, { "Content-Type": "application/json; charset=utf-8", "Content-Length": String(text.length), "Cache-Control": "no-store", ...headers });
  res.end(res.req.method === "HEAD" ? undefined : text);
}

// ---------------------------------------------------------------------------------------------------------------
// Login with Amazon

const AMAZON_INVALID_TOKEN = { error: "invalid_token", error_description: "The request has an invalid parameter : access_token" };
const AMAZON_MISSING_TOKEN = { error: "invalid_request", error_description: "The request is missing a required parameter : access_token" };

/** Token info: what STS calls for `ProviderId=www.amazon.com`. `iss` is Amazon's, whatever origin answers. */
const amazonTokenInfo: Handler = async (site, _req, res, query) => {
  const value = query.get("access_token");
  if (!value) return sendJson(res, 400, AMAZON_MISSING_TOKEN);
  const token = await liveToken(site, value);
  if (!token) return sendJson(res, 400, AMAZON_INVALID_TOKEN);
  sendJson(res, 200, {
    iss: "https://www.amazon.com",
    user_id: token.user.subjects.amazon,
    aud: token.clientId,
    app_id: site.config.personas.amazon.appId,
    exp: Math.max(0, token.exp - Math.floor(site.now() / 1000)),
    iat: token.iat,
  });
};

/**
 * The customer profile. The `profile` scope releases user_id, name and email; `profile:user_id` only user_id; a token
 * with neither is `insufficient_scope` (403). `postal_code` would add the postal code, which the test users lack.
 */
const amazonProfile: Handler = async (site, req, res, query) => {
  const value = presentedToken(req, query);
  if (!value) return sendJson(res, 400, AMAZON_MISSING_TOKEN);
  const token = await liveToken(site, value);
  if (!token) return sendJson(res, 401, AMAZON_INVALID_TOKEN, { "WWW-Authenticate": 'Bearer error="invalid_token"' });
  const { user, scopes } = token;
  if (scopes.has("profile")) return sendJson(res, 200, { user_id: user.subjects.amazon, name: user.name, email: user.email });
  if (scopes.has("profile:user_id")) return sendJson(res, 200, { user_id: user.subjects.amazon });
  sendJson(res, 403, { error: "insufficient_scope", error_description: "The access token does not grant access to the customer profile" });
};

// ---------------------------------------------------------------------------------------------------------------
// Facebook

/** Graph API errors: `{"error":{message,type,code,fbtrace_id}}`, HTTP 400. */
function sendGraphError(res: ServerResponse, code: number, message: string): void {
  sendJson(res, 400, { error: { message, type: "OAuthException", code, fbtrace_id: randomBytes(8).toString("base64url") } });
}

const FACEBOOK_INVALID_TOKEN = "Invalid OAuth access token - Cannot parse access token";

/**
 * debug_token: what STS calls for `ProviderId=graph.facebook.com`. Facebook wants an app access token
 * (`app_id|app_secret`) or a valid user token as `access_token`; the local STS has no app secret and sends the token
 * it checks as both `input_token` and `access_token` — so a revoked or expired token already fails as the
 * `access_token` (400, code 190), which is what Facebook answers for such a request too.
 */
const facebookDebugToken: Handler = async (site, _req, res, query) => {
  const accessToken = query.get("access_token");
  if (!accessToken) return sendGraphError(res, 104, "An access token is required to request this resource.");
  const caller = await liveToken(site, accessToken);
  if (!caller) return sendGraphError(res, 190, FACEBOOK_INVALID_TOKEN);
  const input = query.get("input_token");
  if (!input) return sendGraphError(res, 100, "(#100) The parameter input_token is required");
  const token = input === accessToken ? caller : await liveToken(site, input);
  if (!token) return sendJson(res, 200, { data: { error: { code: 190, message: "Invalid OAuth access token." }, is_valid: false, scopes: [] } });
  sendJson(res, 200, {
    data: {
      app_id: site.config.personas.facebook.appId,
      type: "USER",
      application: APPLICATION_NAME,
      expires_at: token.exp,
      is_valid: true,
      issued_at: token.iat,
      scopes: [...token.scopes],
      user_id: token.user.subjects.facebook,
    },
  });
};

/** The fields of the User node the persona knows, given the token's scopes. */
const USER_FIELDS: Record<string, (user: TestUser, scopes: Set<string>) => string | undefined> = {
  id: (user) => user.subjects.facebook,
  name: (user) => user.name,
  first_name: (user) => user.name.split(/\s+/)[0],
  last_name: (user) => user.name.split(/\s+/).slice(1).join(" ") || undefined,
  // Facebook leaves a field out, without an error, when the token lacks its permission.
  email: (user, scopes) => (scopes.has("email") ? user.email : undefined),
};

/** /me: the signed-in user; `fields` defaults to id,name as on the Graph API. */
const facebookMe: Handler = async (site, req, res, query) => {
  const value = presentedToken(req, query);
  if (!value) return sendGraphError(res, 2500, "An active access token must be used to query information about the current user.");
  const token = await liveToken(site, value);
  if (!token) return sendGraphError(res, 190, FACEBOOK_INVALID_TOKEN);
  const fields = (query.get("fields") ?? "id,name").split(",").map((f) => f.trim()).filter(Boolean);
  const unknown = fields.find((f) => !Object.hasOwn(USER_FIELDS, f));
  if (unknown !== undefined) return sendGraphError(res, 100, `(#100) Tried accessing nonexisting field (${unknown}) on node type (User)`);
  const body: Record<string, string> = {};
  for (const field of fields) {
    const value = USER_FIELDS[field]?.(token.user, token.scopes);
    if (value !== undefined) body[field] = value;
  }
  // Facebook always answers the id of the node.
  body.id = token.user.subjects.facebook;
  sendJson(res, 200, body);
};

// ---------------------------------------------------------------------------------------------------------------
// Routing and CORS

const ROUTES: Record<PersonaApi, Record<string, Route>> = {
  amazon: {
    "/auth/o2/tokeninfo": { handler: amazonTokenInfo, cors: false },
    "/user/profile": { handler: amazonProfile, cors: true },
  },
  facebook: {
    "/debug_token": { handler: facebookDebugToken, cors: false },
    "/v19.0/debug_token": { handler: facebookDebugToken, cors: false },
    "/me": { handler: facebookMe, cors: true },
    "/v19.0/me": { handler: facebookMe, cors: true },
  },
};

/**
 * Answer a request for one of the persona's own endpoints. Returns false (and touches nothing) when the path is not
 * one of them. Only GET (and HEAD) are answered, plus CORS preflights on the profile endpoints.
 */
export function handlePersonaApi(site: PersonaApiSite, req: IncomingMessage, res: ServerResponse): boolean {
  if (!site.profile.api) return false;
  const url = new URL(req.url ?? "/", "http://persona.invalid");
  const route = Object.hasOwn(ROUTES[site.profile.api], url.pathname) ? ROUTES[site.profile.api][url.pathname] : undefined;
  if (!route) return false;

  const origin = req.headers.origin;
  const cors: Record<string, string> = route.cors ? { Vary: "Origin", ...(origin && site.corsOrigins.has(origin) ? { "Access-Control-Allow-Origin": origin } : {}) } : {};
  const method = req.method ?? "GET";
  if (method === "OPTIONS" && route.cors) {
    const allowed = "Access-Control-Allow-Origin" in cors;
    res.writeHead(204, { ...cors, ...(allowed ? { "Access-Control-Allow-Methods": "GET", "Access-Control-Allow-Headers": "Authorization", "Access-Control-Max-Age": "600" } : {}) }).end();
    return true;
  }
  if (method !== "GET" && method !== "HEAD") {
    sendJson(res, 405, { error: "invalid_request", error_description: `${url.pathname} answers GET only` }, { ...cors, Allow: "GET, HEAD" });
    return true;
  }
  for (const [name, value] of Object.entries(cors)) res.setHeader(name, value);
  route.handler(site, req, res, url.searchParams).catch((err: unknown) => {
    console.error(`[${site.profile.name}] ${method} ${url.pathname}:`, err);
    if (res.headersSent) res.destroy();
    else sendJson(res, 500, { error: "server_error" });
  });
  return true;
}
