/**
 * `AssumeRoleWithSAML` of the local STS: a list of named checks, each throwing an {@link StsFault} with AWS's code.
 * AWS docs: STS API reference `AssumeRoleWithSAML` (parameters, result elements, `SessionNotOnOrAfter` capping the
 * session); IAM User Guide "Configure SAML assertions for the authentication response" (Subject/NameID, exactly one
 * bearer `SubjectConfirmation` with `Recipient` and `NotOnOrAfter`, audience `https://signin.aws.amazon.com/saml` or
 * `urn:amazon:webservices`, the Role / RoleSessionName / SessionDuration / SourceIdentity / PrincipalTag attributes,
 * the attribute → `saml:*` context-key table), "Troubleshoot SAML federation with IAM" (error texts), and
 * "Available keys for SAML-based AWS STS federation" (`saml:aud` is the Recipient, `saml:doc`, `saml:namequalifier`).
 *
 * Texts: AWS's where published — `Response signature invalid`, `RoleSessionName is required in AuthnResponse`,
 * `RoleSessionName in AuthnResponse must match [a-zA-Z_0-9+=,.@-]{2,64}`, `Source Identity must match … and not begin
 * with "aws:"`, `Not authorized to perform sts:AssumeRoleWithSAML`, `Specified provider doesn't exist.`, `Response
 * does not contain the required audience.` (IAM troubleshooting page) and `Issuer not present in specified provider`
 * (the same page; an STS answer carrying it is captured in dbeaver/cloudbeaver#3112). Every other text here (expired,
 * not yet valid, recipient, replay, malformed response, bearer method) is the local stack's own wording: AWS's text was
 * not found, and each such constant says so.
 */
import { createHash, randomUUID } from "node:crypto";
import type { RoleConfig, StackConfig } from "../config";
import { AWS_SAML_ENDPOINT, AWS_SAML_URN, ATTRIBUTES, BEARER, NAMEID_FORMAT, STATUS_SUCCESS } from "../saml/assertion";
import { samlProviderArn, type SamlProviderConfig } from "../saml/config";
import { childElements, descendants, DS_NS, parseXml, SAML_NS, SAMLP_NS, textOf, verifySignature, XmlDocumentError } from "../saml/xml";
import { checkDuration, checkFederatedTrust, checkSessionPolicy, DEFAULT_DURATION_SECONDS, issueRoleSession, type StsContext } from "./actions";
import { checkTokenSessionTags, TAGS_CLAIM, type TokenSessionTags } from "./claims";
import { StsFault } from "./faults";
import type { QueryParams } from "./query";
import type { ResultTree } from "./render";
import { createSamlMetadataSource, type SamlMetadataSource, type SamlProviderMetadata } from "./samlMetadata";
import { ARN_PATTERN, checkMembers, POLICY_PATTERN, policyArnProblems, type MemberRule } from "./validation";

/**
 * Tolerance for the assertion's `NotBefore` / `NotOnOrAfter` against the STS clock. AWS does not publish one for SAML;
 * the local STS allows 5 minutes, like the `exp` grace IAM documents for OIDC tokens.
 */
export const SAML_CLOCK_SKEW_SECONDS = 300;

/** Distinct live assertion IDs the replay cache holds (expired ones are dropped first). */
export const MAX_REMEMBERED_ASSERTIONS = 10_000;

/** The members of `AssumeRoleWithSAMLRequest`, in model order (botocore service-2.json). */
export const ASSUME_ROLE_WITH_SAML_RULES: readonly MemberRule[] = [
  { param: "RoleArn", member: "roleArn", required: true, min: 20, max: 2048, pattern: ARN_PATTERN },
  { param: "PrincipalArn", member: "principalArn", required: true, min: 20, max: 2048, pattern: ARN_PATTERN },
  // The member name in AWS's message is an assumption [~]: the front end lower-cases the first letter (`roleArn`).
  { param: "SAMLAssertion", member: "sAMLAssertion", required: true, min: 4, max: 100_000, sensitive: true },
  { param: "Policy", member: "policy", min: 1, max: 2048, pattern: POLICY_PATTERN },
  { param: "DurationSeconds", member: "durationSeconds", integer: { min: 900, max: 43200 } },
];

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

/** Per-server state: metadata read once, assertion IDs seen (kept beside the context, not in it). */
interface SamlState {
  metadata: SamlMetadataSource;
  replay: ReplayCache;
}
const states = new WeakMap<StsContext, SamlState>();

