/**
 * Sign in to an OpenID Provider the way a browser would, without a browser: discovery, an authorization request
 * with PKCE (S256), state and nonce, redirects followed by hand with a small cookie jar, the real login form GET and
 * POST, then the code exchange at the token endpoint as a public client. Also silent (`prompt=none`) authorization
 * with the session a sign-in left in the jar, and RP-initiated logout. Node-only, for tests and scripts.
 *
 * The same at each persona of the local stack:
 * - Google: discovery as above, plus `clientSecret` (sent as `client_secret`: Google's `client_secret_post` quirk).
 * - Login with Amazon, Facebook: no discovery — pass `endpoints` (authorization and token URLs) instead of `issuer`,
 *   and a scope without `openid` (no nonce is sent, no ID token comes back: the tokens' `idToken` is optional).
 */
import { createHash, randomBytes } from "node:crypto";
import { alertText, CookieJar, follow, formAction, hiddenInputs, inlineScripts, textOf, type Followed } from "./browser";

export { CookieJar } from "./browser";

/** Where a provider without discovery (Login with Amazon, Facebook) authorizes and issues tokens. */
export interface OAuthEndpoints {
  authorization: string;
  token: string;
}

export interface HeadlessAuthorizeOptions {
  /** The OpenID issuer: its discovery document gives the endpoints. Required unless `endpoints` is given. */
  issuer?: string;
  /**
   * The endpoints of a plain OAuth 2 provider, used as given (no discovery). The tokens' `idToken` is then optional
   * (present only when the scope asked for `openid`).
   */
  endpoints?: OAuthEndpoints;
  clientId: string;
  /** Sent as `client_secret` in the token request (`client_secret_post`): Google demands it even with PKCE. */
  clientSecret?: string;
  redirectUri: string;
  /** Default "openid profile email". With discovery (no `endpoints`) it must include `openid`. */
  scope?: string;
  /** The `prompt` parameter, e.g. "consent" (needed for `offline_access`) or "none". Default: none sent. */
  prompt?: string;
  /** The browser's cookies: pass one jar to several calls to share the IdP session. Default: a new, empty jar. */
  cookies?: CookieJar;
}

export interface HeadlessSignInOptions extends HeadlessAuthorizeOptions {
  username: string;
  password: string;
}

/** What a token response gave: an ID token only when the scope asked for `openid`. */
export interface HeadlessOAuthTokens {
  idToken?: string;
  accessToken: string;
  /** Seconds, from the token response. */
  expiresIn: number;
  refreshToken?: string;
}

/** What an OpenID Connect sign-in (through discovery) gave: always an ID token, its nonce checked. */
export interface HeadlessTokens extends HeadlessOAuthTokens {
  idToken: string;
}

/** The tokens a sign-in with these options gives: with `endpoints` (plain OAuth 2) the ID token is optional. */
export type TokensFor<O extends HeadlessAuthorizeOptions> = O extends { endpoints: OAuthEndpoints } ? HeadlessOAuthTokens : HeadlessTokens;

