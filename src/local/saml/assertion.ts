/**
 * The SAML 2.0 documents of the local IdP, built from templates with every value escaped: the IdP-initiated
 * `samlp:Response` carrying one signed `saml:Assertion` with the attributes AWS requires (IAM User Guide "Configure
 * SAML assertions for the authentication response"), and the metadata `EntityDescriptor` with the signing certificate
 * (SAML 2.0 metadata §2.4.3). Signing itself is ./xml.ts.
 */
import { randomBytes } from "node:crypto";
import { certificateBody, escapeXml, MD_NS, SAML_NS, SAMLP_NS, signElement, type SigningCredentials } from "./xml";

/** Where AWS's sign-in endpoint receives SAML responses: the `Recipient`, `Destination` and default `Audience`. */
export const AWS_SAML_ENDPOINT = "https://signin.aws.amazon.com/saml";
/** The other audience AWS accepts. */
export const AWS_SAML_URN = "urn:amazon:webservices";

export const ATTRIBUTES = {
  role: "https://aws.amazon.com/SAML/Attributes/Role",
  roleSessionName: "https://aws.amazon.com/SAML/Attributes/RoleSessionName",
  sessionDuration: "https://aws.amazon.com/SAML/Attributes/SessionDuration",
  sourceIdentity: "https://aws.amazon.com/SAML/Attributes/SourceIdentity",
  principalTagPrefix: "https://aws.amazon.com/SAML/Attributes/PrincipalTag:",
  transitiveTagKeys: "https://aws.amazon.com/SAML/Attributes/TransitiveTagKeys",
} as const;

export const NAMEID_FORMAT = {
  persistent: "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent",
  transient: "urn:oasis:names:tc:SAML:2.0:nameid-format:transient",
  email: "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
  unspecified: "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified",
} as const;

export const BEARER = "urn:oasis:names:tc:SAML:2.0:cm:bearer";
export const STATUS_SUCCESS = "urn:oasis:names:tc:SAML:2.0:status:Success";

/** A fresh SAML ID: an NCName (`_` + 40 hex digits), unique with overwhelming probability. */
export function newSamlId(): string {
  return `_${randomBytes(20).toString("hex")}`;
}

/** `2024-01-18T15:20:17.123Z` */
export function samlInstant(ms: number): string {
  return new Date(ms).toISOString();
}

/** One `saml:Attribute` with its values (strings). */
export interface SamlAttribute {
  name: string;
  friendlyName?: string;
  values: readonly string[];
}

/** Everything an assertion says. Times are ms since the epoch. */
export interface AssertionInput {
  issuer: string;
  nameId: string;
  nameIdFormat?: string;
  /** `SubjectConfirmationData/@Recipient` and `Response/@Destination`. Default {@link AWS_SAML_ENDPOINT}. */
  recipient?: string;
  /** `AudienceRestriction/Audience` values. Default [{@link AWS_SAML_ENDPOINT}]. */
  audiences?: readonly string[];
  issueInstant: number;
  /** `Conditions/@NotBefore`. */
  notBefore: number;
  /** `Conditions/@NotOnOrAfter` and `SubjectConfirmationData/@NotOnOrAfter`. */
  notOnOrAfter: number;
  /** `AuthnStatement/@SessionNotOnOrAfter`, when set. */
  sessionNotOnOrAfter?: number;
  attributes: readonly SamlAttribute[];
  /** Default: fresh IDs. */
  responseId?: string;
  assertionId?: string;
}

function attributeXml(a: SamlAttribute): string {
  const friendly = a.friendlyName ? ` FriendlyName="${escapeXml(a.friendlyName)}"` : "";
  const values = a.values.map((v) => `<saml:AttributeValue xsi:type="xs:string">${escapeXml(v)}</saml:AttributeValue>`).join("");
  return `<saml:Attribute Name="${escapeXml(a.name)}"${friendly} NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri">${values}</saml:Attribute>`;
}

