/**
 * Reading a SAML assertion for the local STS's `AssumeRoleWithSAML` (./saml.ts): the values AWS derives from it
 * (NameQualifier, SubjectType, the Role attribute's pairs, the attribute → `saml:*` context keys), the assertion's
 * elements read into {@link SamlAssertion}, and the texts of the SAML checks (see ./saml.ts for their sources).
 */
import { createHash } from "node:crypto";
import { AWS_SAML_ENDPOINT, NAMEID_FORMAT } from "../saml/assertion";
import { childElements, SAML_NS, textOf } from "../saml/xml";
import { StsFault } from "./faults";

/**
 * Tolerance for the assertion's `NotBefore` / `NotOnOrAfter` against the STS clock. AWS does not publish one for SAML;
 * the local STS allows 5 minutes, like the `exp` grace IAM documents for OIDC tokens.
 */
export const SAML_CLOCK_SKEW_SECONDS = 300;

/** Distinct live assertion IDs the replay cache holds (expired ones are dropped first). */
export const MAX_REMEMBERED_ASSERTIONS = 10_000;

/** Texts of the SAML checks: AWS's where published (see the module comment), else marked as the local stack's. */
export const SAML_MESSAGES = {
  notAuthorized: "Not authorized to perform sts:AssumeRoleWithSAML",
  signatureInvalid: "Response signature invalid",
  sessionNameRequired: "RoleSessionName is required in AuthnResponse",
  sessionNamePattern: "RoleSessionName in AuthnResponse must match [a-zA-Z_0-9+=,.@-]{2,64}",
  sourceIdentityPattern: 'Source Identity must match [a-zA-Z_0-9+=,.@-]{2,64} and not begin with "aws:"',
  providerMissing: "Specified provider doesn't exist.",
  audience: "Response does not contain the required audience.",
  /** Local wording [~]: AWS's text for an unreadable SAMLAssertion was not found. */
  malformed: "The SAMLAssertion is not a base64-encoded SAML 2.0 samlp:Response (local STS wording)",
  /** Local wording [~]. */
  recipient: `The assertion's SubjectConfirmationData Recipient is not ${AWS_SAML_ENDPOINT} (local STS wording)`,
  /** Local wording [~]. */
  bearer: "The assertion needs exactly one SubjectConfirmation with Method urn:oasis:names:tc:SAML:2.0:cm:bearer, NotOnOrAfter and Recipient (local STS wording)",
  /** Local wording [~]. */
  replay: "This SAML assertion has already been used (local STS wording)",
  /** Local wording [~]. */
  status: "The SAML response's status is not urn:oasis:names:tc:SAML:2.0:status:Success (local STS wording)",
  /** Local wording [~]. */
  sessionDuration: "The SessionDuration attribute must be a whole number of seconds, 900–43200 (local STS wording)",
  /** Local wording [~]. */
  encrypted: "Encrypted assertions are not supported by the local STS (local STS wording)",
} as const;

// ---------------------------------------------------------------------------------------------------------------
// Pure helpers (unit-tested)

/** `BASE64(SHA1(Issuer + AccountId + "/" + ProviderFriendlyName))` — the STS API reference's `NameQualifier`. */
export function nameQualifier(issuer: string, account: string, providerName: string): string {
  return createHash("sha1").update(`${issuer}${account}/${providerName}`, "utf8").digest("base64");
}

const NAMEID_PREFIX = "urn:oasis:names:tc:SAML:2.0:nameid-format:";

/**
 * `SubjectType`: `transient` or `persistent` for those two SAML 2.0 formats (prefix stripped), else the full Format
 * URI; a NameID without `Format` has SAML's default, `urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified` [~: AWS's
 * answer for a missing Format was not found].
 */
export function subjectType(format: string | undefined): string {
  if (format === undefined || format === "") return NAMEID_FORMAT.unspecified;
  if (format === `${NAMEID_PREFIX}transient` || format === `${NAMEID_PREFIX}persistent`) return format.slice(NAMEID_PREFIX.length);
  return format;
}

/** Parse `arn:PARTITION:iam::ACCOUNT:saml-provider/NAME`. */
export function parseSamlProviderArn(arn: string): { partition: string; account: string; name: string } | undefined {
  const m = /^arn:([a-z][a-z0-9-]*):iam::(\d{12}):saml-provider\/([\w._-]{1,128})$/.exec(arn);
  return m ? { partition: m[1] ?? "", account: m[2] ?? "", name: m[3] ?? "" } : undefined;
}

