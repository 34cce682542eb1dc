/**
 * The oidc-provider configuration of a local identity provider (see server.ts for what the app sees): the provider's
 * profile (personas.ts: routes, clients, scopes, claims, features), the test users as accounts under the provider's
 * subjects, token lifetimes, the refresh-token rule, RP-initiated logout pages and the interaction policy with the
 * local-stack "refuse silent renewal" check.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { exportJWK, generateKeyPair } from "jose";
import type { Account, AdapterFactory, ClientMetadata, Configuration, interactionPolicy as InteractionPolicy, KoaContextWithOIDC } from "oidc-provider";
import type { IdpTtlConfig, StackConfig, TestUser } from "../config";
import type { StackControls } from "../controls";
import { htmlHeaders, renderLogoutPage, renderMessagePage } from "./pages";
import { PROVIDER_PROFILES, type ProviderProfile } from "./personas";

/** The generic issuer's name on its pages. */
export const PROVIDER_NAME = PROVIDER_PROFILES.oidc.displayName;
/** The generic issuer's scopes. */
export const SCOPES = PROVIDER_PROFILES.oidc.scopes;

/** Seconds of clock skew oidc-provider tolerates; the memory adapter keeps entries this much longer. */
export const CLOCK_TOLERANCE_SECONDS = 15;

export interface ConfigurationInput {
  config: StackConfig;
  /** Which provider this is (personas.ts). */
  profile: ProviderProfile;
  /** The provider's store (adapter.ts), created with the stack clock. */
  adapter: AdapterFactory;
  port: number;
  /** Effective lifetimes (stack.json's `ttl`, overridden by startIdp's `ttl` option). */
  ttl: IdpTtlConfig;
  /** oidc-provider's `interactionPolicy` export (loaded with the library). */
  policy: typeof InteractionPolicy;
  controls?: StackControls;
  /** One line per noteworthy event (a refused silent renewal). */
  log: (line: string) => void;
}