/** The unsigned `samlp:Response` (the assertion has its ID; {@link signResponse} signs it). */
export function buildResponse(input: AssertionInput): { xml: string; responseId: string; assertionId: string } {
  const responseId = input.responseId ?? newSamlId();
  const assertionId = input.assertionId ?? newSamlId();
  const recipient = input.recipient ?? AWS_SAML_ENDPOINT;
  const audiences = input.audiences ?? [AWS_SAML_ENDPOINT];
  const issuer = escapeXml(input.issuer);
  const issued = samlInstant(input.issueInstant);
  const notOnOrAfter = samlInstant(input.notOnOrAfter);
  const sessionNotOnOrAfter = input.sessionNotOnOrAfter === undefined ? "" : ` SessionNotOnOrAfter="${samlInstant(input.sessionNotOnOrAfter)}"`;
  const format = input.nameIdFormat === undefined ? "" : ` Format="${escapeXml(input.nameIdFormat)}"`;
  const xml =
    `<samlp:Response xmlns:samlp="${SAMLP_NS}" xmlns:saml="${SAML_NS}" ID="${responseId}" Version="2.0" IssueInstant="${issued}" Destination="${escapeXml(recipient)}">` +
    `<saml:Issuer>${issuer}</saml:Issuer>` +
    `<samlp:Status><samlp:StatusCode Value="${STATUS_SUCCESS}"/></samlp:Status>` +
    `<saml:Assertion xmlns:saml="${SAML_NS}" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ID="${assertionId}" Version="2.0" IssueInstant="${issued}">` +
    `<saml:Issuer>${issuer}</saml:Issuer>` +
    `<saml:Subject><saml:NameID${format}>${escapeXml(input.nameId)}</saml:NameID>` +
    `<saml:SubjectConfirmation Method="${BEARER}"><saml:SubjectConfirmationData NotOnOrAfter="${notOnOrAfter}" Recipient="${escapeXml(recipient)}"/></saml:SubjectConfirmation></saml:Subject>` +
    `<saml:Conditions NotBefore="${samlInstant(input.notBefore)}" NotOnOrAfter="${notOnOrAfter}"><saml:AudienceRestriction>${audiences.map((a) => `<saml:Audience>${escapeXml(a)}</saml:Audience>`).join("")}</saml:AudienceRestriction></saml:Conditions>` +
    `<saml:AuthnStatement AuthnInstant="${issued}" SessionIndex="${assertionId}"${sessionNotOnOrAfter}><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>` +
    `<saml:AttributeStatement>${input.attributes.map(attributeXml).join("")}</saml:AttributeStatement>` +
    `</saml:Assertion></samlp:Response>`;
  return { xml, responseId, assertionId };
}

/** Build the response and sign its assertion (enveloped, RSA-SHA256, exclusive c14n). */
export function signResponse(input: AssertionInput, credentials: SigningCredentials): { xml: string; assertionId: string } {
  const { xml, assertionId } = buildResponse(input);
  return { xml: signElement(xml, assertionId, credentials), assertionId };
}

/**
 * The IdP's metadata: an `EntityDescriptor` with one `IDPSSODescriptor` (SAML 2.0 protocol), the signing certificate
 * in a `KeyDescriptor use="signing"`, the supported NameID formats and the SSO endpoint (HTTP-Redirect binding, an
 * IdP-initiated sign-in page here).
 */
export function renderMetadata(input: { entityId: string; ssoUrl: string; certificatePem: string; validUntil?: number }): string {
  const validUntil = input.validUntil === undefined ? "" : ` validUntil="${samlInstant(input.validUntil)}"`;
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<md:EntityDescriptor xmlns:md="${MD_NS}" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="${escapeXml(input.entityId)}"${validUntil}>\n` +
    `  <md:IDPSSODescriptor WantAuthnRequestsSigned="false" protocolSupportEnumeration="${SAMLP_NS}">\n` +
    `    <md:KeyDescriptor use="signing">\n` +
    `      <ds:KeyInfo><ds:X509Data><ds:X509Certificate>${certificateBody(input.certificatePem)}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>\n` +
    `    </md:KeyDescriptor>\n` +
    `    <md:NameIDFormat>${NAMEID_FORMAT.persistent}</md:NameIDFormat>\n` +
    `    <md:NameIDFormat>${NAMEID_FORMAT.transient}</md:NameIDFormat>\n` +
    `    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="${escapeXml(input.ssoUrl)}"/>\n` +
    `  </md:IDPSSODescriptor>\n` +
    `</md:EntityDescriptor>\n`
  );
}
