/**
 * Runtime configuration (public/config.json), fetched at startup and validated as a whole:
 * every problem is reported at once (CONVENTIONS 9). Pointing the app at real AWS is an edit of that file.
 */
import { parseStsCalls, type StsCallsConfig } from "./configCalls.ts";
import { httpUrl, isRecord, ROLE_ARN } from "./configRules.ts";

/**
 * How the app signs in: `oidc` — OpenID Connect code flow + PKCE, endpoints from the issuer's discovery document
 * (Google, Cognito, Auth0, Keycloak, the local provider); `oauth2` — plain OAuth 2.0 code flow + PKCE with the
 * endpoints written in the profile, no discovery and no ID token (Login with Amazon, Facebook Login).
 */
export type ProviderType = "oidc" | "oauth2";

/** Which of the provider's tokens AssumeRoleWithWebIdentity receives as `WebIdentityToken`. */
export type StsTokenKind = "id_token" | "access_token";

/** STS's `ProviderId` values: "www.amazon.com and graph.facebook.com are the only supported identity providers for OAuth 2.0 access tokens". */
export const STS_PROVIDER_IDS = ["www.amazon.com", "graph.facebook.com"] as const;
export type StsProviderId = (typeof STS_PROVIDER_IDS)[number];

interface ProviderProfileBase {
  /** Stable id used in query keys, the URL state and the UI. */
  id: string;
  /** The provider's name as users know it: the button reads "Sign in with <label>". */
  label: string;
  clientId: string;
  /** Space-separated scopes asked for. */
  scope: string;
  /**
   * Google requires a client secret even for browser code flows with PKCE. It is not a secret once shipped to a
   * browser: set it only when the provider insists.
   */
  clientSecret?: string;
  /**
   * A URL the app calls with the access token (`Authorization: Bearer`) to show who signed in — Login with Amazon's
   * `/user/profile`, Facebook's `/me`. Only for display: STS checks the token itself.
   */
  profileEndpoint?: string;
}

/** An OpenID Connect provider: its ID token goes to STS without `ProviderId`. */
export interface OidcProviderProfile extends ProviderProfileBase {
  type: "oidc";
  /** OIDC issuer URL; discovery is read from `${authority}/.well-known/openid-configuration`. */
  authority: string;
  stsToken: "id_token";
  /**
   * Ask for a refresh token (`offline_access`, with `prompt=consent` as OIDC Core §11 requires) and renew the ID token
   * with it, kept in memory only. Off by default: renewal then uses a hidden `prompt=none` request, which needs no
   * long-lived token in the page.
   */
  refreshTokens: boolean;
}

/** An OAuth 2.0 provider STS knows by name: its opaque access token goes to STS with `ProviderId`. */
export interface OAuth2ProviderProfile extends ProviderProfileBase {
  type: "oauth2";
  authorizationEndpoint: string;
  tokenEndpoint: string;
  stsToken: "access_token";
  providerId: StsProviderId;
  refreshTokens: false;
}

export type ProviderConfig = OidcProviderProfile | OAuth2ProviderProfile;

export interface RoleOption {
  label: string;
  arn: string;
  /** Ids of the providers whose users this role is offered to; absent: every provider. */
  providers?: string[];
}

export interface AppConfig {
  region: string;
  /** STS endpoint URL; omitted → the regional endpoint https://sts.{region}.amazonaws.com. */
  stsEndpoint?: string;
  providers: ProviderConfig[];
  roles: RoleOption[];
  durationSeconds: number;
  /**
   * Refresh credentials this many seconds before they expire. Absent: 10 % of the session's length, at least 60 s
   * (see `refreshMarginSeconds()` in src/credentials/expiry.ts).
   */
  refreshMarginSeconds?: number;
  /**
   * Extra origins the browser must reach besides the STS endpoint and the providers' authorities — e.g. Google's
   * token endpoint https://oauth2.googleapis.com. Used for the production Content-Security-Policy's connect-src.
   */
  connectOrigins: string[];
  /** What the console's "More STS calls" panel offers (./configCalls.ts). */
  stsCalls: StsCallsConfig;
}

export type ConfigResult = { ok: true; config: AppConfig } | { ok: false; problems: string[] };

// Same rule as src/aws/sts.ts stsEndpoint(); "aws-global" selects the global endpoint (signed as us-east-1).
const REGION = /^(?:[a-z]{2}(-[a-z]+)+-\d+|aws-global)$/;