/** Thrown by the headless helpers; `code` tells what went wrong. */
export class HeadlessSignInError extends Error {
  override readonly name = "HeadlessSignInError";
  constructor(
    readonly code: "login_failed" | "authorization_error" | "token_error" | "protocol_error",
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Sign in through the login form and return the tokens. Throws HeadlessSignInError with the page's alert text on wrong credentials. */
export async function signInHeadless<O extends HeadlessSignInOptions>(opts: O): Promise<TokensFor<O>> {
  const login = await openLoginPage(opts);
  const submitted = await login.submit(opts.username, opts.password);
  if (submitted.kind === "page") {
    throw new HeadlessSignInError("login_failed", `Sign-in as ${JSON.stringify(opts.username)} failed: ${submitted.alert ?? `the login form came back (HTTP ${submitted.status}) without an error message`}`);
  }
  return submitted.redeem();
}

/** What the login form returned after a submission: the form again (with its alert), or the app's redirect. */
export type LoginSubmission<T extends HeadlessOAuthTokens = HeadlessTokens> =
  | { kind: "page"; status: number; html: string; alert: string | undefined }
  | {
      kind: "redirect";
      code: string;
      redeem: () => Promise<T>;
      /** The Cookie header this "browser" now sends to `url` (the IdP session), e.g. to try `prompt=none`. */
      cookieHeader: (url: string) => string;
    };

export interface LoginPage<T extends HeadlessOAuthTokens = HeadlessTokens> {
  status: number;
  html: string;
  /** The URL the page was served from. */
  url: string;
  submit: (username: string, password: string) => Promise<LoginSubmission<T>>;
}

/** Where an authorization request ended: a code for the app, an error for the app, or a page of the IdP. */
export type AuthorizationOutcome<T extends HeadlessOAuthTokens = HeadlessTokens> =
  | { kind: "code"; code: string; redeem: () => Promise<T> }
  | { kind: "error"; error: string; description: string | undefined }
  | { kind: "page"; status: number; html: string; url: string };

/**
 * Send an authorization request with the cookies of `opts.cookies` and follow it until the app's redirect URI (a
 * code or an error, `state` checked) or a page of the IdP (such as the login form). With `prompt: "none"` this is a
 * silent sign-in.
 */
export async function authorize<O extends HeadlessAuthorizeOptions>(opts: O): Promise<AuthorizationOutcome<TokensFor<O>>> {
  const flow = await startAuthorization<TokensFor<O>>(opts);
  const first = await flow.go(flow.url, { method: "GET" });
  return first.kind === "page" ? { kind: "page", status: first.status, html: first.html, url: first.url } : flow.outcome(first.url);
}

/**
 * Start an authorization request and stop at the login form. `submit` posts the form; on success it follows the
 * redirects to `redirectUri`, checks `state`, and `redeem` exchanges the code.
 */
export async function openLoginPage<O extends HeadlessAuthorizeOptions>(opts: O): Promise<LoginPage<TokensFor<O>>> {
  const flow = await startAuthorization<TokensFor<O>>(opts);
  const first = await flow.go(flow.url, { method: "GET" });
  if (first.kind === "callback") throw callbackError(first.url, "before the login form was shown");
  const page = first;
  if (page.status !== 200) throw new HeadlessSignInError("protocol_error", `Expected the login form, got HTTP ${page.status} from ${page.url}: ${textOf(page.html).slice(0, 300)}`);
  const action = formAction(page.html, "login-form");
  if (!action) throw new HeadlessSignInError("protocol_error", `No login form (form#login-form) on ${page.url}`);

  return {
    status: page.status,
    html: page.html,
    url: page.url,
    submit: async (username, password) => {
      const result = await flow.go(new URL(action, page.url).href, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ username, password }).toString(),
      });
      if (result.kind === "page") return { kind: "page", status: result.status, html: result.html, alert: alertText(result.html) };
      const outcome = flow.outcome(result.url);
      if (outcome.kind !== "code") throw callbackError(result.url, "after the login form");
      return { kind: "redirect", code: outcome.code, redeem: outcome.redeem, cookieHeader: (url) => flow.jar.header(url) };
    },
  };
}

interface AuthorizationFlow<T extends HeadlessOAuthTokens> {
  url: string;
  jar: CookieJar;
  go: (url: string, init: RequestInit) => Promise<Followed>;
  /** Read the redirect to the app: a code (state checked) or an error. */
  outcome: (callbackUrl: string) => AuthorizationOutcome<T>;
}

/**
 * `T` is what the options promise ({@link TokensFor}); it holds because an `openid` scope is required without
 * `endpoints`, and an `openid` scope is answered with a checked ID token or an error.
 */
