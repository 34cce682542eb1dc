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
}

export interface StackConfig {
  account: string;
  partition: string;
  region: string;
  endpoints: { idp: string; sts: string; app: string };
  oidcProviders: OidcProviderConfig[];
  roles: RoleConfig[];
  users: TestUser[];
  clients: ClientConfig[];
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
  if (overrides.redirectUris) {
    for (const client of config.clients) {
      client.redirectUris.push(...overrides.redirectUris);
      client.postLogoutRedirectUris.push(...overrides.redirectUris);
    }
  }
  const problems = validateStackConfig(config);
  if (problems.length > 0) {
    throw new Error(`Invalid local stack configuration ${file}:\n- ${problems.join("\n- ")}`);
  }
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
  return problems;
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
