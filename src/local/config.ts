import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { iamUserProblems, type IamUserConfig, type RootConfig } from "./iam/users";
import { moveHosts, moveLoopbackUris } from "./ports";
import { samlConfigProblems, type SamlIdpConfig, type SamlProviderConfig } from "./saml/config";

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

/** The personas that behave like a named provider, each on its own origin (`endpoints[<persona>]`). */
export const PERSONAS = ["google", "amazon", "facebook"] as const;
export type PersonaName = (typeof PERSONAS)[number];

export interface TestUser {
  /** Subject at the generic OpenID provider (`endpoints.idp`). */
  sub: string;
  username: string;
  password: string;
  name: string;
  email: string;
  /**
   * The same person's identifier at each persona, in that provider's format: Google a 21-digit `sub`, Login with Amazon
   * `amzn1.account.…` (`user_id`), Facebook an app-scoped numeric user id.
   */
  subjects: Record<PersonaName, string>;
}

/**
 * The app's registration at each persona (redirect URIs: those of `clients[0]`). Local values, not secrets.
 * - google: OAuth client id `….apps.googleusercontent.com` and the client secret Google's token endpoint demands.
 * - amazon: LWA client id `amzn1.application-oa2-client.…` (`aud` of token-info) and the security profile's app id
 *   `amzn1.application.…` (`app_id` of token-info).
 * - facebook: the app id.
 */
export interface PersonaRegistrations {
  google: { clientId: string; clientSecret: string };
  amazon: { clientId: string; appId: string };
  facebook: { appId: string };
}

/**
 * How the local STS reaches the providers it knows by name (never the real ones: this machine is offline).
 * - `accounts.google.com.issuer`: ID tokens whose `iss` is this URL are Google's (discovery + JWKS from it).
 * - `www.amazon.com.tokenInfoUrl`: called `GET ?access_token=<token>` for `ProviderId=www.amazon.com`.
 * - `graph.facebook.com.debugTokenUrl`: called `GET ?input_token=<token>&access_token=<token>` for
 *   `ProviderId=graph.facebook.com`.
 */
export interface BuiltinProviders {
  "accounts.google.com": { issuer: string };
  "www.amazon.com": { tokenInfoUrl: string };
  "graph.facebook.com": { debugTokenUrl: string };
}

