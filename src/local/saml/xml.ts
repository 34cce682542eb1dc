/**
 * The one module of the local stack that owns `@xmldom/xmldom` and `xml-crypto` (CONVENTIONS 3): safe parsing of SAML
 * documents (no DTD, no entities, parse errors are errors), the enveloped RSA-SHA256 / exclusive-c14n signature the
 * local SAML IdP puts on its assertions, and signature verification that hands back ONLY the XML the signature covers.
 *
 * Verification pins what the library would otherwise take from the document: the key is never read from the
 * signature's own `KeyInfo` (xml-crypto's default would trust an attacker's embedded certificate), only the caller's
 * certificates are tried; the signature and digest methods, the transforms and the single reference are checked
 * against a short allow-list before xml-crypto runs; and the caller gets the canonical XML of the signed reference
 * (xml-crypto's `getSignedReferences()`), never nodes of the original document — so content moved beside, around or
 * inside the signed element (XML signature wrapping) and comments inside text (c14n drops them) cannot change what is
 * read. XML Signature: https://www.w3.org/TR/xmldsig-core1/ ; xml-crypto 6 README "Verifying XML documents".
 */
import { X509Certificate } from "node:crypto";
import { DOMParser, XMLSerializer } from "@xmldom/xmldom";
import { SignedXml } from "xml-crypto";

export const SAMLP_NS = "urn:oasis:names:tc:SAML:2.0:protocol";
export const SAML_NS = "urn:oasis:names:tc:SAML:2.0:assertion";
export const MD_NS = "urn:oasis:names:tc:SAML:2.0:metadata";
export const DS_NS = "http://www.w3.org/2000/09/xmldsig#";

export const RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
export const RSA_SHA512 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512";
export const SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256";
export const SHA512 = "http://www.w3.org/2001/04/xmlenc#sha512";
export const EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#";
export const ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";

const SIGNATURE_METHODS = new Set([RSA_SHA256, RSA_SHA512]);
const DIGEST_METHODS = new Set([SHA256, SHA512]);
const TRANSFORMS = new Set([ENVELOPED, EXC_C14N]);

/** Thrown for anything that is not a well-formed, DTD-free XML document. */
export class XmlDocumentError extends Error {
  override readonly name = "XmlDocumentError";
}

/** Escape text for an XML text node or a double-quoted attribute. */
export function escapeXml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c] ?? c);
}

/**
 * Parse an XML document safely: a document type declaration (and with it any entity declaration, internal or
 * external) is refused before parsing, and every parser warning or error is an {@link XmlDocumentError}.
 * @throws XmlDocumentError
 */