/**
 * The `(role, provider)` pairs of the Role attribute's values: `roleArn,providerArn` (AWS also accepts the provider
 * first), whitespace around each ARN ignored. Values that are not two ARNs, one a role and one a SAML provider, are
 * left out.
 */
export function rolePairs(values: readonly string[]): { roleArn: string; providerArn: string }[] {
  const pairs: { roleArn: string; providerArn: string }[] = [];
  for (const value of values) {
    const parts = value.split(",").map((p) => p.trim());
    if (parts.length !== 2) continue;
    const [a = "", b = ""] = parts;
    const isRole = (s: string) => /^arn:[^:]+:iam::\d{12}:role\//.test(s);
    if (isRole(a) && parseSamlProviderArn(b)) pairs.push({ roleArn: a, providerArn: b });
    else if (isRole(b) && parseSamlProviderArn(a)) pairs.push({ roleArn: b, providerArn: a });
  }
  return pairs;
}

/**
 * The `saml:*` trust-policy context keys of SAML attributes (IAM User Guide "Mapping SAML attributes to AWS trust
 * policy context keys": eduPerson/eduOrg OIDs, the Active Directory claim URIs, X.500 names), with the type the table
 * gives (list of strings or string; a string key takes the first value).
 */
export const ATTRIBUTE_CONTEXT_KEYS: Readonly<Record<string, { key: string; list: boolean }>> = {
  "urn:oid:1.3.6.1.4.1.5923.1.1.1.1": { key: "saml:edupersonaffiliation", list: true },
  "urn:oid:1.3.6.1.4.1.5923.1.1.1.2": { key: "saml:edupersonnickname", list: true },
  "urn:oid:1.3.6.1.4.1.5923.1.1.1.3": { key: "saml:edupersonorgdn", list: false },
  "urn:oid:1.3.6.1.4.1.5923.1.1.1.4": { key: "saml:edupersonorgunitdn", list: true },
  "urn:oid:1.3.6.1.4.1.5923.1.1.1.5": { key: "saml:edupersonprimaryaffiliation", list: false },
  "urn:oid:1.3.6.1.4.1.5923.1.1.1.6": { key: "saml:edupersonprincipalname", list: false },
  "urn:oid:1.3.6.1.4.1.5923.1.1.1.7": { key: "saml:edupersonentitlement", list: true },
  "urn:oid:1.3.6.1.4.1.5923.1.1.1.8": { key: "saml:edupersonprimaryorgunitdn", list: false },
  "urn:oid:1.3.6.1.4.1.5923.1.1.1.9": { key: "saml:edupersonscopedaffiliation", list: true },
  "urn:oid:1.3.6.1.4.1.5923.1.1.1.10": { key: "saml:edupersontargetedid", list: true },
  "urn:oid:1.3.6.1.4.1.5923.1.1.1.11": { key: "saml:edupersonassurance", list: true },
  "urn:oid:1.3.6.1.4.1.5923.1.2.1.2": { key: "saml:eduorghomepageuri", list: true },
  "urn:oid:1.3.6.1.4.1.5923.1.2.1.3": { key: "saml:eduorgidentityauthnpolicyuri", list: true },
  "urn:oid:1.3.6.1.4.1.5923.1.2.1.4": { key: "saml:eduorglegalname", list: true },
  "urn:oid:1.3.6.1.4.1.5923.1.2.1.5": { key: "saml:eduorgsuperioruri", list: true },
  "urn:oid:1.3.6.1.4.1.5923.1.2.1.6": { key: "saml:eduorgwhitepagesuri", list: true },
  "urn:oid:2.5.4.3": { key: "saml:cn", list: true },
  "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name": { key: "saml:name", list: false },
  "http://schemas.xmlsoap.org/claims/CommonName": { key: "saml:commonName", list: false },
  "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname": { key: "saml:givenName", list: false },
  "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname": { key: "saml:surname", list: false },
  "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress": { key: "saml:mail", list: false },
  "http://schemas.microsoft.com/ws/2008/06/identity/claims/primarygroupsid": { key: "saml:uid", list: false },
  "2.5.4.3": { key: "saml:commonName", list: false },
  "2.5.4.4": { key: "saml:surname", list: false },
  // The IAM table prints "2.4.5.42" and "0.9.2342.19200300100.1.x"; the X.500 / RFC 4519 OIDs are these.
  "2.5.4.42": { key: "saml:givenName", list: false },
  "2.5.4.45": { key: "saml:x500UniqueIdentifier", list: false },
  "0.9.2342.19200300.100.1.1": { key: "saml:uid", list: false },
  "0.9.2342.19200300.100.1.3": { key: "saml:mail", list: false },
  "0.9.2342.19200300.100.1.45": { key: "saml:organizationStatus", list: false },
};

