import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** A statement of an IAM policy document, as written in stack.json. */
export interface PolicyStatement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Principal?: "*" | Record<string, string | string[]>;
  NotPrincipal?: Record<string, string | string[]>;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: Record<string, Record<string, string | string[] | boolean>>;
}

export interface PolicyDocument {
  Version?: string;
  Statement: PolicyStatement | PolicyStatement[];
}

export interface OidcProviderConfig {
  /** Issuer URL exactly as the tokens carry it in `iss`. */
  url: string;
  clientIds: string[];
}

export interface RoleConfig {
  name: string;
  path: string;
  description?: string;
  /** Seconds, 3600–43200. */
  maxSessionDuration: number;
  trustPolicy: PolicyDocument;
  permissionPolicies: { name: string; document: PolicyDocument }[];
}

export interface TestUser {
  sub: string;
  username: string;
  password: string;
  name: string;
  email: string;
}

export interface ClientConfig {
  clientId: string;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  /**
   * Whether the client may use the `refresh_token` grant. Even then a refresh token is only issued when the
   * authorization request asked for `offline_access` (together with `prompt=consent`, OIDC Core §11).
   */
  refreshTokens: boolean;
}

/** Lifetimes of the local OpenID provider's artifacts, in seconds. */
export interface IdpTtlConfig {
  /** ID token `exp - iat`. */
  idToken: number;
  /** Access token `expires_in`. */
  accessToken: number;
  /** Absolute lifetime of a refresh-token chain (rotation keeps the original expiry). */
  refreshToken: number;
  /** The IdP's login session (what `prompt=none` finds). */
  session: number;
}

export const DEFAULT_IDP_TTL: Readonly<IdpTtlConfig> = Object.freeze({ idToken: 3600, accessToken: 3600, refreshToken: 86400, session: 86400 });

/** Longest lifetime accepted from stack.json or the environment: one year. */
export const MAX_TTL_SECONDS = 365 * 24 * 60 * 60;

/** Environment variables that override stack.json's `ttl` under `npm start` (see {@link idpTtlFromEnv}). */
export const IDP_TTL_ENV: Readonly<Record<keyof IdpTtlConfig, string>> = Object.freeze({
  idToken: "WIC_IDP_ID_TOKEN_TTL",
  accessToken: "WIC_IDP_ACCESS_TOKEN_TTL",
  refreshToken: "WIC_IDP_REFRESH_TOKEN_TTL",
  session: "WIC_IDP_SESSION_TTL",
});

export interface StackConfig {
  account: string;
  partition: string;
  region: string;
  endpoints: { idp: string; sts: string; app: string };
  oidcProviders: OidcProviderConfig[];
  roles: RoleConfig[];
  users: TestUser[];
  clients: ClientConfig[];
  /** The OpenID provider's token and session lifetimes; missing keys get {@link DEFAULT_IDP_TTL}. */
  ttl: IdpTtlConfig;
}

export const DEFAULT_STACK_FILE = fileURLToPath(new URL("./stack.json", import.meta.url));

export interface StackOverrides {
  /** Replace the configured issuer origin (e.g. a test IdP on a random port); every ARN, condition key and policy variable follows. */
  issuer?: string;
  /** Extra redirect URIs for the app client (e.g. an app served on a random port). */
  redirectUris?: string[];
}

/**
 * Read the local stack's configuration, validate it, and apply overrides.
 * Throws one Error listing every problem found.
 */
export function loadStackConfig(file: string = DEFAULT_STACK_FILE, overrides: StackOverrides = {}): StackConfig {
  let text = readFileSync(file, "utf8");
  const raw = JSON.parse(text) as StackConfig;
  if (overrides.issuer) {
    const from = new URL(raw.endpoints.idp).host;
    const to = new URL(overrides.issuer).host;
    text = text.split(from).join(to);
  }
  const config = JSON.parse(text) as StackConfig;
  const ttl: unknown = config.ttl ?? {};
  if (overrides.redirectUris) {
    for (const client of config.clients) {
      client.redirectUris.push(...overrides.redirectUris);
      client.postLogoutRedirectUris.push(...overrides.redirectUris);
    }
  }
  const problems = [...validateStackConfig(config), ...ttlProblems(ttl)];
  if (problems.length > 0) {
    throw new Error(`Invalid local stack configuration ${file}:\n- ${problems.join("\n- ")}`);
  }
  const given = ttl as Partial<IdpTtlConfig>;
  config.ttl = {
    idToken: given.idToken ?? DEFAULT_IDP_TTL.idToken,
    accessToken: given.accessToken ?? DEFAULT_IDP_TTL.accessToken,
    refreshToken: given.refreshToken ?? DEFAULT_IDP_TTL.refreshToken,
    session: given.session ?? DEFAULT_IDP_TTL.session,
  };
  return config;
}