/** The bad value, echoed in a problem: `, got "http://…"`. */
function got(value: unknown): string {
  return `, got ${value === undefined ? "nothing" : JSON.stringify(value)}`;
}

function stringField(p: Record<string, unknown>, key: string): string | undefined {
  return typeof p[key] === "string" ? (p[key] as string) : undefined;
}

/**
 * One provider profile, or undefined after pushing every problem found. The rules keep a profile consistent with what
 * STS accepts: an ID token goes without `ProviderId` and needs an OpenID provider; an access token needs the
 * `ProviderId` of one of the two OAuth 2.0 providers STS knows.
 */
function parseProvider(p: Record<string, unknown>, at: string, ids: Set<string>, problems: string[]): ProviderConfig | undefined {
  const before = problems.length;
  if (typeof p.id !== "string" || !/^[a-z0-9-]{1,32}$/.test(p.id)) problems.push(`${at}.id must be 1–32 lowercase letters, digits or dashes${got(p.id)}`);
  else if (ids.has(p.id)) problems.push(`${at}.id "${p.id}" is used twice`);
  else ids.add(p.id);
  if (typeof p.label !== "string" || p.label.trim() === "") problems.push(`${at}.label is required`);
  if (typeof p.clientId !== "string" || p.clientId === "") problems.push(`${at}.clientId is required`);
  if (p.clientSecret !== undefined && typeof p.clientSecret !== "string") problems.push(`${at}.clientSecret must be a string${got(p.clientSecret)}`);
  if (p.refreshTokens !== undefined && typeof p.refreshTokens !== "boolean") problems.push(`${at}.refreshTokens must be true or false${got(p.refreshTokens)}`);
  if (p.profileEndpoint !== undefined && !httpUrl(p.profileEndpoint)) problems.push(`${at}.profileEndpoint must be an https URL (http only on 127.0.0.1/localhost)${got(p.profileEndpoint)}`);
  if (p.scope !== undefined && (typeof p.scope !== "string" || p.scope.trim() === "")) problems.push(`${at}.scope must be a space-separated list of scopes${got(p.scope)}`);

  const type = p.type;
  const stsToken = p.stsToken ?? (type === "oauth2" ? "access_token" : "id_token");
  if (type !== "oidc" && type !== "oauth2") problems.push(`${at}.type must be "oidc" (OpenID Connect with discovery) or "oauth2" (OAuth 2.0 with endpoints written here)${got(type)}`);
  if (stsToken !== "id_token" && stsToken !== "access_token") problems.push(`${at}.stsToken must be "id_token" or "access_token" (the token STS receives), got ${JSON.stringify(p.stsToken)}`);
  const providerId = p.providerId;
  if (providerId !== undefined && !(STS_PROVIDER_IDS as readonly unknown[]).includes(providerId)) {
    problems.push(`${at}.providerId ${JSON.stringify(providerId)} is not a ProviderId STS supports: only ${STS_PROVIDER_IDS.join(" and ")} take OAuth 2.0 access tokens; leave it out for OpenID Connect ID tokens`);
  }
  if (stsToken === "access_token" && providerId === undefined) {
    problems.push(`${at}.stsToken "access_token" needs providerId (${STS_PROVIDER_IDS.join(" or ")}): STS checks an access token by calling the provider that providerId names`);
  }
  if (stsToken === "id_token" && providerId !== undefined) {
    problems.push(`${at}.providerId must be left out when STS receives the ID token: ProviderId is only for OAuth 2.0 access tokens`);
  }
  const scope = stringField(p, "scope") ?? (type === "oidc" ? "openid" : "");
  if (type === "oidc") {
    if (p.authority === undefined) problems.push(`${at}.authority is required for an OpenID Connect provider: the issuer URL whose /.well-known/openid-configuration the app reads`);
    else if (!httpUrl(p.authority)) problems.push(`${at}.authority must be an https URL (http only on 127.0.0.1/localhost)${got(p.authority)}`);
    if (!scope.split(" ").includes("openid")) problems.push(`${at}.scope must include "openid"`);
    if (stsToken === "access_token") problems.push(`${at}.stsToken "access_token" needs type "oauth2": STS takes the ID token of an OpenID Connect provider`);
  } else if (type === "oauth2") {
    if (p.authority !== undefined) problems.push(`${at}.authority is only for OpenID Connect providers: an OAuth 2.0 provider has no discovery, so name authorizationEndpoint and tokenEndpoint`);
    for (const key of ["authorizationEndpoint", "tokenEndpoint"]) {
      if (!httpUrl(p[key])) problems.push(`${at}.${key} is required for an OAuth 2.0 provider: an https URL (http only on 127.0.0.1/localhost)${got(p[key])}`);
    }
    if (stsToken === "id_token") problems.push(`${at}.stsToken "id_token" needs type "oidc": an OAuth 2.0 provider gives no ID token`);
    if (p.refreshTokens === true) problems.push(`${at}.refreshTokens is only for OpenID Connect providers`);
    if (scope === "") problems.push(`${at}.scope is required for an OAuth 2.0 provider (e.g. "profile" for Login with Amazon)`);
  }
  if (problems.length > before) return undefined;

  const base = {
    id: p.id as string,
    label: p.label as string,
    clientId: p.clientId as string,
    scope,
    ...(typeof p.clientSecret === "string" ? { clientSecret: p.clientSecret } : {}),
    ...(typeof p.profileEndpoint === "string" ? { profileEndpoint: p.profileEndpoint } : {}),
  };
  if (type === "oidc") return { ...base, type, authority: (p.authority as string).replace(/\/$/, ""), stsToken: "id_token", refreshTokens: p.refreshTokens === true };
  return {
    ...base,
    type: "oauth2",
    authorizationEndpoint: p.authorizationEndpoint as string,
    tokenEndpoint: p.tokenEndpoint as string,
    stsToken: "access_token",
    providerId: providerId as StsProviderId,
    refreshTokens: false,
  };
}

