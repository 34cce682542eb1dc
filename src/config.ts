/**
 * Runtime configuration (public/config.json), fetched at startup and validated as a whole:
 * every problem is reported at once (CONVENTIONS 9). Pointing the app at real AWS is an edit of that file.
 */

export type ProviderType = "oidc";

export interface ProviderConfig {
  /** Stable id used in query keys and the UI. */
  id: string;
  label: string;
  type: ProviderType;
  /** OIDC issuer URL; discovery is read from `${authority}/.well-known/openid-configuration`. */
  authority: string;
  clientId: string;
  scope: string;
  /**
   * Google requires a client secret even for browser code flows. It is not a secret once shipped to a browser:
   * set it only when the provider insists.
   */
  clientSecret?: string;
  /**
   * Ask for a refresh token (`offline_access`, with `prompt=consent` as OIDC Core §11 requires) and renew the ID token
   * with it, kept in memory only. Off by default: renewal then uses a hidden `prompt=none` request, which needs no
   * long-lived token in the page.
   */
  refreshTokens: boolean;
}

export interface RoleOption {
  label: string;
  arn: string;
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
}

export type ConfigResult = { ok: true; config: AppConfig } | { ok: false; problems: string[] };

const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/(?:[\x21-\x7e]*\/)?[\w+=,.@-]{1,64}$/;
// Same rule as src/aws/sts.ts stsEndpoint(); "aws-global" selects the global endpoint (signed as us-east-1).
const REGION = /^(?:[a-z]{2}(-[a-z]+)+-\d+|aws-global)$/;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function httpUrl(v: unknown): boolean {
  if (typeof v !== "string") return false;
  try {
    const u = new URL(v);
    return u.protocol === "https:" || (u.protocol === "http:" && ["127.0.0.1", "localhost", "[::1]"].includes(u.hostname));
  } catch {
    return false;
  }
}

/** Validate parsed JSON as an AppConfig, listing every problem with its path. */
export function parseConfig(raw: unknown): ConfigResult {
  const problems: string[] = [];
  if (!isRecord(raw)) return { ok: false, problems: ["config.json must be a JSON object"] };

  if (typeof raw.region !== "string" || !REGION.test(raw.region)) problems.push(`region must be an AWS region like "us-east-1", got ${JSON.stringify(raw.region)}`);
  if (raw.stsEndpoint !== undefined && !httpUrl(raw.stsEndpoint)) problems.push("stsEndpoint must be an https URL (http only on 127.0.0.1/localhost)");

  const providers: ProviderConfig[] = [];
  if (!Array.isArray(raw.providers) || raw.providers.length === 0) problems.push("providers must list at least one identity provider");
  else {
    const ids = new Set<string>();
    raw.providers.forEach((p: unknown, i) => {
      const at = `providers[${i}]`;
      if (!isRecord(p)) return void problems.push(`${at} must be an object`);
      const before = problems.length;
      if (typeof p.id !== "string" || !/^[a-z0-9-]{1,32}$/.test(p.id)) problems.push(`${at}.id must be 1–32 lowercase letters, digits or dashes`);
      else if (ids.has(p.id)) problems.push(`${at}.id "${p.id}" is used twice`);
      else ids.add(p.id);
      if (typeof p.label !== "string" || p.label.trim() === "") problems.push(`${at}.label is required`);
      if (p.type !== "oidc") problems.push(`${at}.type must be "oidc"`);
      if (!httpUrl(p.authority)) problems.push(`${at}.authority must be an https URL (http only on 127.0.0.1/localhost)`);
      if (typeof p.clientId !== "string" || p.clientId === "") problems.push(`${at}.clientId is required`);
      if (p.scope !== undefined && (typeof p.scope !== "string" || !p.scope.split(" ").includes("openid"))) problems.push(`${at}.scope must include "openid"`);
      if (p.clientSecret !== undefined && typeof p.clientSecret !== "string") problems.push(`${at}.clientSecret must be a string`);
      if (p.refreshTokens !== undefined && typeof p.refreshTokens !== "boolean") problems.push(`${at}.refreshTokens must be true or false`);
      if (problems.length === before) {
        providers.push({
          id: p.id as string,
          label: p.label as string,
          type: "oidc",
          authority: (p.authority as string).replace(/\/$/, ""),
          clientId: p.clientId as string,
          scope: (p.scope as string | undefined) ?? "openid",
          ...(typeof p.clientSecret === "string" ? { clientSecret: p.clientSecret } : {}),
          refreshTokens: p.refreshTokens === true,
        });
      }
    });
  }

  const roles: RoleOption[] = [];
  if (!Array.isArray(raw.roles) || raw.roles.length === 0) problems.push("roles must list at least one role ARN");
  else {
    raw.roles.forEach((r: unknown, i) => {
      const at = `roles[${i}]`;
      if (!isRecord(r)) return void problems.push(`${at} must be an object`);
      if (typeof r.arn !== "string" || !ROLE_ARN.test(r.arn)) problems.push(`${at}.arn must be a role ARN like arn:aws:iam::123456789012:role/Name, got ${JSON.stringify(r.arn)}`);
      else roles.push({ arn: r.arn, label: typeof r.label === "string" && r.label ? r.label : r.arn });
    });
  }

  const connectOrigins: string[] = [];
  if (raw.connectOrigins !== undefined) {
    if (!Array.isArray(raw.connectOrigins)) problems.push("connectOrigins must be a list of origins");
    else
      raw.connectOrigins.forEach((o: unknown, i) => {
        if (!httpUrl(o) || new URL(o as string).origin !== (o as string).replace(/\/$/, "")) problems.push(`connectOrigins[${i}] must be an origin like https://oauth2.googleapis.com`);
        else connectOrigins.push(new URL(o as string).origin);
      });
  }

  const duration = raw.durationSeconds ?? 3600;
  if (typeof duration !== "number" || !Number.isInteger(duration) || duration < 900 || duration > 43200) problems.push("durationSeconds must be an integer from 900 to 43200");

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
  try {
    return parseConfig(await response.json());
  } catch {
    return { ok: false, problems: [`${url} is not valid JSON`] };
  }
}