function stateOf(ctx: StsContext): SamlState {
  let state = states.get(ctx);
  if (!state) {
    state = { metadata: createSamlMetadataSource(ctx.tokenInfo?.fetchImpl ? { fetchImpl: ctx.tokenInfo.fetchImpl } : {}), replay: createReplayCache() };
    states.set(ctx, state);
  }
  return state;
}

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

function malformed(detail: string, cause?: unknown): StsFault {
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

// ---------------------------------------------------------------------------------------------------------------
// Checks

/**
 * Rule: `SAMLAssertion` is base64 (whitespace allowed) of a UTF-8 XML document without DTD whose root is
 * `samlp:Response`.
 * @throws StsFault `InvalidIdentityToken` (400) — local wording [~].
 */
export function checkSamlResponseDocument(samlAssertion: string): { xml: string; doc: Document } {
  const compact = samlAssertion.replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(compact) || compact.length % 4 !== 0) throw malformed("not base64");
  const xml = Buffer.from(compact, "base64").toString("utf8");
  let doc: Document;
  try {
    doc = parseXml(xml);
  } catch (e) {
    if (e instanceof XmlDocumentError) throw malformed(e.message, e);
    throw e;
  }
  const root = doc.documentElement;
  if (root.namespaceURI !== SAMLP_NS || root.localName !== "Response") throw malformed("the root element is not samlp:Response");
  return { xml, doc };
}

/**
 * Rule: `PrincipalArn` is a SAML provider ARN (`arn:PARTITION:iam::ACCOUNT:saml-provider/NAME`) of a provider in
 * stack.json's `samlProviders`.
 * @throws StsFault `ValidationError` (400) `<arn> is invalid` when it is no SAML provider ARN [~, the form AWS uses for
 *   a malformed RoleArn]; `InvalidIdentityToken` (400) `Specified provider doesn't exist.` (IAM troubleshooting page
 *   text; the code is an assumption [~]).
 */
export function checkSamlProvider(config: StackConfig, principalArn: string): SamlProviderConfig {
  if (!parseSamlProviderArn(principalArn)) throw new StsFault("ValidationError", 400, `${principalArn} is invalid`);
  const provider = config.samlProviders.find((p) => samlProviderArn(config, p.name) === principalArn);
  if (!provider) throw new StsFault("InvalidIdentityToken", 400, SAML_MESSAGES.providerMissing);
  return provider;
}

/**
 * Read the provider's metadata (once; ./samlMetadata.ts). A local-stack condition only (IAM keeps the uploaded
 * metadata): an unreadable metadata URL or file.
 * @throws StsFault `InvalidIdentityToken` (400), local wording.
 */
export async function loadProviderMetadata(source: SamlMetadataSource, provider: SamlProviderConfig, principalArn: string): Promise<SamlProviderMetadata> {
  try {
    return await source.get(provider);
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new StsFault("InvalidIdentityToken", 400, `The local STS could not read the metadata of SAML provider ${principalArn}: ${reason}`, { cause });
  }
}

function signatureInvalid(cause: unknown): StsFault {
  return new StsFault("InvalidIdentityToken", 400, SAML_MESSAGES.signatureInvalid, { cause });
}

/**
 * Rule: the response holds exactly one assertion (no `EncryptedAssertion`), a direct child of the `samlp:Response`;
 * it is signed (its own enveloped `ds:Signature`, or the Response's, referencing that element's `ID`) by a key of the
 * provider's metadata certificates; a Response signature, when present, verifies too. What the later checks read is
 * parsed from the canonical XML the signature covers — never from the request's document — which defeats signature
 * wrapping (extra or moved assertions, re-pointed IDs) and comment tricks in text (c14n drops comments).
 * @returns the signed assertion element (of a document holding only signed XML).
 * @throws StsFault `InvalidIdentityToken` (400) `Response signature invalid`; for an encrypted assertion, local wording.
 */
