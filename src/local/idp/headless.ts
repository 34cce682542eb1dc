/**
 * Sign in to an OpenID Provider the way a browser would, without a browser: discovery, an authorization request
 * with PKCE (S256), state and nonce, redirects followed by hand with a small cookie jar, the real login form GET and
 * POST, then the code exchange at the token endpoint as a public client. Node-only, for tests and scripts.
 */
import { createHash, randomBytes } from "node:crypto";

export interface HeadlessSignInOptions {
  issuer: string;
  clientId: string;
  redirectUri: string;
  username: string;
  password: string;
  /** Default "openid profile email". */
  scope?: string;
}

export interface HeadlessTokens {
  idToken: string;
  accessToken: string;
  /** Seconds, from the token response. */
  expiresIn: number;
  refreshToken?: string;
}

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

const MAX_REDIRECTS = 10;

/** Sign in through the login form and return the tokens. Throws HeadlessSignInError with the page's alert text on wrong credentials. */
export async function signInHeadless(opts: HeadlessSignInOptions): Promise<HeadlessTokens> {
  const login = await openLoginPage(opts);
  const submitted = await login.submit(opts.username, opts.password);
  if (submitted.kind === "page") {
    throw new HeadlessSignInError("login_failed", `Sign-in as ${JSON.stringify(opts.username)} failed: ${submitted.alert ?? `the login form came back (HTTP ${submitted.status}) without an error message`}`);
  }
  return submitted.redeem();
}

/** What the login form returned after a submission: the form again (with its alert), or the app's redirect. */
export type LoginSubmission =
  | { kind: "page"; status: number; html: string; alert: string | undefined }
  | {
      kind: "redirect";
      code: string;
      redeem: () => Promise<HeadlessTokens>;
      /** The Cookie header this "browser" now sends to `url` (the IdP session), e.g. to try `prompt=none`. */
      cookieHeader: (url: string) => string;
    };

export interface LoginPage {
  status: number;
  html: string;
  /** The URL the page was served from. */
  url: string;
  submit: (username: string, password: string) => Promise<LoginSubmission>;
}

/**
 * Start an authorization request and stop at the login form. `submit` posts the form; on success it follows the
 * redirects to `redirectUri`, checks `state`, and `redeem` exchanges the code.
 */
export async function openLoginPage(opts: Omit<HeadlessSignInOptions, "username" | "password">): Promise<LoginPage> {
  const metadata = await discover(opts.issuer);
  const jar = new CookieJar();
  const verifier = randomBytes(32).toString("base64url");
  const state = randomBytes(16).toString("base64url");
  const nonce = randomBytes(16).toString("base64url");

  const authorize = new URL(metadata.authorization_endpoint);
  authorize.search = new URLSearchParams({
    response_type: "code",
    client_id: opts.clientId,
    redirect_uri: opts.redirectUri,
    scope: opts.scope ?? "openid profile email",
    state,
    nonce,
    code_challenge: createHash("sha256").update(verifier).digest("base64url"),
    code_challenge_method: "S256",
  }).toString();

  const first = await follow(jar, authorize.href, { method: "GET" }, opts.redirectUri);
  if (first.kind === "callback") throw callbackError(first.url, "before the login form was shown");
  const page = first;
  if (page.status !== 200) throw new HeadlessSignInError("protocol_error", `Expected the login form, got HTTP ${page.status} from ${page.url}: ${textOf(page.html).slice(0, 300)}`);
  const action = formAction(page.html, "login-form");
  if (!action) throw new HeadlessSignInError("protocol_error", `No login form (form#login-form) on ${page.url}`);

  const redeem = async (code: string): Promise<HeadlessTokens> => {
    const response = await fetch(metadata.token_endpoint, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
      body: new URLSearchParams({ grant_type: "authorization_code", code, redirect_uri: opts.redirectUri, client_id: opts.clientId, code_verifier: verifier }),
    });
    const tokens = await processTokenResponse(response);
    checkNonce(tokens.idToken, nonce);
    return tokens;
  };

  return {
    status: page.status,
    html: page.html,
    url: page.url,
    submit: async (username, password) => {
      const result = await follow(
        jar,
        new URL(action, page.url).href,
        { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ username, password }).toString() },
        opts.redirectUri,
      );
      if (result.kind === "page") return { kind: "page", status: result.status, html: result.html, alert: alertText(result.html) };
      const params = new URL(result.url).searchParams;
      if (params.get("error")) throw callbackError(result.url, "after the login form");
      if (params.get("state") !== state) throw new HeadlessSignInError("protocol_error", `state mismatch on the redirect to ${opts.redirectUri}`);
      const code = params.get("code");
      if (!code) throw new HeadlessSignInError("protocol_error", `No code on the redirect to ${opts.redirectUri}`);
      return { kind: "redirect", code, redeem: () => redeem(code), cookieHeader: (url) => jar.header(url) };
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------