export function parseXml(text: string): Document {
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) throw new XmlDocumentError("XML with a document type declaration is refused (no DTDs, no entities)");
  const fail = (message: string) => {
    throw new XmlDocumentError(`malformed XML: ${message}`);
  };
  const parser = new DOMParser({ errorHandler: { warning: fail, error: fail, fatalError: fail } });
  let doc: Document;
  try {
    doc = parser.parseFromString(text, "text/xml") as unknown as Document;
  } catch (e) {
    if (e instanceof XmlDocumentError) throw e;
    throw new XmlDocumentError(`malformed XML: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!doc?.documentElement) throw new XmlDocumentError("malformed XML: no root element");
  return doc;
}

/** Serialize a node (tests and the IdP's own templates use it; the STS reads only signed references). */
export function serializeXml(node: Node): string {
  return new XMLSerializer().serializeToString(node as never);
}

/** The element children of `parent` (in document order), optionally only those with this namespace and local name. */
export function childElements(parent: Node, ns?: string, localName?: string): Element[] {
  const out: Element[] = [];
  for (let n = parent.firstChild; n; n = n.nextSibling) {
    if (n.nodeType !== 1) continue;
    const e = n as Element;
    if (ns !== undefined && e.namespaceURI !== ns) continue;
    if (localName !== undefined && e.localName !== localName) continue;
    out.push(e);
  }
  return out;
}

/** Every element below `root` (root included) with this namespace and local name, in document order. */
export function descendants(root: Node, ns: string, localName: string): Element[] {
  const found = (root as Document | Element).getElementsByTagNameNS(ns, localName);
  const out: Element[] = [];
  for (let i = 0; i < found.length; i++) {
    const e = found.item(i);
    if (e) out.push(e);
  }
  if (root.nodeType === 1 && (root as Element).namespaceURI === ns && (root as Element).localName === localName) out.unshift(root as Element);
  return out;
}

/** The whole text content of an element (every text node, comments excluded), as the DOM's `textContent`. */
export function textOf(e: Element): string {
  return e.textContent ?? "";
}

// ---------------------------------------------------------------------------------------------------------------
// Signing (the IdP)

/** An RSA signing key and its certificate, both PEM. */
export interface SigningCredentials {
  privateKeyPem: string;
  certificatePem: string;
}

/**
 * Sign the element with this `ID` inside `xml` with an enveloped signature (RSA-SHA256, SHA-256 digest, exclusive
 * c14n), placed right after the element's `saml:Issuer` as SAML core §5.4.1 requires, with the certificate in
 * `KeyInfo/X509Data`. Returns the whole document with the signature.
 */
export function signElement(xml: string, id: string, credentials: SigningCredentials): string {
  if (!/^[A-Za-z_][\w.-]*$/.test(id)) throw new Error(`not an XML ID: ${id}`);
  const sig = new SignedXml({
    privateKey: credentials.privateKeyPem,
    publicCert: credentials.certificatePem,
    signatureAlgorithm: RSA_SHA256,
    canonicalizationAlgorithm: EXC_C14N,
  });
  const target = `//*[@ID='${id}']`;
  sig.addReference({ xpath: target, transforms: [ENVELOPED, EXC_C14N], digestAlgorithm: SHA256 });
  sig.computeSignature(xml, {
    prefix: "ds",
    location: { reference: `${target}/*[local-name(.)='Issuer' and namespace-uri(.)='${SAML_NS}']`, action: "after" },
  });
  return sig.getSignedXml();
}

// ---------------------------------------------------------------------------------------------------------------
// Verification (the STS)

/** What a verified signature covers: the referenced ID and the canonical XML of that element, signature removed. */
export interface SignedReference {
  /** The `ID` the single `Reference URI="#…"` names. */
  id: string;
  /** The canonical XML (exclusive c14n, no comments, enveloped signature removed) the digest was computed over. */
  xml: string;
}

/** Why a signature does not verify (for logs and traces; STS answers one text for all). */
export class SignatureError extends Error {
  override readonly name = "SignatureError";
}

function attr(e: Element, name: string): string {
  return e.getAttribute(name) ?? "";
}

/**
 * Rule: `signature` (a `ds:Signature` element of `doc`, parsed by {@link parseXml} from `xml`) uses RSA-SHA256/512
 * over exclusive c14n, has exactly one same-document `Reference` with SHA-256/512 and only the enveloped-signature and
 * exclusive-c14n transforms, its digest matches, and its value verifies under one of `certificatesPem` (never a key
 * the document brings itself).
 * @returns the signed reference: its ID and the canonical XML the signature covers.
 * @throws SignatureError
 */
export function verifySignature(xml: string, signature: Element, certificatesPem: readonly string[]): SignedReference {
  const signedInfo = childElements(signature, DS_NS, "SignedInfo");
  if (signedInfo.length !== 1 || !signedInfo[0]) throw new SignatureError("the signature needs exactly one SignedInfo");
  const info = signedInfo[0];
  const c14n = childElements(info, DS_NS, "CanonicalizationMethod")[0];
  if (!c14n || attr(c14n, "Algorithm") !== EXC_C14N) throw new SignatureError("SignedInfo must be canonicalized with exclusive c14n");
  const method = childElements(info, DS_NS, "SignatureMethod")[0];
  if (!method || !SIGNATURE_METHODS.has(attr(method, "Algorithm"))) throw new SignatureError("the signature method must be RSA-SHA256 or RSA-SHA512");
  const references = childElements(info, DS_NS, "Reference");
  if (references.length !== 1 || !references[0]) throw new SignatureError("the signature must have exactly one Reference");
  const reference = references[0];
  const uri = attr(reference, "URI");
  if (!/^#[A-Za-z_][\w.-]*$/.test(uri)) throw new SignatureError("the Reference must name an element by ID (URI=\"#…\")");
  const digest = childElements(reference, DS_NS, "DigestMethod")[0];
  if (!digest || !DIGEST_METHODS.has(attr(digest, "Algorithm"))) throw new SignatureError("the digest method must be SHA-256 or SHA-512");
  const transforms = childElements(reference, DS_NS, "Transforms")[0];
  for (const t of transforms ? childElements(transforms, DS_NS, "Transform") : []) {
    if (!TRANSFORMS.has(attr(t, "Algorithm"))) throw new SignatureError(`transform ${attr(t, "Algorithm")} is not allowed`);
    if (t.firstChild) throw new SignatureError("transforms with parameters are not allowed");
  }
  let lastError: unknown;
  for (const certificatePem of certificatesPem) {
    const sig = new SignedXml({ publicCert: certificatePem, getCertFromKeyInfo: () => null });
    try {
      sig.loadSignature(signature);
      if (sig.checkSignature(xml)) {
        const signed = sig.getSignedReferences();
        if (signed.length !== 1 || signed[0] === undefined) throw new SignatureError("expected exactly one signed reference");
        return { id: uri.slice(1), xml: signed[0] };
      }
      lastError = new SignatureError("a reference digest does not match");
    } catch (e) {
      lastError = e;
    }
  }
  throw lastError instanceof SignatureError ? lastError : new SignatureError(`the signature does not verify: ${lastError instanceof Error ? lastError.message : String(lastError)}`);
}

// ---------------------------------------------------------------------------------------------------------------
// Certificates in metadata

/** The base64 body of a PEM certificate (what `ds:X509Certificate` carries). */
export function certificateBody(pem: string): string {
  return pem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, "").replace(/\s+/g, "");
}

/**
 * A `ds:X509Certificate` text as a PEM certificate, checked by node:crypto.
 * @throws Error when it is not a certificate.
 */
export function certificateFromBase64(text: string): string {
  const body = text.replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(body)) throw new Error("X509Certificate is not base64");
  const pem = `-----BEGIN CERTIFICATE-----\n${body.replace(/(.{64})/g, "$1\n").replace(/\n$/, "")}\n-----END CERTIFICATE-----\n`;
  new X509Certificate(pem);
  return pem;
}