export function checkSamlSignature(xml: string, doc: Document, certificates: readonly string[]): Element {
  const root = doc.documentElement;
  if (descendants(doc, SAML_NS, "EncryptedAssertion").length > 0) throw new StsFault("InvalidIdentityToken", 400, SAML_MESSAGES.encrypted);
  const assertions = descendants(doc, SAML_NS, "Assertion");
  if (assertions.length !== 1 || !assertions[0]) throw signatureInvalid(new Error(`expected exactly one Assertion, found ${assertions.length}`));
  const assertion = assertions[0];
  if (assertion.parentNode !== root) throw signatureInvalid(new Error("the Assertion is not a child of the Response"));
  const assertionSignatures = childElements(assertion, DS_NS, "Signature");
  const responseSignatures = childElements(root, DS_NS, "Signature");
  if (assertionSignatures.length > 1 || responseSignatures.length > 1) throw signatureInvalid(new Error("more than one Signature on an element"));
  let signedXml: string | undefined;
  let signedId = "";
  try {
    if (responseSignatures[0]) {
      const ref = verifySignature(xml, responseSignatures[0], certificates);
      if (ref.id !== root.getAttribute("ID")) throw new Error("the Response signature does not reference the Response");
      signedXml = ref.xml;
      signedId = ref.id;
    }
    if (assertionSignatures[0]) {
      const ref = verifySignature(xml, assertionSignatures[0], certificates);
      if (ref.id !== assertion.getAttribute("ID")) throw new Error("the Assertion signature does not reference the Assertion");
      signedXml = ref.xml;
      signedId = ref.id;
    }
  } catch (e) {
    throw signatureInvalid(e);
  }
  if (signedXml === undefined) throw signatureInvalid(new Error("neither the Response nor the Assertion is signed"));
  let signedDoc: Document;
  try {
    signedDoc = parseXml(signedXml);
  } catch (e) {
    throw signatureInvalid(e);
  }
  const signedRoot = signedDoc.documentElement;
  const signedAssertion =
    signedRoot.namespaceURI === SAML_NS && signedRoot.localName === "Assertion" ? signedRoot : childElements(signedRoot, SAML_NS, "Assertion")[0];
  const inSigned = descendants(signedDoc, SAML_NS, "Assertion");
  if (!signedAssertion || inSigned.length !== 1 || signedRoot.getAttribute("ID") !== signedId) {
    throw signatureInvalid(new Error("the signed XML does not hold exactly the one assertion"));
  }
  return signedAssertion;
}

/**
 * Rule: the Response's status is Success (the top-level `StatusCode`; read from the request's document, which only
 * ever leads to a refusal).
 * @throws StsFault `InvalidIdentityToken` (400), local wording [~].
 */
export function checkResponseStatus(doc: Document): void {
  const status = childElements(doc.documentElement, SAMLP_NS, "Status")[0];
  const code = status ? childElements(status, SAMLP_NS, "StatusCode")[0] : undefined;
  if (code && code.getAttribute("Value") !== STATUS_SUCCESS) throw new StsFault("InvalidIdentityToken", 400, SAML_MESSAGES.status);
}

/**
 * Rule: the assertion's `Issuer` is the provider's `entityID`.
 * @throws StsFault `InvalidIdentityToken` (400) `Issuer not present in specified provider (Service:
 *   AWSOpenIdDiscoveryService; Status Code: 400; Error Code: AuthSamlInvalidSamlResponseException; Request ID: <uuid>;
 *   Proxy: null)` — as captured (dbeaver/cloudbeaver#3112): STS passes on the text of an internal service's error.
 */
export function checkIssuer(assertion: SamlAssertion, metadata: SamlProviderMetadata): string {
  if (assertion.issuer !== metadata.entityId) {
    throw new StsFault(
      "InvalidIdentityToken",
      400,
      `Issuer not present in specified provider (Service: AWSOpenIdDiscoveryService; Status Code: 400; Error Code: AuthSamlInvalidSamlResponseException; Request ID: ${randomUUID()}; Proxy: null)`,
    );
  }
  return assertion.issuer;
}

/**
 * Rule: an `AudienceRestriction` names AWS (`https://signin.aws.amazon.com/saml` or `urn:amazon:webservices`), and
 * every restriction present is met by one of the two (SAML core §2.5.1.4: each restriction must be satisfied).
 * @throws StsFault `InvalidIdentityToken` (400) `Response does not contain the required audience.` (IAM troubleshooting
 *   page text; the code is an assumption [~]).
 */
export function checkSamlAudience(assertion: SamlAssertion): void {
  const aws = (a: string) => a === AWS_SAML_ENDPOINT || a === AWS_SAML_URN;
  const restrictions = assertion.audienceRestrictions;
  if (restrictions.length === 0 || !restrictions.every((r) => r.some(aws))) throw new StsFault("InvalidIdentityToken", 400, SAML_MESSAGES.audience);
}