export interface ClientConfig {
  clientId: string;
  /** The app's name as its sign-in pages show it ("to continue to Web Identity Console"); optional. */
  name?: string;
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

/** The local S3 stand-in (`endpoints.s3`). */
export interface S3Config {
  /** Bucket names that exist (path-style: `<endpoint>/<bucket>/<key>`). */
  buckets: string[];
  /** Where objects are stored, relative to the repository root unless absolute; `WIC_S3_DATA_DIR` overrides it. */
  dataDir: string;
  /** Largest object accepted (`EntityTooLarge` above it). */
  maxObjectBytes: number;
  /** Text of the seeded `users/<subject>/welcome.txt`; `${name}` and `${subject}` are filled in. */
  seedText: string;
}

/** The local STS's service settings (`sts` in stack.json; optional). */
export interface StsServiceConfig {
  /** Requests per second above which the STS answers `Throttling` `Rate exceeded` (a token bucket); no limit when absent. */
  maxRequestsPerSecond?: number;
}

/** The origins stack.json names under `endpoints`: the app and each listener of the local stack. */
export type EndpointName = "idp" | "sts" | "app" | "s3" | "saml" | PersonaName;

export interface StackConfig {
  account: string;
  partition: string;
  region: string;
  endpoints: { idp: string; sts: string; app: string; s3: string; saml?: string } & Record<PersonaName, string>;
  oidcProviders: OidcProviderConfig[];
  builtinProviders: BuiltinProviders;
  roles: RoleConfig[];
  /** IAM users with long-term access keys, MFA devices and inline policies (./iam/users.ts); [] when absent. */
  iamUsers: IamUserConfig[];
  /** The account root's long-term keys, when the stack has any (to exercise the root rules). */
  root?: RootConfig;
  users: TestUser[];
  clients: ClientConfig[];
  personas: PersonaRegistrations;
  s3: S3Config;
  /** The OpenID provider's token and session lifetimes; missing keys get {@link DEFAULT_IDP_TTL}. */
  ttl: IdpTtlConfig;
  /** The local STS's settings (throttling). */
  sts?: StsServiceConfig;
  /** IAM SAML identity providers (./saml/config.ts); [] when absent. */
  samlProviders: SamlProviderConfig[];
  /** What the local SAML IdP (`endpoints.saml`) asserts; absent: no local SAML IdP. */
  samlIdp?: SamlIdpConfig;
}

export const DEFAULT_STACK_FILE = fileURLToPath(new URL("./stack.json", import.meta.url));

export interface StackOverrides {
  /** Replace the configured issuer origin (e.g. a test IdP on a random port); every ARN, condition key and policy variable follows. */
  issuer?: string;
  /** Replace a persona's origin (a test persona on a random port); `builtinProviders` URLs follow. */
  personas?: Partial<Record<PersonaName, string>>;
  /**
   * Move any of `endpoints` (`npm start --base-port`, ./ports.ts): wherever the old host[:port] appears it becomes the
   * new one (issuer URLs, IAM OIDC provider names and ARNs, condition keys, policy variables, built-in provider URLs,
   * the SAML metadata URL). Moving `app` also moves the clients' loopback redirect URIs to the app's port. `issuer`
   * and `personas` win over the same entries here.
   */
  endpoints?: Partial<Record<EndpointName, string>>;
  /** Extra redirect URIs for the app client (e.g. an app served on a random port). */
  redirectUris?: string[];
}

/**
 * Read the local stack's configuration, validate it, and apply overrides.
 * Throws one Error listing every problem found.
 */
export function loadStackConfig(file: string = DEFAULT_STACK_FILE, overrides: StackOverrides = {}): StackConfig {
  const text = readFileSync(file, "utf8");
  const raw = JSON.parse(text) as StackConfig;
  const targets: Partial<Record<EndpointName, string>> = { ...overrides.endpoints };
  if (overrides.issuer) targets.idp = overrides.issuer;
  for (const persona of PERSONAS) if (overrides.personas?.[persona]) targets[persona] = overrides.personas[persona];
  const moves = (Object.entries(targets) as [EndpointName, string | undefined][]).flatMap(([name, to]): [string, string][] => {
    const from = raw.endpoints?.[name];
    return to && from ? [[new URL(from).host, new URL(to).host]] : [];
  });
  const config = JSON.parse(moveHosts(text, moves)) as StackConfig;
  if (targets.app) {
    const port = Number(new URL(targets.app).port);
    for (const client of Array.isArray(config.clients) ? config.clients : []) {
      client.redirectUris = moveLoopbackUris(client.redirectUris ?? [], port);
      client.postLogoutRedirectUris = moveLoopbackUris(client.postLogoutRedirectUris ?? [], port);
    }
  }
  const ttl: unknown = config.ttl ?? {};
  config.iamUsers ??= [];
  config.samlProviders ??= [];
  if (overrides.redirectUris) {
    for (const client of config.clients) {
      client.redirectUris.push(...overrides.redirectUris);
      client.postLogoutRedirectUris.push(...overrides.redirectUris);
    }
  }
  const problems = [...validateStackConfig(config), ...iamUserProblems(config), ...samlConfigProblems(config), ...ttlProblems(ttl)];
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
  for (const key of ["idp", "sts", "app", "s3", ...PERSONAS] as const) {
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
    for (const persona of PERSONAS) if (typeof u.subjects?.[persona] !== "string" || u.subjects[persona] === "") problems.push(`users[${i}].subjects.${persona} is required`);
    if (u.subjects && !/^\d{21}$/.test(u.subjects.google)) problems.push(`users[${i}].subjects.google must be 21 digits, like Google's subjects`);
    if (u.subjects && !/^amzn1\.account\.[A-Z0-9]+$/.test(u.subjects.amazon)) problems.push(`users[${i}].subjects.amazon must look like amzn1.account.AF6RHO7KZU5XRVQJGXK6HB56KR2A`);
    if (u.subjects && !/^\d{1,20}$/.test(u.subjects.facebook)) problems.push(`users[${i}].subjects.facebook must be a numeric user id`);
  }
  const p = c.personas;
  if (!p?.google?.clientId || !p.google.clientSecret) problems.push("personas.google needs clientId and clientSecret");
  if (!p?.amazon?.clientId || !p.amazon.appId) problems.push("personas.amazon needs clientId and appId");
  if (!p?.facebook?.appId) problems.push("personas.facebook needs appId");
  const s3 = c.s3;
  if (!Array.isArray(s3?.buckets) || s3.buckets.length === 0 || !s3.buckets.every((b) => /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(b))) {
    problems.push("s3.buckets must list 1 or more valid bucket names (3–63 lowercase letters, digits, dots, dashes)");
  }
  if (typeof s3?.dataDir !== "string" || s3.dataDir === "") problems.push("s3.dataDir is required");
  if (!Number.isInteger(s3?.maxObjectBytes) || (s3?.maxObjectBytes ?? 0) < 1) problems.push("s3.maxObjectBytes must be a positive whole number of bytes");
  if (typeof s3?.seedText !== "string") problems.push("s3.seedText must be a string");
  const b = c.builtinProviders;
  for (const [at, url] of [
    ["builtinProviders[\"accounts.google.com\"].issuer", b?.["accounts.google.com"]?.issuer],
    ["builtinProviders[\"www.amazon.com\"].tokenInfoUrl", b?.["www.amazon.com"]?.tokenInfoUrl],
    ["builtinProviders[\"graph.facebook.com\"].debugTokenUrl", b?.["graph.facebook.com"]?.debugTokenUrl],
  ] as const) {
    if (typeof url !== "string" || URL.parse(url) === null) problems.push(`${at} must be a URL`);
  }
  const rate = c.sts?.maxRequestsPerSecond;
  if (c.sts !== undefined && (typeof c.sts !== "object" || c.sts === null || Array.isArray(c.sts))) problems.push("sts must be an object");
  else if (rate !== undefined && !(typeof rate === "number" && Number.isInteger(rate) && rate >= 1 && rate <= 1_000_000)) {
    problems.push(`sts.maxRequestsPerSecond must be a whole number of requests per second, 1–1000000, got ${JSON.stringify(rate)}`);
  }
  if (!Array.isArray(c.clients) || c.clients.length === 0) problems.push("clients must list the app's OAuth client");
  for (const [i, client] of (Array.isArray(c.clients) ? c.clients : []).entries()) {
    if (typeof client.clientId !== "string" || !client.clientId) problems.push(`clients[${i}].clientId is required`);
    if (typeof client.refreshTokens !== "boolean") problems.push(`clients[${i}].refreshTokens must be true or false`);
    if (client.name !== undefined && (typeof client.name !== "string" || client.name.trim() === "")) problems.push(`clients[${i}].name must be the app's name, got ${JSON.stringify(client.name)}`);
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
