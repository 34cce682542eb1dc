/**
 * The local SAML 2.0 identity provider: the stack's test users (stack.json `users`, same passwords) sign in on a form
 * and get an IdP-initiated `samlp:Response` whose `saml:Assertion` is signed (RSA-SHA256, exclusive c14n, enveloped;
 * ./xml.ts) with a key and self-signed certificate made at boot (./keys.ts), carrying what AWS requires: NameID
 * (persistent: the user's `sub`; or transient), a bearer SubjectConfirmation for `https://signin.aws.amazon.com/saml`,
 * that audience, NotBefore/NotOnOrAfter, SessionNotOnOrAfter, and the Role / RoleSessionName / SessionDuration
 * attributes (stack.json `samlIdp`), plus eduPersonPrincipalName, e-mail and name.
 *
 * Routes (127.0.0.1 only):
 * - `GET /saml/metadata` — the EntityDescriptor (entityID = this URL) with the signing certificate.
 * - `GET /saml/sso?[origin=<app origin>][&RelayState=…][&NameIDFormat=persistent|transient]` — the sign-in form.
 * - `POST /saml/sso` — the form's target: on success the HTTP-POST binding page to AWS's ACS URL, or, when `origin`
 *   named a registered app origin (stack.json `endpoints.app` and the origins of `clients[0].redirectUris`), the
 *   local-stack extension page that `postMessage`s `{type:"saml-response", SAMLResponse, RelayState}` to
 *   `window.opener` for exactly that origin.
 */
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { StackConfig, TestUser } from "../config";
import { closeServer, listen, readBodyUpTo } from "../http";
import { originsOf } from "../tracing";
import { AWS_SAML_ENDPOINT, ATTRIBUTES, NAMEID_FORMAT, renderMetadata, signResponse, type SamlAttribute } from "./assertion";
import { samlProviderArn } from "./config";
import { createSigningCredentials } from "./keys";
import { renderResponsePage, renderSamlLoginPage, renderSamlMessagePage, samlHtmlHeaders } from "./pages";
import type { SigningCredentials } from "./xml";

/** Where the metadata is served. */
export const METADATA_PATH = "/saml/metadata";
/** The sign-in (IdP-initiated SSO) page. */
export const SSO_PATH = "/saml/sso";
/** SAML bindings §3.5.3: RelayState must not exceed 80 bytes. */
export const MAX_RELAY_STATE_BYTES = 80;
/** Default assertion lifetime (Conditions/SubjectConfirmationData NotOnOrAfter − IssueInstant), seconds. */
export const DEFAULT_ASSERTION_LIFETIME = 300;

/** A running local SAML IdP. */
export interface SamlIdpServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** The entityID (= the metadata URL). */
  entityId: string;
  metadataUrl: string;
  /** The sign-in page (IdP-initiated SSO). */
  ssoUrl: string;
  /** The signing certificate (PEM) the metadata publishes. */
  certificatePem: string;
  close(): Promise<void>;
}

export interface SamlIdpOptions {
  config: StackConfig;
  /** Default 0 (a free port); `npm start` uses stack.json's `endpoints.saml` port. */
  port?: number;
  host?: string;
  /** The IdP clock, ms since the epoch. Default `Date.now`. */
  now?: () => number;
  /** Signing key and certificate. Default: made at boot. */
  credentials?: SigningCredentials;
  /** More app origins allowed to receive assertions by postMessage (e.g. a test page). */
  appOrigins?: readonly string[];
  logError?: (message: string, error: unknown) => void;
}

function send(res: ServerResponse, status: number, headers: Record<string, string>, body: string): void {
  res.writeHead(status, { ...headers, "Content-Length": String(Buffer.byteLength(body)) });
  res.end(body);
}

/** The origins that may receive assertions by postMessage: `endpoints.app`, the app client's redirect URI origins, extras. */
export function allowedAppOrigins(config: StackConfig, extra: readonly string[] = []): Set<string> {
  const origins = originsOf(config.clients[0]?.redirectUris ?? []);
  const app = URL.parse(config.endpoints.app);
  if (app) origins.add(app.origin);
  for (const o of extra) {
    const parsed = URL.parse(o);
    if (parsed) origins.add(parsed.origin);
  }
  return origins;
}

interface SsoRequest {
  appOrigin?: string;
  relayState: string;
  nameIdFormat: "persistent" | "transient";
}