async function startAuthorization<T extends HeadlessOAuthTokens>(opts: HeadlessAuthorizeOptions): Promise<AuthorizationFlow<T>> {
  const scope = opts.scope ?? "openid profile email";
  const openid = scope.split(" ").includes("openid");
  let endpoints = opts.endpoints;
  if (!endpoints) {
    if (opts.issuer === undefined) throw new HeadlessSignInError("protocol_error", "Give the issuer (OpenID discovery) or the endpoints (plain OAuth 2)");
    if (!openid) throw new HeadlessSignInError("protocol_error", `A sign-in through discovery is OpenID Connect: the scope must include openid (got ${JSON.stringify(scope)}); give endpoints for plain OAuth 2`);
    const metadata = await discover(opts.issuer);
    endpoints = { authorization: metadata.authorization_endpoint, token: metadata.token_endpoint };
  }
  const tokenEndpoint = endpoints.token;
  const jar = opts.cookies ?? new CookieJar();
  const verifier = randomBytes(32).toString("base64url");
  const state = randomBytes(16).toString("base64url");
  const nonce = randomBytes(16).toString("base64url");

  const authorizeUrl = new URL(endpoints.authorization);
  authorizeUrl.search = new URLSearchParams({
    response_type: "code",
    client_id: opts.clientId,
    redirect_uri: opts.redirectUri,
    scope,
    state,
    // A nonce is an OpenID Connect parameter: plain OAuth 2 requests must not carry one (oidc-provider refuses it).
    ...(openid ? { nonce } : {}),
    code_challenge: createHash("sha256").update(verifier).digest("base64url"),
    code_challenge_method: "S256",
    ...(opts.prompt !== undefined ? { prompt: opts.prompt } : {}),
  }).toString();

  const redeem = async (code: string): Promise<T> => {
    const response = await fetch(tokenEndpoint, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
      body: new URLSearchParams({
        grant_type: "authorization_code",
        code,
        redirect_uri: opts.redirectUri,
        client_id: opts.clientId,
        ...(opts.clientSecret !== undefined ? { client_secret: opts.clientSecret } : {}),
        code_verifier: verifier,
      }),
    });
    const tokens = await processTokenResponse(response);
    if (openid) {
      if (tokens.idToken === undefined) throw new HeadlessSignInError("token_error", 'Token response: no "id_token" although the scope asked for openid', { cause: tokens });
      checkNonce(tokens.idToken, nonce);
    }
    return tokens as T;
  };

  return {
    url: authorizeUrl.href,
    jar,
    go: (url, init) => go(jar, url, init, opts.redirectUri),
    outcome: (callbackUrl) => {
      const params = new URL(callbackUrl).searchParams;
      if (params.get("state") !== state) throw new HeadlessSignInError("protocol_error", `state mismatch on the redirect to ${opts.redirectUri}`);
      const error = params.get("error");
      if (error) return { kind: "error", error, description: params.get("error_description") ?? undefined };
      const code = params.get("code");
      if (!code) throw new HeadlessSignInError("protocol_error", `No code on the redirect to ${opts.redirectUri}`);
      return { kind: "code", code, redeem: () => redeem(code) };
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// RP-initiated logout

export interface HeadlessLogoutOptions {
  issuer: string;
  /** The browser's cookies (the session a sign-in left there). */
  cookies: CookieJar;
  idTokenHint?: string;
  clientId?: string;
  postLogoutRedirectUri?: string;
  state?: string;
}

/** Where a logout ended: the redirect to `post_logout_redirect_uri` (not followed), or an IdP page. */
export type LogoutOutcome = { kind: "redirect"; url: string } | { kind: "page"; status: number; html: string; url: string };

export interface LogoutPage {
  status: number;
  html: string;
  url: string;
  /** The page's Content-Security-Policy header ("" when absent). */
  csp: string;
  /** The page's inline scripts, as written. */
  scripts: string[];
  /** Press "Yes, sign me out" (what the auto-submitting script does): POST oidc-provider's form with `logout=yes`. */
  confirm: () => Promise<LogoutOutcome>;
}

/** GET the end-session endpoint with the given parameters and stop at the page it shows. */
export async function openLogoutPage(opts: HeadlessLogoutOptions): Promise<LogoutPage> {
  const metadata = await discover(opts.issuer);
  if (!metadata.end_session_endpoint) throw new HeadlessSignInError("protocol_error", "Discovery document: no end_session_endpoint");
  const url = new URL(metadata.end_session_endpoint);
  const params: Record<string, string | undefined> = {
    id_token_hint: opts.idTokenHint,
    client_id: opts.clientId,
    post_logout_redirect_uri: opts.postLogoutRedirectUri,
    state: opts.state,
  };
  for (const [name, value] of Object.entries(params)) if (value !== undefined) url.searchParams.set(name, value);
  const stopAt = opts.postLogoutRedirectUri ?? `${metadata.issuer}/.well-known/never`;
  const page = await go(opts.cookies, url.href, { method: "GET" }, stopAt);
  if (page.kind === "callback") throw new HeadlessSignInError("protocol_error", `The logout redirected to ${page.url} without showing a page`);

  return {
    status: page.status,
    html: page.html,
    url: page.url,
    csp: page.headers.get("content-security-policy") ?? "",
    scripts: inlineScripts(page.html),
    confirm: async () => {
      const action = formAction(page.html, "op.logoutForm");
      if (!action) throw new HeadlessSignInError("protocol_error", `No logout form (form#op.logoutForm) on ${page.url}`);
      const result = await go(
        opts.cookies,
        new URL(action, page.url).href,
        { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ ...hiddenInputs(page.html, "op.logoutForm"), logout: "yes" }).toString() },
        stopAt,
      );
      return result.kind === "callback" ? { kind: "redirect", url: result.url } : { kind: "page", status: result.status, html: result.html, url: result.url };
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------

interface Metadata {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  end_session_endpoint?: string;
}

async function discover(issuer: string): Promise<Metadata> {
  const url = `${issuer.replace(/\/$/, "")}/.well-known/openid-configuration`;
  const response = await fetch(url, { headers: { Accept: "application/json" } });
  if (!response.ok) throw new HeadlessSignInError("protocol_error", `Discovery ${url} answered HTTP ${response.status}`);
  const body = (await response.json()) as Record<string, unknown>;
  for (const field of ["issuer", "authorization_endpoint", "token_endpoint"] as const) {
    if (typeof body[field] !== "string" || !body[field]) throw new HeadlessSignInError("protocol_error", `Discovery document: "${field}" must be a non-empty string`);
  }
  if (body.issuer !== issuer.replace(/\/$/, "")) throw new HeadlessSignInError("protocol_error", `Discovery document: issuer ${String(body.issuer)} is not ${issuer}`);
  return body as unknown as Metadata;
}

/** {@link follow}, with its failures as HeadlessSignInError. */
async function go(jar: CookieJar, url: string, init: RequestInit, stopAt: string): Promise<Followed> {
  try {
    return await follow(jar, url, init, stopAt);
  } catch (cause) {
    throw new HeadlessSignInError("protocol_error", cause instanceof Error ? cause.message : String(cause), { cause });
  }
}

function callbackError(url: string, when: string): HeadlessSignInError {
  const params = new URL(url).searchParams;
  const error = params.get("error");
  if (!error) return new HeadlessSignInError("protocol_error", `Redirected to the app ${when} without an error: ${url}`);
  const description = params.get("error_description");
  return new HeadlessSignInError("authorization_error", `Authorization failed ${when}: ${error}${description ? ` — ${description}` : ""}`);
}

async function processTokenResponse(response: Response): Promise<HeadlessOAuthTokens> {
  const text = await response.text();
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch (cause) {
    throw new HeadlessSignInError("token_error", `Token endpoint answered HTTP ${response.status} with non-JSON: ${text.slice(0, 200)}`, { cause });
  }
  if (!response.ok) {
    throw new HeadlessSignInError("token_error", `Token endpoint answered HTTP ${response.status}: ${String(body.error)}${body.error_description ? ` — ${String(body.error_description)}` : ""}`, { cause: body });
  }
  const str = (field: string): string => {
    const value = body[field];
    if (typeof value !== "string" || value === "") throw new HeadlessSignInError("token_error", `Token response: "${field}" must be a non-empty string`, { cause: body });
    return value;
  };
  if (typeof body.token_type !== "string" || body.token_type.toLowerCase() !== "bearer") {
    throw new HeadlessSignInError("token_error", `Token response: "token_type" must be Bearer, got ${JSON.stringify(body.token_type)}`, { cause: body });
  }
  const expiresIn = body.expires_in;
  if (typeof expiresIn !== "number" || !Number.isFinite(expiresIn) || expiresIn <= 0) {
    throw new HeadlessSignInError("token_error", `Token response: "expires_in" must be a positive number`, { cause: body });
  }
  const tokens: HeadlessOAuthTokens = { accessToken: str("access_token"), expiresIn };
  if (body.id_token !== undefined) tokens.idToken = str("id_token");
  if (body.refresh_token !== undefined) tokens.refreshToken = str("refresh_token");
  return tokens;
}

function checkNonce(idToken: string, nonce: string): void {
  const payload = idToken.split(".")[1];
  let claims: { nonce?: unknown };
  try {
    claims = JSON.parse(Buffer.from(payload ?? "", "base64url").toString("utf8")) as { nonce?: unknown };
  } catch (cause) {
    throw new HeadlessSignInError("token_error", "id_token is not a JWT", { cause });
  }
  if (claims.nonce !== nonce) throw new HeadlessSignInError("token_error", "id_token nonce does not match the authorization request");
}