export async function buildConfiguration(input: ConfigurationInput): Promise<Configuration> {
  const { config, port, ttl, profile } = input;
  const users = config.users;
  const clients = profile.clients(config);
  const formOrigins = clientOrigins(clients);
  const { displayName } = profile;

  const { privateKey } = await generateKeyPair("RS256", { extractable: true });
  const jwk = await exportJWK(privateKey);
  const signingKey = { ...jwk, kid: `idp-${randomUUID()}`, alg: "RS256", use: "sig" };

  const corsOrigins = new Map(clients.map((c) => [c.client_id, new Set(clientOrigins([c]))]));

  return {
    adapter: input.adapter,
    clockTolerance: CLOCK_TOLERANCE_SECONDS,
    jwks: { keys: [signingKey] },
    cookies: {
      keys: [randomBytes(32).toString("base64url")],
      // Cookies are shared by every port of 127.0.0.1: name them per port so two local IdPs (personas, tests) never
      // overwrite each other's session.
      names: { session: `_idp${port}_session`, interaction: `_idp${port}_interaction`, resume: `_idp${port}_resume` },
    },
    clients,
    routes: profile.routes,
    responseTypes: ["code"],
    pkce: { required: () => true },
    scopes: [...profile.scopes],
    claims: profile.claims,
    // Put the profile/email claims the scopes grant into the ID token too (as Google does), not only into userinfo.
    conformIdTokenClaims: false,
    findAccount: (ctx, accountId) => {
      const user = users.find((u) => profile.subjectOf(u) === accountId);
      return user ? accountFor(profile, user, ctx) : undefined;
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
    // A (rotating) refresh token only for an authorization that kept `offline_access` — oidc-provider keeps it only
    // with `prompt=consent` (OIDC Core §11) and only for a client allowed the refresh_token grant. This is the
    // library's default rule, spelled out. Such a token is not bound to the IdP session (`expiresWithSession` is
    // false with offline_access): it outlives RP-initiated logout until it expires or is revoked.
    issueRefreshToken: (_ctx, client, code) => client.grantTypeAllowed("refresh_token") && code.scopes.has("offline_access"),
    clientBasedCORS: (_ctx, origin, client) => origin !== "null" && (corsOrigins.get(client.clientId)?.has(origin) ?? false),
    interactions: {
      policy: interactionPolicyWithControls(input),
      url: (_ctx, interaction) => `/interaction/${interaction.uid}`,
    },
    features: {
      devInteractions: { enabled: false },
      revocation: { enabled: profile.revocation },
      userinfo: { enabled: profile.userinfo },
      rpInitiatedLogout: {
        enabled: profile.rpInitiatedLogout,
        logoutSource: (ctx, form) => {
          const autoSubmit = logoutProven(ctx);
          setHtml(ctx, formOrigins, autoSubmit);
          ctx.body = renderLogoutPage({ providerName: displayName, clientId: ctx.oidc.client?.clientId, form, autoSubmit });
        },
        postLogoutSuccessSource: (ctx) => {
          setHtml(ctx, formOrigins);
          ctx.body = renderMessagePage({ providerName: displayName, title: "Signed out", message: "You are signed out. You can close this page." });
        },
      },
    },
    renderError: (ctx, out) => {
      setHtml(ctx, formOrigins);
      ctx.body = renderMessagePage({
        providerName: displayName,
        title: "Sign-in error",
        message: out.error_description ?? "The request could not be processed.",
        details: { error: out.error },
      });
    },
    ttl: {
      AccessToken: ttl.accessToken,
      IdToken: ttl.idToken,
      AuthorizationCode: 60,
      Interaction: 3600,
      Session: ttl.session,
      Grant: Math.max(24 * 60 * 60, ttl.refreshToken, ttl.session),
      // Rotation hands out a new refresh token on every use; it inherits the remaining lifetime of the one it replaces.
      RefreshToken: (ctx) => ctx.oidc.entities.RotatedRefreshToken?.remainingTTL ?? ttl.refreshToken,
    },
  };
}

/**
 * oidc-provider's default policy plus one `login` check: while the test control refuses silent renewal for the
 * session's user, a `prompt=none` request fails that check, which oidc-provider answers with `login_required` on the
 * redirect URI — exactly what a provider says when its session is gone. Interactive requests are not affected.
 */
function interactionPolicyWithControls(input: ConfigurationInput): InteractionPolicy.Prompt[] {
  const { policy, controls, config, profile, log } = input;
  const prompts = policy.base();
  if (!controls) return prompts;
  const { Check } = policy;
  prompts.get("login")?.checks.add(
    new Check("silent_renewal_refused", "End-User authentication is required", "login_required", (ctx) => {
      const accountId = ctx.oidc.session?.accountId;
      if (!ctx.oidc.prompts.has("none") || !accountId) return Check.NO_NEED_TO_PROMPT;
      const user = config.users.find((u) => profile.subjectOf(u) === accountId);
      if (!user || !controls.isSilentRenewalRefused(user.username)) return Check.NO_NEED_TO_PROMPT;
      log(`prompt=none for ${user.username} answered login_required (test control: silent renewal refused)`);
      return Check.REQUEST_PROMPT;
    }),
  );
  return prompts;
}

/**
 * Whether an RP-initiated logout request proved who sent it: oidc-provider has already validated the `id_token_hint`
 * (signature, issuer, audience = the client; expiry is ignored, as the spec allows) before the page is rendered, and
 * the hint must name the user whose session is being ended.
 */
function logoutProven(ctx: KoaContextWithOIDC): boolean {
  const hint = ctx.oidc.entities.IdTokenHint;
  return hint !== undefined && ctx.oidc.client !== undefined && typeof hint.payload.sub === "string" && hint.payload.sub === ctx.oidc.session?.accountId;
}

function accountFor(profile: ProviderProfile, user: TestUser, ctx: KoaContextWithOIDC): Account {
  return {
    accountId: profile.subjectOf(user),
    claims: (use) => profile.accountClaims(user, use, ctx),
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

/** Every origin of the clients' redirect and post-logout redirect URIs (the forms' `form-action` targets, the origins CORS answers). */
export function clientOrigins(clients: readonly ClientMetadata[]): string[] {
  return [...new Set(originsOf(clients.flatMap((c) => [...(c.redirect_uris ?? []), ...(c.post_logout_redirect_uris ?? [])])))];
}

function setHtml(ctx: KoaContextWithOIDC, formOrigins: readonly string[], logoutScript = false): void {
  for (const [name, value] of Object.entries(htmlHeaders(formOrigins, { logoutScript }))) ctx.set(name, value);
}
