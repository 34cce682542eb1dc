/**
 * A local identity provider's own pages, outside oidc-provider's routes: the login form and the automatic consent of
 * the first-party app. GET /interaction/:uid, POST /interaction/:uid/login, POST /interaction/:uid/abort. Every
 * provider (the generic issuer and each persona) serves the same form under its own name, for the same test users,
 * and signs them in under its own subjects.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { createHash, randomUUID, timingSafeEqual } from "node:crypto";
import type ProviderClass from "oidc-provider";
import type { StackConfig, TestUser } from "../config";
import { readBodyUpTo } from "../http";
import { htmlHeaders, renderLoginPage, renderMessagePage } from "./pages";
import type { ProviderProfile } from "./personas";

const MAX_FORM_BYTES = 16 * 1024;

type Interaction = Awaited<ReturnType<ProviderClass["interactionDetails"]>>;

/** The provider whose pages these are. */
export interface InteractionSite {
  provider: ProviderClass;
  config: StackConfig;
  /** Its name on the pages, and the subject a test user signs in under. */
  profile: Pick<ProviderProfile, "displayName" | "subjectOf">;
  /** Where its forms may send the browser (the registered redirect URIs' origins). */
  formOrigins: readonly string[];
}

/** Answer a request under `/interaction/`. Rejects only on unexpected failures (the caller renders a 500 page). */
export async function handleInteraction(site: InteractionSite, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { provider, config, formOrigins } = site;
  const providerName = site.profile.displayName;
  const path = (req.url ?? "").split("?")[0] ?? "";
  const match = /^\/interaction\/([\w-]+)(?:\/(login|abort))?$/.exec(path);
  const uid = match?.[1];
  const action = match?.[2];
  const method = req.method ?? "GET";
  if (!uid || (action === undefined ? method !== "GET" && method !== "HEAD" : method !== "POST")) {
    sendHtml(res, action === undefined && uid ? 405 : 404, formOrigins, renderMessagePage({ providerName, title: "Not found", message: "There is no such page." }));
    return;
  }

  // Throws SessionNotFound when the interaction cookie is missing or the interaction expired.
  const details = await provider.interactionDetails(req, res).catch(() => undefined);
  if (!details || details.uid !== uid) {
    sendHtml(res, 400, formOrigins, renderMessagePage({
      providerName,
      title: "Sign-in expired",
      message: "This sign-in request has expired or was already used. Go back to the app and sign in again.",
    }));
    return;
  }

  const clientId = String(details.params.client_id ?? "");
  const base = `/interaction/${encodeURIComponent(uid)}`;
  const loginPage = (status: number, username?: string, error?: string): void =>
    sendHtml(res, status, formOrigins, renderLoginPage({
      providerName,
      clientId,
      // Every client the stack registers (the generic provider's and each persona's) is this app.
      clientName: config.clients.find((c) => c.clientId === clientId)?.name ?? config.clients[0]?.name,
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
    sendHtml(res, 400, formOrigins, renderMessagePage({ providerName, title: "Unsupported request", message: `This provider cannot handle the "${details.prompt.name}" step.` }));
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
  await provider.interactionFinished(req, res, { login: { accountId: site.profile.subjectOf(user), amr: ["pwd"] } }, { mergeWithLastSubmission: false });
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

export function sendHtml(res: ServerResponse, status: number, formOrigins: readonly string[], html: string): void {
  res.writeHead(status, htmlHeaders(formOrigins));
  res.end(html);
}