/** `https://signin.aws.amazon.com/saml`, or a regional sign-in endpoint `https://<region>.signin.aws.amazon.com/saml`. */
export function isAwsSamlRecipient(recipient: string): boolean {
  return recipient === AWS_SAML_ENDPOINT || /^https:\/\/[a-z]{2}(-[a-z]+)+-\d\.signin\.aws\.amazon\.com\/saml$/.test(recipient);
}

/**
 * Rule: exactly one `SubjectConfirmation`, with Method bearer and a `SubjectConfirmationData` that has `NotOnOrAfter`
 * and a `Recipient` that is AWS's SAML sign-in endpoint (global or regional).
 * @returns the Recipient (`Audience` in the answer, `saml:aud`) and the confirmation's NotOnOrAfter.
 * @throws StsFault `InvalidIdentityToken` (400), local wording [~].
 */
export function checkSubjectConfirmation(assertion: SamlAssertion): { recipient: string; notOnOrAfter: number; notBefore: number | undefined } {
  const [c, ...rest] = assertion.confirmations;
  if (!c || rest.length > 0 || c.method !== BEARER || c.notOnOrAfter === undefined || c.recipient === undefined) {
    throw new StsFault("InvalidIdentityToken", 400, SAML_MESSAGES.bearer);
  }
  if (!isAwsSamlRecipient(c.recipient)) throw new StsFault("InvalidIdentityToken", 400, SAML_MESSAGES.recipient);
  return { recipient: c.recipient, notOnOrAfter: c.notOnOrAfter, notBefore: c.notBefore };
}

/**
 * Rule: with {@link SAML_CLOCK_SKEW_SECONDS} of tolerance, now is not before `Conditions/@NotBefore` (nor the
 * confirmation's), and not at or after `Conditions/@NotOnOrAfter` or the confirmation's `NotOnOrAfter`.
 * @returns the earliest NotOnOrAfter (how long the assertion ID must be remembered).
 * @throws StsFault `ExpiredTokenException` (400) when expired; `InvalidIdentityToken` (400) when not yet valid — both
 *   in local wording [~: AWS's texts for SAML were not found].
 */
export function checkAssertionTimes(assertion: SamlAssertion, confirmation: { notOnOrAfter: number; notBefore: number | undefined }, nowMs: number): number {
  const skew = SAML_CLOCK_SKEW_SECONDS * 1000;
  const notOnOrAfter = Math.min(confirmation.notOnOrAfter, assertion.notOnOrAfter ?? Number.POSITIVE_INFINITY);
  const notBefore = Math.max(confirmation.notBefore ?? Number.NEGATIVE_INFINITY, assertion.notBefore ?? Number.NEGATIVE_INFINITY);
  const now = new Date(nowMs).toISOString();
  if (nowMs - skew >= notOnOrAfter) {
    throw new StsFault(
      "ExpiredTokenException",
      400,
      `The SAML assertion expired: current time ${now} is not before its NotOnOrAfter ${new Date(notOnOrAfter).toISOString()} (+${SAML_CLOCK_SKEW_SECONDS} s clock skew) (local STS wording)`,
    );
  }
  if (nowMs + skew < notBefore) {
    throw new StsFault(
      "InvalidIdentityToken",
      400,
      `The SAML assertion is not yet valid: current time ${now} is before its NotBefore ${new Date(notBefore).toISOString()} (-${SAML_CLOCK_SKEW_SECONDS} s clock skew) (local STS wording)`,
    );
  }
  return notOnOrAfter;
}

/**
 * Rule: the NameID is present and not empty (IAM troubleshooting: a response without a `Subject` containing a
 * `NameID` is refused as not authorized).
 * @throws StsFault `AccessDenied` (403) `Not authorized to perform sts:AssumeRoleWithSAML`.
 */
export function checkNameId(assertion: SamlAssertion): { sub: string; subType: string } {
  if (assertion.nameId === "") throw new StsFault("AccessDenied", 403, SAML_MESSAGES.notAuthorized);
  return { sub: assertion.nameId, subType: subjectType(assertion.nameIdFormat) };
}