function validateStackConfig(c: StackConfig): string[] {
  const problems: string[] = [];
  if (!/^\d{12}$/.test(String(c.account))) problems.push(`account must be 12 digits, got ${JSON.stringify(c.account)}`);
  if (!c.region) problems.push("region is required");
  for (const key of ["idp", "sts", "app"] as const) {
    try {
      new URL(c.endpoints?.[key] ?? "");
    } catch {
      problems.push(`endpoints.${key} must be a URL`);
    }
  }
  if (!Array.isArray(c.oidcProviders) || c.oidcProviders.length === 0) problems.push("oidcProviders must list at least one provider");
  for (const [i, p] of (c.oidcProviders ?? []).entries()) {
    try {
      new URL(p.url);
    } catch {
      problems.push(`oidcProviders[${i}].url must be a URL`);
    }
    if (!Array.isArray(p.clientIds) || p.clientIds.length === 0 || p.clientIds.length > 100) {
      problems.push(`oidcProviders[${i}].clientIds must list 1–100 client ids`);
    }
  }
  const names = new Set<string>();
  for (const [i, r] of (c.roles ?? []).entries()) {
    if (!/^[\w+=,.@-]{1,64}$/.test(r.name ?? "")) problems.push(`roles[${i}].name is not a valid role name`);
    if (names.has(r.name)) problems.push(`roles[${i}].name ${r.name} is duplicated`);
    names.add(r.name);
    if (!/^\/([\x21-\x7e]*\/)?$/.test(r.path ?? "")) problems.push(`roles[${i}].path must start and end with /`);
    if (!Number.isInteger(r.maxSessionDuration) || r.maxSessionDuration < 3600 || r.maxSessionDuration > 43200) {
      problems.push(`roles[${i}].maxSessionDuration must be an integer 3600–43200`);
    }
    if (!r.trustPolicy?.Statement) problems.push(`roles[${i}].trustPolicy needs a Statement`);
  }
  for (const [i, u] of (c.users ?? []).entries()) {
    if (!u.sub || !u.username || !u.password) problems.push(`users[${i}] needs sub, username and password`);
  }
  if (!Array.isArray(c.clients) || c.clients.length === 0) problems.push("clients must list the app's OAuth client");
  for (const [i, client] of (Array.isArray(c.clients) ? c.clients : []).entries()) {
    if (typeof client.clientId !== "string" || !client.clientId) problems.push(`clients[${i}].clientId is required`);
    if (typeof client.refreshTokens !== "boolean") problems.push(`clients[${i}].refreshTokens must be true or false`);
  }
  return problems;
}

function ttlProblems(ttl: unknown): string[] {
  if (typeof ttl !== "object" || ttl === null || Array.isArray(ttl)) return ["ttl must be an object of lifetimes in seconds"];
  const problems: string[] = [];
  const known = new Set(Object.keys(DEFAULT_IDP_TTL));
  for (const [key, value] of Object.entries(ttl)) {
    if (key.startsWith("$")) continue; // $comment
    if (!known.has(key)) problems.push(`ttl.${key} is not a known lifetime (${[...known].join(", ")})`);
    else if (!isTtl(value)) problems.push(`ttl.${key} must be a whole number of seconds, 1–${MAX_TTL_SECONDS}, got ${JSON.stringify(value)}`);
  }
  return problems;
}

function isTtl(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= 1 && value <= MAX_TTL_SECONDS;
}

/**
 * The IdP lifetimes set in the environment (`WIC_IDP_ID_TOKEN_TTL`, `WIC_IDP_ACCESS_TOKEN_TTL`,
 * `WIC_IDP_REFRESH_TOKEN_TTL`, `WIC_IDP_SESSION_TTL`: whole seconds). Unset or empty variables are left out.
 * @throws Error naming every variable that is not a positive integer (1–{@link MAX_TTL_SECONDS}).
 */
export function idpTtlFromEnv(env: Readonly<Record<string, string | undefined>>): Partial<IdpTtlConfig> {
  const ttl: Partial<IdpTtlConfig> = {};
  const problems: string[] = [];
  for (const [key, name] of Object.entries(IDP_TTL_ENV) as [keyof IdpTtlConfig, string][]) {
    const raw = env[name]?.trim();
    if (raw === undefined || raw === "") continue;
    const value = /^\d{1,9}$/.test(raw) ? Number(raw) : NaN;
    if (isTtl(value)) ttl[key] = value;
    else problems.push(`${name} must be a positive whole number of seconds (1–${MAX_TTL_SECONDS}), got ${JSON.stringify(env[name])}`);
  }
  if (problems.length > 0) throw new Error(problems.join("\n"));
  return ttl;
}

/** host[:port]/path of an issuer URL: IAM's provider name and condition-key prefix. */
export function providerName(url: string): string {
  const u = new URL(url);
  return (u.host + u.pathname).replace(/\/$/, "");
}

/** arn:aws:iam::ACCOUNT:oidc-provider/HOST/PATH */
export function providerArn(config: StackConfig, url: string): string {
  return `arn:${config.partition}:iam::${config.account}:oidc-provider/${providerName(url)}`;
}

/** arn:aws:iam::ACCOUNT:role/PATH/NAME */
export function roleArn(config: StackConfig, role: RoleConfig): string {
  return `arn:${config.partition}:iam::${config.account}:role${role.path}${role.name}`;
}
