/**
 * The checks of the local STS's `AssumeRoleWithSAML` (./saml.ts), in order: the document, the provider and its
 * metadata, the signature (and only the signed XML afterwards), status, issuer, audience, subject confirmation, validity
 * window, NameID, the Role pair, RoleSessionName, SourceIdentity, SessionDuration, session tags, replay. Each throws an
 * {@link StsFault} with AWS's code.
 */
import { randomUUID } from "node:crypto";
import type { StackConfig } from "../config";
import { AWS_SAML_ENDPOINT, AWS_SAML_URN, ATTRIBUTES, BEARER, STATUS_SUCCESS } from "../saml/assertion";
import { samlProviderArn, type SamlProviderConfig } from "../saml/config";
import { childElements, descendants, DS_NS, parseXml, SAML_NS, SAMLP_NS, verifySignature, XmlDocumentError } from "../saml/xml";
import { checkTokenSessionTags, TAGS_CLAIM, type TokenSessionTags } from "./claims";
import { StsFault } from "./faults";
import { malformed, MAX_REMEMBERED_ASSERTIONS, parseSamlProviderArn, rolePairs, SAML_CLOCK_SKEW_SECONDS, SAML_MESSAGES, subjectType, type SamlAssertion } from "./samlAssertion";
import type { SamlMetadataSource, SamlProviderMetadata } from "./samlMetadata";

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