/**
 * Rule: the Role attribute holds the pair (`RoleArn`, `PrincipalArn`) requested (in either order).
 * @throws StsFault `AccessDenied` (403) `Not authorized to perform sts:AssumeRoleWithSAML` [~: the code AWS gives for a
 *   pair missing from the assertion was not captured; the troubleshooting page lists this error for a role "specified
 *   in the SAML response" that is wrong].
 */
export function checkRolePair(assertion: SamlAssertion, roleArn: string, principalArn: string): void {
  const pairs = rolePairs(assertion.attributes.get(ATTRIBUTES.role) ?? []);
  if (!pairs.some((p) => p.roleArn === roleArn && p.providerArn === principalArn)) {
    throw new StsFault("AccessDenied", 403, SAML_MESSAGES.notAuthorized);
  }
}

const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;

/**
 * Rule: the RoleSessionName attribute is present and its (first) value is 2–64 characters of `[\w+=,.@-]`.
 * @throws StsFault `InvalidIdentityToken` (400) `RoleSessionName is required in AuthnResponse` /
 *   `RoleSessionName in AuthnResponse must match [a-zA-Z_0-9+=,.@-]{2,64}` (IAM troubleshooting page).
 */
export function checkRoleSessionName(assertion: SamlAssertion): string {
  const values = assertion.attributes.get(ATTRIBUTES.roleSessionName);
  const value = values?.[0];
  if (value === undefined) throw new StsFault("InvalidIdentityToken", 400, SAML_MESSAGES.sessionNameRequired);
  if (!SESSION_NAME.test(value)) throw new StsFault("InvalidIdentityToken", 400, SAML_MESSAGES.sessionNamePattern);
  return value;
}

/**
 * Rule: a SourceIdentity attribute, when present, is 2–64 characters of `[\w+=,.@-]` not starting with `aws:`.
 * @throws StsFault `InvalidIdentityToken` (400) `Source Identity must match [a-zA-Z_0-9+=,.@-]{2,64} and not begin with
 *   "aws:"` (IAM troubleshooting page).
 */
export function checkSamlSourceIdentity(assertion: SamlAssertion): string | undefined {
  const value = assertion.attributes.get(ATTRIBUTES.sourceIdentity)?.[0];
  if (value === undefined) return undefined;
  if (!SESSION_NAME.test(value) || value.toLowerCase().startsWith("aws:")) throw new StsFault("InvalidIdentityToken", 400, SAML_MESSAGES.sourceIdentityPattern);
  return value;
}

/**
 * Rule: a SessionDuration attribute, when present, is a whole number of seconds 900–43200; it can only shorten the
 * session (IAM: "if it is present in an AssumeRoleWithSAML API call, it can be used to shorten the duration").
 * @throws StsFault `InvalidIdentityToken` (400), local wording [~].
 */
export function checkSessionDurationAttribute(assertion: SamlAssertion): number | undefined {
  const value = assertion.attributes.get(ATTRIBUTES.sessionDuration)?.[0];
  if (value === undefined) return undefined;
  const n = /^\d{3,5}$/.test(value) ? Number(value) : Number.NaN;
  if (!(n >= 900 && n <= 43200)) throw new StsFault("InvalidIdentityToken", 400, SAML_MESSAGES.sessionDuration);
  return n;
}

/**
 * Rule: `PrincipalTag:<key>` attributes are session tags and `TransitiveTagKeys` their transitive keys, under the
 * same limits as tags from a web identity token (./claims.ts: one value per tag, ≤ 50, patterns, unique keys,
 * transitive keys among the tags).
 * @throws StsFault `InvalidParameterValue` / `ValidationError` (400) as ./claims.ts words them.
 */
export function checkSamlSessionTags(assertion: SamlAssertion): TokenSessionTags | undefined {
  const principalTags: Record<string, string[]> = {};
  let any = false;
  for (const [name, values] of assertion.attributes) {
    if (!name.startsWith(ATTRIBUTES.principalTagPrefix)) continue;
    principalTags[name.slice(ATTRIBUTES.principalTagPrefix.length)] = values;
    any = true;
  }
  const transitive = assertion.attributes.get(ATTRIBUTES.transitiveTagKeys);
  if (!any && transitive === undefined) return undefined;
  return checkTokenSessionTags({ [TAGS_CLAIM]: { principal_tags: principalTags, ...(transitive ? { transitive_tag_keys: transitive } : {}) } });
}