interface Metadata {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
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

async function processTokenResponse(response: Response): Promise<HeadlessTokens> {
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
  const tokens: HeadlessTokens = { idToken: str("id_token"), accessToken: str("access_token"), expiresIn };
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

type Followed = { kind: "page"; status: number; html: string; url: string } | { kind: "callback"; url: string };

/** Fetch `url` and follow redirects by hand (cookies in `jar`) until a page, or a redirect to the app's `redirectUri`. */
async function follow(jar: CookieJar, url: string, init: RequestInit, redirectUri: string): Promise<Followed> {
  let current = url;
  let request: RequestInit = init;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const cookie = jar.header(current);
    const response = await fetch(current, { ...request, redirect: "manual", headers: { ...(request.headers as Record<string, string> | undefined), ...(cookie ? { Cookie: cookie } : {}), Accept: "text/html" } });
    jar.store(current, response.headers.getSetCookie());
    const location = response.headers.get("location");
    if (response.status >= 300 && response.status < 400 && location) {
      await response.body?.cancel();
      const next = new URL(location, current).href;
      if (sameEndpoint(next, redirectUri)) return { kind: "callback", url: next };
      current = next;
      request = { method: "GET" }; // 302/303 after POST → GET, as a browser does
      continue;
    }
    return { kind: "page", status: response.status, html: await response.text(), url: current };
  }
  throw new HeadlessSignInError("protocol_error", `More than ${MAX_REDIRECTS} redirects starting at ${url}`);
}

function sameEndpoint(url: string, redirectUri: string): boolean {
  const a = new URL(url);
  const b = new URL(redirectUri);
  return a.origin === b.origin && a.pathname === b.pathname;
}

function callbackError(url: string, when: string): HeadlessSignInError {
  const params = new URL(url).searchParams;
  const error = params.get("error");
  if (!error) return new HeadlessSignInError("protocol_error", `Redirected to the app ${when} without an error: ${url}`);
  const description = params.get("error_description");
  return new HeadlessSignInError("authorization_error", `Authorization failed ${when}: ${error}${description ? ` — ${description}` : ""}`);
}

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (_m, e: string) => {
    const lower = e.toLowerCase();
    if (lower.startsWith("#x")) return String.fromCodePoint(parseInt(lower.slice(2), 16));
    if (lower.startsWith("#")) return String.fromCodePoint(parseInt(lower.slice(1), 10));
    return ({ amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" } as Record<string, string>)[lower] ?? "";
  });
}

function textOf(html: string): string {
  return decodeEntities(html.replace(/<[^>]*>/g, " ")).replace(/\s+/g, " ").trim();
}

function formAction(html: string, id: string): string | undefined {
  for (const [tag] of html.matchAll(/<form\b[^>]*>/gi)) {
    if (attr(tag, "id") === id) return attr(tag, "action");
  }
  return undefined;
}

function attr(tag: string, name: string): string | undefined {
  const m = new RegExp(`\\s${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)')`, "i").exec(tag);
  const raw = m?.[1] ?? m?.[2];
  return raw === undefined ? undefined : decodeEntities(raw);
}

/** Text of the first element with role="alert". */
function alertText(html: string): string | undefined {
  const m = /<(\w+)\b[^>]*\brole\s*=\s*["']alert["'][^>]*>([\s\S]*?)<\/\1>/i.exec(html);
  return m?.[2] === undefined ? undefined : textOf(m[2]);
}

/** Just enough of RFC 6265 for one host: name, path, expiry. */
class CookieJar {
  readonly #cookies = new Map<string, { name: string; value: string; origin: string; path: string; expires: number }>();

  store(url: string, setCookies: string[]): void {
    const { origin, pathname } = new URL(url);
    for (const line of setCookies) {
      const [pair = "", ...attrs] = line.split(";");
      const eq = pair.indexOf("=");
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      let path = pathname.slice(0, pathname.lastIndexOf("/") + 1) || "/";
      let expires = Infinity;
      for (const a of attrs) {
        const [k = "", v = ""] = a.split("=").map((s) => s.trim());
        if (/^path$/i.test(k) && v.startsWith("/")) path = v;
        else if (/^max-age$/i.test(k)) expires = Date.now() + Number(v) * 1000;
        else if (/^expires$/i.test(k) && expires === Infinity) expires = Date.parse(v);
      }
      const key = `${origin} ${path} ${name}`;
      if (expires <= Date.now()) this.#cookies.delete(key);
      else this.#cookies.set(key, { name, value, origin, path, expires });
    }
  }

  header(url: string): string {
    const { origin, pathname } = new URL(url);
    const now = Date.now();
    return [...this.#cookies.values()]
      .filter((c) => c.origin === origin && c.expires > now && (pathname === c.path || pathname.startsWith(c.path.endsWith("/") ? c.path : `${c.path}/`)))
      .map((c) => `${c.name}=${c.value}`)
      .join("; ");
  }
}