/** Start the local SAML IdP on `host:port` (default 127.0.0.1, a free port). */
export async function startSamlIdp(opts: SamlIdpOptions): Promise<SamlIdpServer> {
  const config = opts.config;
  const host = opts.host ?? "127.0.0.1";
  const now = opts.now ?? Date.now;
  const credentials = opts.credentials ?? createSigningCredentials();
  const appOrigins = allowedAppOrigins(config, opts.appOrigins);
  const logError = opts.logError ?? ((message: string, error: unknown) => console.error(message, error));
  const acsOrigin = new URL(AWS_SAML_ENDPOINT).origin;
  let base = "";

  /** Rule: a request names a registered app origin (if any), a RelayState of ≤ 80 bytes and a known NameID format. */
  function ssoRequest(get: (name: string) => string | null): SsoRequest | string {
    const origin = get("origin") ?? "";
    const relayState = get("RelayState") ?? "";
    const format = get("NameIDFormat") ?? "persistent";
    if (origin !== "" && !appOrigins.has(origin)) return `The app origin ${origin} is not registered with the local SAML IdP (stack.json endpoints.app and clients[0].redirectUris).`;
    if (Buffer.byteLength(relayState) > MAX_RELAY_STATE_BYTES) return `RelayState must not exceed ${MAX_RELAY_STATE_BYTES} bytes (SAML bindings §3.5.3).`;
    if (format !== "persistent" && format !== "transient") return `NameIDFormat must be persistent or transient.`;
    return { ...(origin !== "" ? { appOrigin: origin } : {}), relayState, nameIdFormat: format };
  }

  function hiddenFields(r: SsoRequest): Record<string, string> {
    return { origin: r.appOrigin ?? "", RelayState: r.relayState, NameIDFormat: r.nameIdFormat };
  }

  function assertionFor(user: TestUser, r: SsoRequest): string {
    const idp = config.samlIdp;
    const issued = now();
    const lifetime = (idp?.assertionLifetime ?? DEFAULT_ASSERTION_LIFETIME) * 1000;
    const providerArn = samlProviderArn(config, idp?.providerName ?? "");
    const attributes: SamlAttribute[] = [
      { name: ATTRIBUTES.role, friendlyName: "Role", values: (idp?.roles ?? []).map((role) => `${role},${providerArn}`) },
      { name: ATTRIBUTES.roleSessionName, friendlyName: "RoleSessionName", values: [user.username] },
      ...(idp?.sessionDuration !== undefined ? [{ name: ATTRIBUTES.sessionDuration, friendlyName: "SessionDuration", values: [String(idp.sessionDuration)] }] : []),
      { name: "urn:oid:1.3.6.1.4.1.5923.1.1.1.6", friendlyName: "eduPersonPrincipalName", values: [user.email] },
      { name: "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress", friendlyName: "mail", values: [user.email] },
      { name: "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name", friendlyName: "name", values: [user.name] },
    ];
    const { xml } = signResponse(
      {
        issuer: `${base}${METADATA_PATH}`,
        nameId: r.nameIdFormat === "transient" ? `_${randomBytes(16).toString("hex")}` : user.sub,
        nameIdFormat: NAMEID_FORMAT[r.nameIdFormat],
        issueInstant: issued,
        notBefore: issued,
        notOnOrAfter: issued + lifetime,
        sessionNotOnOrAfter: issued + config.ttl.session * 1000,
        attributes,
      },
      credentials,
    );
    return Buffer.from(xml, "utf8").toString("base64");
  }

  function loginPage(res: ServerResponse, status: number, r: SsoRequest, extra: { username?: string; error?: string } = {}): void {
    const html = renderSamlLoginPage({
      action: `${base}${SSO_PATH}`,
      hidden: hiddenFields(r),
      users: config.users,
      ...(r.appOrigin !== undefined ? { appOrigin: r.appOrigin } : {}),
      ...extra,
    });
    send(res, status, samlHtmlHeaders([]), html);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", base);
    const method = req.method ?? "GET";
    if (url.pathname === METADATA_PATH && (method === "GET" || method === "HEAD")) {
      const xml = renderMetadata({ entityId: `${base}${METADATA_PATH}`, ssoUrl: `${base}${SSO_PATH}`, certificatePem: credentials.certificatePem });
      send(res, 200, { "Content-Type": "application/samlmetadata+xml; charset=utf-8", "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff" }, xml);
      return;
    }
    if (url.pathname === SSO_PATH && method === "GET") {
      const r = ssoRequest((n) => url.searchParams.get(n));
      if (typeof r === "string") return send(res, 400, samlHtmlHeaders([]), renderSamlMessagePage("Sign-in request refused", r));
      return loginPage(res, 200, r);
    }
    if (url.pathname === SSO_PATH && method === "POST") {
      const body = await readBodyUpTo(req, 16 * 1024);
      if (body === undefined) return send(res, 413, samlHtmlHeaders([]), renderSamlMessagePage("Request too large", "The sign-in form is larger than 16 KiB."));
      const form = new URLSearchParams(body.toString("utf8"));
      const r = ssoRequest((n) => form.get(n));
      if (typeof r === "string") return send(res, 400, samlHtmlHeaders([]), renderSamlMessagePage("Sign-in request refused", r));
      const username = form.get("username") ?? "";
      const user = config.users.find((u) => u.username === username && u.password === (form.get("password") ?? ""));
      if (!user) return loginPage(res, 401, r, { username, error: "Invalid username or password." });
      const page = renderResponsePage({
        samlResponse: assertionFor(user, r),
        relayState: r.relayState,
        acsUrl: AWS_SAML_ENDPOINT,
        ...(r.appOrigin !== undefined ? { appOrigin: r.appOrigin } : {}),
      });
      return send(res, 200, r.appOrigin !== undefined ? samlHtmlHeaders([], "message") : samlHtmlHeaders([acsOrigin], "binding"), page);
    }
    send(res, 404, samlHtmlHeaders([]), renderSamlMessagePage("Not found", `The local SAML IdP serves ${METADATA_PATH} and ${SSO_PATH}.`));
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      logError("local SAML IdP: failed to answer", error);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  const { url } = await listen(server, opts.port ?? 0, host);
  base = url;
  return {
    url,
    entityId: `${url}${METADATA_PATH}`,
    metadataUrl: `${url}${METADATA_PATH}`,
    ssoUrl: `${url}${SSO_PATH}`,
    certificatePem: credentials.certificatePem,
    close: () => closeServer(server),
  };
}