/** A bounded memory of redeemed assertion IDs until they expire. */
export interface ReplayCache {
  /** Remember `key` until `expiresAtMs`; false when it is already remembered (a replay). */
  remember(key: string, expiresAtMs: number, nowMs: number): boolean;
  readonly size: number;
}

/** A replay cache of at most `max` live entries: expired ones are dropped when full; still full → refuse. */
export function createReplayCache(max: number = MAX_REMEMBERED_ASSERTIONS): ReplayCache {
  const seen = new Map<string, number>();
  return {
    remember(key, expiresAtMs, nowMs) {
      const until = seen.get(key);
      if (until !== undefined && until > nowMs) return false;
      if (seen.size >= max) {
        for (const [k, t] of seen) if (t <= nowMs) seen.delete(k);
        if (seen.size >= max) throw new StsFault("Throttling", 400, "Rate exceeded");
      }
      seen.set(key, expiresAtMs);
      return true;
    },
    get size() {
      return seen.size;
    },
  };
}

/**
 * Rule: an assertion (by issuer and ID) is redeemed at most once while it is valid (plus the clock skew).
 * @throws StsFault `InvalidIdentityToken` (400), local wording [~]; `Throttling` (400) `Rate exceeded` when
 *   {@link MAX_REMEMBERED_ASSERTIONS} live assertions are already remembered.
 */
export function checkReplay(cache: ReplayCache, assertion: SamlAssertion, expiresAtMs: number, nowMs: number): void {
  if (!cache.remember(`${assertion.issuer}\u0000${assertion.id}`, expiresAtMs + SAML_CLOCK_SKEW_SECONDS * 1000, nowMs)) {
    throw new StsFault("InvalidIdentityToken", 400, SAML_MESSAGES.replay);
  }
}

/** The federated SAML identity the trust policy and the session see. */
export interface SamlIdentity {
  providerArn: string;
  providerName: string;
  issuer: string;
  sub: string;
  subType: string;
  /** The Recipient. */
  audience: string;
  nameQualifier: string;
  /** `saml:aud`, `saml:iss`, `saml:sub`, `saml:sub_type`, `saml:namequalifier`, `saml:doc` and the attribute keys. */
  conditionKeys: Record<string, string | string[]>;
}

/**
 * Rule: the role exists and its trust policy allows `Principal.Federated` = the SAML provider's ARN to
 * `sts:AssumeRoleWithSAML` under the `saml:*` keys — and, with the same principal and keys, `sts:TagSession` when the
 * assertion passes session tags and `sts:SetSourceIdentity` when it passes a source identity.
 * @throws StsFault `AccessDenied` (403) `Not authorized to perform sts:AssumeRoleWithSAML` (the trace, for the local
 *   trace endpoint, names what failed).
 */
export function checkSamlRoleTrust(
  config: StackConfig,
  arn: string,
  identity: SamlIdentity,
  session: { tags?: TokenSessionTags; sourceIdentity?: string } = {},
): RoleConfig {
  return checkFederatedTrust(config, arn, "sts:AssumeRoleWithSAML", identity.providerArn, identity.conditionKeys, session, SAML_MESSAGES.notAuthorized);
}

/**
 * The session's end: now + the shortest of `DurationSeconds` (default 3600) and the SessionDuration attribute, and no
 * later than the AuthnStatement's `SessionNotOnOrAfter` (STS API reference: "whichever is shorter").
 * @throws StsFault `ExpiredTokenException` (400) when `SessionNotOnOrAfter` has already passed, local wording [~].
 */
export function sessionExpiry(nowMs: number, durationSeconds: number, sessionDurationAttribute: number | undefined, sessionNotOnOrAfter: number | undefined): number {
  let end = nowMs + Math.min(durationSeconds, sessionDurationAttribute ?? durationSeconds) * 1000;
  if (sessionNotOnOrAfter !== undefined) end = Math.min(end, sessionNotOnOrAfter);
  if (end <= nowMs) {
    throw new StsFault("ExpiredTokenException", 400, `The SAML assertion's SessionNotOnOrAfter ${new Date(end).toISOString()} has passed (local STS wording)`);
  }
  return end;
}