/** The `saml:*` keys the assertion's attributes map to ({@link ATTRIBUTE_CONTEXT_KEYS}). */
export function attributeContextKeys(attributes: ReadonlyMap<string, readonly string[]>): Record<string, string | string[]> {
  const keys: Record<string, string | string[]> = {};
  for (const [name, values] of attributes) {
    const mapping = ATTRIBUTE_CONTEXT_KEYS[name];
    if (!mapping || values.length === 0 || keys[mapping.key] !== undefined) continue;
    keys[mapping.key] = mapping.list ? [...values] : (values[0] ?? "");
  }
  return keys;
}

// ---------------------------------------------------------------------------------------------------------------
// The assertion as read from the signed XML only

/** What the checks read from the signed assertion. Times in ms since the epoch. */
export interface SamlAssertion {
  id: string;
  issuer: string;
  nameId: string;
  nameIdFormat: string | undefined;
  /** Exactly the bearer confirmations (each with its Recipient, NotOnOrAfter, optional NotBefore). */
  confirmations: { method: string; recipient: string | undefined; notOnOrAfter: number | undefined; notBefore: number | undefined }[];
  notBefore: number | undefined;
  notOnOrAfter: number | undefined;
  /** Every `AudienceRestriction`'s audiences (each restriction must be met). */
  audienceRestrictions: string[][];
  sessionNotOnOrAfter: number | undefined;
  /** Attribute name → values, in document order. */
  attributes: Map<string, string[]>;
}

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

export function malformed(detail: string, cause?: unknown): StsFault {
  return new StsFault("InvalidIdentityToken", 400, SAML_MESSAGES.malformed, { cause: cause ?? new Error(detail) });
}

function instant(e: Element | undefined, name: string): number | undefined {
  const v = e?.getAttribute(name);
  if (v === undefined || v === null || v === "") return undefined;
  if (!DATE_TIME.test(v)) throw malformed(`${name} is not an xs:dateTime`);
  const ms = Date.parse(v);
  if (Number.isNaN(ms)) throw malformed(`${name} is not an xs:dateTime`);
  return ms;
}

/**
 * Read the signed assertion (an element of the document parsed from the signed reference's canonical XML — never of
 * the request's document).
 * @throws StsFault `InvalidIdentityToken` (malformed times).
 */
export function readAssertion(a: Element): SamlAssertion {
  const issuerEl = childElements(a, SAML_NS, "Issuer")[0];
  const subject = childElements(a, SAML_NS, "Subject")[0];
  const nameIdEl = subject ? childElements(subject, SAML_NS, "NameID")[0] : undefined;
  const confirmations = (subject ? childElements(subject, SAML_NS, "SubjectConfirmation") : []).map((c) => {
    const data = childElements(c, SAML_NS, "SubjectConfirmationData")[0];
    return {
      method: c.getAttribute("Method") ?? "",
      recipient: data?.getAttribute("Recipient") ?? undefined,
      notOnOrAfter: instant(data, "NotOnOrAfter"),
      notBefore: instant(data, "NotBefore"),
    };
  });
  const conditions = childElements(a, SAML_NS, "Conditions")[0];
  const audienceRestrictions = (conditions ? childElements(conditions, SAML_NS, "AudienceRestriction") : []).map((r) =>
    childElements(r, SAML_NS, "Audience").map((x) => textOf(x).trim()),
  );
  const authn = childElements(a, SAML_NS, "AuthnStatement")[0];
  const attributes = new Map<string, string[]>();
  for (const statement of childElements(a, SAML_NS, "AttributeStatement")) {
    for (const attribute of childElements(statement, SAML_NS, "Attribute")) {
      const name = attribute.getAttribute("Name") ?? "";
      const values = childElements(attribute, SAML_NS, "AttributeValue").map((v) => textOf(v).trim());
      attributes.set(name, [...(attributes.get(name) ?? []), ...values]);
    }
  }
  return {
    id: a.getAttribute("ID") ?? "",
    issuer: issuerEl ? textOf(issuerEl).trim() : "",
    nameId: nameIdEl ? textOf(nameIdEl).trim() : "",
    nameIdFormat: nameIdEl?.getAttribute("Format") || undefined,
    confirmations,
    notBefore: instant(conditions, "NotBefore"),
    notOnOrAfter: instant(conditions, "NotOnOrAfter"),
    audienceRestrictions,
    sessionNotOnOrAfter: instant(authn, "SessionNotOnOrAfter"),
    attributes,
  };
}