/** The roles offered to the users of one provider, in config order. */
export function rolesFor(config: Pick<AppConfig, "roles">, providerId: string): RoleOption[] {
  return config.roles.filter((r) => r.providers === undefined || r.providers.includes(providerId));
}

/** Every origin the browser talks to for this provider (for the Content-Security-Policy). */
export function providerOrigins(p: ProviderConfig): string[] {
  const urls = p.type === "oidc" ? [p.authority] : [p.authorizationEndpoint, p.tokenEndpoint];
  if (p.profileEndpoint) urls.push(p.profileEndpoint);
  return [...new Set(urls.map((u) => new URL(u).origin))];
}

/** Validate parsed JSON as an AppConfig, listing every problem with its path. */
export function parseConfig(raw: unknown): ConfigResult {
  const problems: string[] = [];
  if (!isRecord(raw)) return { ok: false, problems: ["config.json must be a JSON object"] };

  if (typeof raw.region !== "string" || !REGION.test(raw.region)) problems.push(`region must be an AWS region like "us-east-1", got ${JSON.stringify(raw.region)}`);
  if (raw.stsEndpoint !== undefined && !httpUrl(raw.stsEndpoint)) problems.push(`stsEndpoint must be an https URL (http only on 127.0.0.1/localhost)${got(raw.stsEndpoint)}`);

  const providers: ProviderConfig[] = [];
  if (!Array.isArray(raw.providers) || raw.providers.length === 0) problems.push("providers must list at least one identity provider");
  else {
    const ids = new Set<string>();
    raw.providers.forEach((p: unknown, i) => {
      const at = `providers[${i}]`;
      if (!isRecord(p)) return void problems.push(`${at} must be an object`);
      const profile = parseProvider(p, at, ids, problems);
      if (profile) providers.push(profile);
    });
  }

  const roles: RoleOption[] = [];
  if (!Array.isArray(raw.roles) || raw.roles.length === 0) problems.push("roles must list at least one role ARN");
  else {
    raw.roles.forEach((r: unknown, i) => {
      const at = `roles[${i}]`;
      if (!isRecord(r)) return void problems.push(`${at} must be an object`);
      const before = problems.length;
      if (typeof r.arn !== "string" || !ROLE_ARN.test(r.arn)) problems.push(`${at}.arn must be a role ARN like arn:aws:iam::123456789012:role/Name, got ${JSON.stringify(r.arn)}`);
      const known = providers.map((p) => p.id);
      if (r.providers !== undefined) {
        if (!Array.isArray(r.providers) || r.providers.length === 0 || !r.providers.every((id) => typeof id === "string")) {
          problems.push(`${at}.providers must list the ids of the providers this role is offered to`);
        } else {
          for (const id of r.providers as string[]) if (!known.includes(id) && providers.length === (raw.providers as unknown[]).length) problems.push(`${at}.providers names "${id}", which is not a configured provider (${known.join(", ")})`);
        }
      }
      if (problems.length === before) {
        roles.push({
          arn: r.arn as string,
          label: typeof r.label === "string" && r.label ? r.label : (r.arn as string),
          ...(Array.isArray(r.providers) ? { providers: r.providers as string[] } : {}),
        });
      }
    });
  }

  const connectOrigins: string[] = [];
  if (raw.connectOrigins !== undefined) {
    if (!Array.isArray(raw.connectOrigins)) problems.push("connectOrigins must be a list of origins");
    else
      raw.connectOrigins.forEach((o: unknown, i) => {
        if (!httpUrl(o) || new URL(o as string).origin !== (o as string).replace(/\/$/, "")) problems.push(`connectOrigins[${i}] must be an origin like https://oauth2.googleapis.com${got(o)}`);
        else connectOrigins.push(new URL(o as string).origin);
      });
  }

  if (problems.length === 0) {
    for (const p of providers) {
      if (rolesFor({ roles }, p.id).length === 0) problems.push(`providers "${p.id}" has no role: list it in some role's "providers" (or leave a role's "providers" out to offer it to everyone)`);
    }
  }

  const stsCalls = parseStsCalls(raw.stsCalls, problems);

  const duration = raw.durationSeconds ?? 3600;
  if (typeof duration !== "number" || !Number.isInteger(duration) || duration < 900 || duration > 43200) problems.push(`durationSeconds must be an integer from 900 to 43200${got(duration)}`);

  const margin = raw.refreshMarginSeconds;
  if (margin !== undefined && (typeof margin !== "number" || !Number.isInteger(margin) || margin < 10 || margin > 3600)) {
    problems.push(`refreshMarginSeconds must be a whole number of seconds from 10 to 3600, got ${JSON.stringify(margin)}`);
  }

  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    config: {
      region: raw.region as string,
      ...(typeof raw.stsEndpoint === "string" ? { stsEndpoint: raw.stsEndpoint.replace(/\/$/, "") } : {}),
      providers,
      roles,
      durationSeconds: duration as number,
      ...(typeof margin === "number" ? { refreshMarginSeconds: margin } : {}),
      connectOrigins,
      stsCalls,
    },
  };
}