/**
 * `AssumeRoleWithSAML` (unsigned): validate the members; decode and parse the response; find the SAML provider; verify
 * the signature against its metadata and read only the signed assertion; check status, issuer, audience, subject
 * confirmation (bearer, Recipient), validity window, NameID, the Role pair, RoleSessionName, SourceIdentity,
 * SessionDuration and PrincipalTag attributes; evaluate the trust policy; apply DurationSeconds (≤ the role's maximum,
 * capped by SessionDuration and SessionNotOnOrAfter) and session policies; refuse a replay; issue credentials.
 * @throws StsFault — see the checks above.
 */
export async function assumeRoleWithSAML(params: QueryParams, ctx: StsContext): Promise<ResultTree> {
  const { arns: policyArns, problems } = policyArnProblems(params);
  checkMembers(params, ASSUME_ROLE_WITH_SAML_RULES, problems);
  const roleArn = params.get("RoleArn") ?? "";
  const principalArn = params.get("PrincipalArn") ?? "";
  const durationParam = params.get("DurationSeconds");
  const duration = durationParam === undefined ? DEFAULT_DURATION_SECONDS : Number(durationParam.trim());
  const state = stateOf(ctx);

  const { xml, doc } = checkSamlResponseDocument(params.get("SAMLAssertion") ?? "");
  const provider = checkSamlProvider(ctx.config, principalArn);
  const metadata = await loadProviderMetadata(state.metadata, provider, principalArn);
  const now = ctx.now();
  const assertion = readAssertion(checkSamlSignature(xml, doc, metadata.certificates));
  checkResponseStatus(doc);
  const issuer = checkIssuer(assertion, metadata);
  checkSamlAudience(assertion);
  const confirmation = checkSubjectConfirmation(assertion);
  const validUntil = checkAssertionTimes(assertion, confirmation, now);
  const { sub, subType } = checkNameId(assertion);
  checkRolePair(assertion, roleArn, principalArn);
  const sessionName = checkRoleSessionName(assertion);
  const sourceIdentity = checkSamlSourceIdentity(assertion);
  const sessionDurationAttribute = checkSessionDurationAttribute(assertion);
  const tags = checkSamlSessionTags(assertion);

  const qualifier = nameQualifier(issuer, ctx.config.account, provider.name);
  /** The SAML keys of trust and permission policies (the attribute keys below are for trust policies only). */
  const samlKeys = {
    "saml:aud": confirmation.recipient,
    "saml:iss": issuer,
    "saml:sub": sub,
    "saml:sub_type": subType,
    "saml:namequalifier": qualifier,
    "saml:doc": `${ctx.config.account}/${provider.name}`,
  };
  const identity: SamlIdentity = {
    providerArn: principalArn,
    providerName: provider.name,
    issuer,
    sub,
    subType,
    audience: confirmation.recipient,
    nameQualifier: qualifier,
    conditionKeys: { ...attributeContextKeys(assertion.attributes), ...samlKeys },
  };
  const role = checkSamlRoleTrust(ctx.config, roleArn, identity, {
    ...(tags ? { tags } : {}),
    ...(sourceIdentity !== undefined ? { sourceIdentity } : {}),
  });
  checkDuration(role, duration);
  const packedPolicySize = checkSessionPolicy(params.get("Policy"), policyArns, tags);
  const expiresAt = sessionExpiry(now, duration, sessionDurationAttribute, assertion.sessionNotOnOrAfter);
  // Last check, synchronous with the issue below: the ID is spent only when credentials are issued.
  checkReplay(state.replay, assertion, validUntil, now);

  const session = issueRoleSession(
    ctx,
    role,
    roleArn,
    sessionName,
    {
      saml: {
        federatedProvider: principalArn,
        issuer,
        sub,
        subType,
        aud: confirmation.recipient,
        nameQualifier: qualifier,
        // What permission policies may use as policy variables; the attribute keys stay in the trust policy.
        keys: samlKeys,
      },
      ...(params.get("Policy") !== undefined ? { sessionPolicy: params.get("Policy") } : {}),
      ...(policyArns.length > 0 ? { policyArns } : {}),
      ...(tags ? { sessionTags: tags.tags, transitiveTagKeys: tags.transitiveTagKeys } : {}),
      ...(sourceIdentity !== undefined ? { sourceIdentity } : {}),
    },
    expiresAt,
  );

  return {
    Issuer: issuer,
    ...session,
    Audience: confirmation.recipient,
    SubjectType: subType,
    PackedPolicySize: packedPolicySize,
    NameQualifier: qualifier,
    Subject: sub,
    SourceIdentity: sourceIdentity,
  };
}

