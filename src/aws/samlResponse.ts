/**
 * What a SAML 2.0 `Response` says, read for display before it goes to STS's AssumeRoleWithSAML: the issuer, the
 * subject, the audience and validity, and the `https://aws.amazon.com/SAML/Attributes/Role` pairs AWS chooses from.
 * This is a reader, not a verifier: STS checks the signature against the SAML provider's metadata.
 */
import { elementAt, isXmlElement, parseXml, XmlParseError, type XmlElement } from "./xml";

/** One value of the Role attribute: a role and the IAM SAML provider allowed to assume it. */
export interface SamlRolePair {
  readonly roleArn: string;
  readonly principalArn: string;
}

export interface SamlResponseSummary {
  /** The decoded XML, as the identity provider wrote it. */
  readonly xml: string;
  readonly issuer: string | undefined;
  readonly nameId: string | undefined;
  readonly nameIdFormat: string | undefined;
  readonly audience: string | undefined;
  readonly notOnOrAfter: string | undefined;
  readonly roles: readonly SamlRolePair[];
  readonly roleSessionName: string | undefined;
  readonly sessionDuration: string | undefined;
  /** True when the assertion carries an XML signature (`ds:Signature`); whether it is valid is STS's call. */
  readonly signed: boolean;
}

export type SamlReadResult = { readonly ok: true; readonly summary: SamlResponseSummary } | { readonly ok: false; readonly problem: string };

const ROLE_ATTRIBUTE = "https://aws.amazon.com/SAML/Attributes/Role";
const SESSION_NAME_ATTRIBUTE = "https://aws.amazon.com/SAML/Attributes/RoleSessionName";
const DURATION_ATTRIBUTE = "https://aws.amazon.com/SAML/Attributes/SessionDuration";

/** Base64 (standard alphabet, whitespace allowed) to UTF-8 text; undefined when it is not base64 or not UTF-8. */
function decodeBase64(text: string): string | undefined {
  const compact = text.replace(/\s+/g, "");
  if (compact === "" || !/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) return undefined;
  try {
    const binary = atob(compact);
    const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

/** Text of an element that may carry attributes (`{"#text": …, "@Format": …}`) or be plain text. */
function text(node: unknown): string | undefined {
  if (typeof node === "string") return node;
  if (isXmlElement(node) && typeof node["#text"] === "string") return node["#text"];
  return undefined;
}

function attribute(node: unknown, name: string): string | undefined {
  return isXmlElement(node) && typeof node[`@${name}`] === "string" ? (node[`@${name}`] as string) : undefined;
}

function list(node: unknown): unknown[] {
  return node === undefined ? [] : Array.isArray(node) ? node : [node];
}

/** AWS accepts the pair in either order: the provider ARN is the one with `:saml-provider/`. */
function rolePair(value: string): SamlRolePair | undefined {
  const parts = value.split(",").map((p) => p.trim());
  if (parts.length !== 2) return undefined;
  const principal = parts.find((p) => /^arn:aws[a-z-]*:iam::\d{12}:saml-provider\//.test(p));
  const role = parts.find((p) => /^arn:aws[a-z-]*:iam::\d{12}:role\//.test(p));
  return principal && role ? { roleArn: role, principalArn: principal } : undefined;
}

/**
 * Read a base64 `SAMLResponse` (as the identity provider posts it). Never throws: a value that is not base64, not
 * XML, or not a SAML `Response` with an `Assertion` gives `{ok: false, problem}` in plain words.
 */
export function readSamlResponse(encoded: string): SamlReadResult {
  const xml = decodeBase64(encoded);
  if (xml === undefined) return { ok: false, problem: "This is not base64-encoded UTF-8 text: paste the SAMLResponse form value exactly as the identity provider posted it." };
  let document: XmlElement;
  try {
    document = parseXml(xml, { attributes: true, arrayPaths: ["Response.Assertion.AttributeStatement.Attribute", "Response.Assertion.AttributeStatement.Attribute.AttributeValue"] });
  } catch (error) {
    return { ok: false, problem: `The decoded text is not XML: ${error instanceof XmlParseError ? error.message : String(error)}` };
  }
  const assertion = elementAt(document, ["Response", "Assertion"]);
  if (!isXmlElement(assertion)) {
    const encrypted = elementAt(document, ["Response", "EncryptedAssertion"]) !== undefined;
    return {
      ok: false,
      problem: encrypted
        ? "The assertion is encrypted (EncryptedAssertion): only AWS can read it. You can still send it to STS."
        : "This is not a SAML 2.0 Response with an Assertion (its root is <" + (Object.keys(document)[0] ?? "?") + ">).",
    };
  }
  const attributes = list(elementAt(assertion, ["AttributeStatement", "Attribute"]));
  const values = (name: string) =>
    attributes
      .filter((a) => attribute(a, "Name") === name)
      .flatMap((a) => list(elementAt(a, ["AttributeValue"])))
      .map(text)
      .filter((v): v is string => v !== undefined);
  const nameIdNode = elementAt(assertion, ["Subject", "NameID"]);
  const conditions = elementAt(assertion, ["Conditions"]);
  return {
    ok: true,
    summary: {
      xml,
      issuer: text(elementAt(assertion, ["Issuer"])),
      nameId: text(nameIdNode),
      nameIdFormat: attribute(nameIdNode, "Format"),
      audience: text(elementAt(conditions, ["AudienceRestriction", "Audience"])),
      notOnOrAfter: attribute(conditions, "NotOnOrAfter"),
      roles: values(ROLE_ATTRIBUTE)
        .map(rolePair)
        .filter((p): p is SamlRolePair => p !== undefined),
      roleSessionName: values(SESSION_NAME_ATTRIBUTE)[0],
      sessionDuration: values(DURATION_ATTRIBUTE)[0],
      signed: elementAt(assertion, ["Signature"]) !== undefined || elementAt(document, ["Response", "Signature"]) !== undefined,
    },
  };
}
