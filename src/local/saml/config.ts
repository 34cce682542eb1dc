/**
 * The SAML parts of stack.json: `samlProviders` (IAM SAML identity providers of the account: a name, hence the ARN
 * `arn:PARTITION:iam::ACCOUNT:saml-provider/NAME`, and where the IdP's metadata comes from) and `samlIdp` (what the
 * local SAML IdP on `endpoints.saml` puts in its assertions). IAM User Guide "Create a SAML identity provider in IAM".
 */
import type { StackConfig } from "../config";

/** An IAM SAML provider: its metadata comes from `metadataUrl` (fetched once, then cached) or `metadataFile`. */
export interface SamlProviderConfig {
  /** 1–128 characters of `[\w._-]` (IAM `CreateSAMLProvider` `Name`). */
  name: string;
  /** The IdP's metadata URL (the local IdP serves it at `<endpoints.saml>/saml/metadata`). */
  metadataUrl?: string;
  /** A metadata XML file, relative to the repository root unless absolute. */
  metadataFile?: string;
  description?: string;
}

/** What the local SAML IdP asserts. */
export interface SamlIdpConfig {
  /** The IAM SAML provider (in `samlProviders`) that trusts this IdP: the second half of every Role attribute pair. */
  providerName: string;
  /** Role ARNs offered to every user (Role attribute `roleArn,samlProviderArn` pairs). */
  roles: string[];
  /** The optional `SessionDuration` attribute (900–43200 s); absent: not sent. */
  sessionDuration?: number;
  /** How long an assertion may be redeemed (Conditions and SubjectConfirmationData `NotOnOrAfter`), seconds. Default 300. */
  assertionLifetime?: number;
}

/** `arn:PARTITION:iam::ACCOUNT:saml-provider/NAME` */
export function samlProviderArn(config: Pick<StackConfig, "partition" | "account">, name: string): string {
  return `arn:${config.partition}:iam::${config.account}:saml-provider/${name}`;
}

/** The problems of `samlProviders`, `samlIdp` and `endpoints.saml` (empty when valid or absent). */
export function samlConfigProblems(c: StackConfig): string[] {
  const problems: string[] = [];
  const saml = (c.endpoints as Record<string, unknown> | undefined)?.saml;
  if (saml !== undefined && (typeof saml !== "string" || URL.parse(saml) === null)) problems.push("endpoints.saml must be a URL");
  if (!Array.isArray(c.samlProviders)) return [...problems, "samlProviders must be a list of SAML providers"];
  const names = new Set<string>();
  for (const [i, p] of c.samlProviders.entries()) {
    if (typeof p.name !== "string" || !/^[\w._-]{1,128}$/.test(p.name)) problems.push(`samlProviders[${i}].name must be 1–128 characters of letters, digits, _ . -`);
    if (names.has(p.name)) problems.push(`samlProviders[${i}].name ${p.name} is duplicated`);
    names.add(p.name);
    const sources = [p.metadataUrl, p.metadataFile].filter((s) => s !== undefined);
    if (sources.length !== 1) problems.push(`samlProviders[${i}] needs exactly one of metadataUrl and metadataFile`);
    if (p.metadataUrl !== undefined && URL.parse(p.metadataUrl) === null) problems.push(`samlProviders[${i}].metadataUrl must be a URL`);
  }
  const idp = c.samlIdp;
  if (idp !== undefined) {
    if (!names.has(idp.providerName)) problems.push(`samlIdp.providerName must name one of samlProviders`);
    if (!Array.isArray(idp.roles) || !idp.roles.every((r) => typeof r === "string" && r.startsWith("arn:"))) problems.push("samlIdp.roles must list role ARNs");
    const d = idp.sessionDuration;
    if (d !== undefined && !(Number.isInteger(d) && d >= 900 && d <= 43200)) problems.push("samlIdp.sessionDuration must be a whole number of seconds, 900–43200");
    const l = idp.assertionLifetime;
    if (l !== undefined && !(Number.isInteger(l) && l >= 1 && l <= 86400)) problems.push("samlIdp.assertionLifetime must be a whole number of seconds, 1–86400");
  }
  return problems;
}