/** Fetch and validate config.json; network and JSON failures become problems too. */
export async function loadConfig(url = "/config.json", fetchImpl: typeof fetch = fetch): Promise<ConfigResult> {
  let response: Response;
  try {
    response = await fetchImpl(url, { cache: "no-store" });
  } catch (e) {
    return { ok: false, problems: [`could not fetch ${url}: ${(e as Error).message}`] };
  }
  if (!response.ok) return { ok: false, problems: [`could not fetch ${url}: HTTP ${response.status}`] };
  let text: string;
  try {
    text = await response.text();
  } catch (e) {
    return { ok: false, problems: [`could not read ${url}: ${(e as Error).message}`] };
  }
  try {
    return parseConfig(JSON.parse(text));
  } catch (e) {
    return { ok: false, problems: [`${url} is not valid JSON: ${jsonSyntaxProblem(text, e)}`] };
  }
}

/**
 * Where a JSON syntax error is, as line and column (1-based) with the line quoted (by `quote`: as a JSON string by
 * default). Browsers say it differently: Chrome "… at position 123 (line 5 column 3)", Firefox "… at line 5 column 3
 * of the JSON data", Safari without a position (then only its message).
 */
export function jsonSyntaxProblem(text: string, error: unknown, quote: (line: string) => string = JSON.stringify): string {
  const message = error instanceof Error ? error.message : String(error);
  const lineColumn = /line (\d+) column (\d+)/.exec(message);
  const position = /position (\d+)/.exec(message);
  let line: number;
  let column: number;
  if (lineColumn) {
    line = Number(lineColumn[1]);
    column = Number(lineColumn[2]);
  } else if (position) {
    const before = text.slice(0, Number(position[1])).split("\n");
    line = before.length;
    column = (before.at(-1)?.length ?? 0) + 1;
  } else return message;
  const quoted = (text.split("\n")[line - 1] ?? "").trimEnd();
  return `line ${line}, column ${column}: ${message.replace(/\s*\(?(?:at )?(?:position \d+|line \d+ column \d+)[^)]*\)?/g, "").trim()}${quoted ? ` — ${quote(quoted.length > 120 ? `${quoted.slice(0, 117)}…` : quoted)}` : ""}`;
}
