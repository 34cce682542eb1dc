// The only module that imports fast-xml-parser (CONVENTIONS 3): its options are pinned here.
import type { XMLParser } from "fast-xml-parser";
import Parser from "fast-xml-parser/src/xmlparser/XMLParser.js";
import { validate } from "fast-xml-parser/src/validator.js";

/**
 * A parsed XML element: child element names (namespace prefixes removed) mapped to a string (text content, trimmed),
 * a nested element, or an array when the element repeats (or its path is listed in `arrayPaths`).
 * Attributes are dropped: no AWS Query/REST-XML response we read carries data in attributes.
 */
export type XmlElement = { readonly [name: string]: unknown };

/**
 * The text was not well-formed XML — typically an HTML error page from a proxy or captive portal, a JSON body, or an
 * empty answer. `code`, `line` and `col` come from fast-xml-parser's validator.
 */
export class XmlParseError extends Error {
  override readonly name = "XmlParseError";
  /** The validator's code, e.g. `InvalidTag`, `InvalidChar`, `InvalidXml`; `MultipleRoots` / `NoRoot` from here. */
  readonly code: string;
  readonly line: number | undefined;
  readonly col: number | undefined;

  constructor(code: string, message: string, line?: number, col?: number) {
    super(message);
    this.code = code;
    this.line = line;
    this.col = col;
  }
}

/** Options of {@link parseXml}. */
export interface ParseXmlOptions {
  /**
   * Dotted element paths (from the root, prefixes removed) that are lists and must always parse as arrays, even with
   * zero or one item — e.g. `"ListBucketResult.Contents"`. Without it a single item parses as a plain value.
   */
  readonly arrayPaths?: readonly string[];
  /**
   * Keep attributes, as `@name` members (prefix removed, references decoded once); an element with attributes and
   * text then has its text under `#text`. Off by default: AWS answers carry their data in elements.
   */
  readonly attributes?: boolean;
}

/** List paths of the AWS XML answers this app reads, always parsed as arrays (see {@link ParseXmlOptions}). */
export const DEFAULT_ARRAY_PATHS: readonly string[] = Object.freeze([
  // EC2-style error envelope some Query endpoints (and emulators such as moto) send: <Response><Errors><Error>.
  "Response.Errors.Error",
  // S3 ListObjectsV2.
  "ListBucketResult.Contents",
  "ListBucketResult.CommonPrefixes",
]);

const XML_ENTITIES: Readonly<Record<string, string>> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

/** XML's `Char` production: tab, newline, carriage return, and the Unicode scalar values from U+0020 without U+FFFE/U+FFFF. */
function isXmlChar(code: number): boolean {
  return code === 9 || code === 10 || code === 13 || (code >= 0x20 && code <= 0xd7ff) || (code >= 0xe000 && code <= 0xfffd) || (code >= 0x10000 && code <= 0x10ffff);
}

/**
 * Decodes the character references (`&#60;`, `&#x3C;`) and the five predefined entities of one text value, each
 * exactly once: `&#38;amp;` is the text `&amp;`.
 *
 * @throws {XmlParseError} `InvalidReference` for an `&` that starts no reference, a name XML does not predefine
 * (`&nbsp;`: an answer with no DTD cannot define it), or a reference to a character XML does not allow (`&#0;`).
 */
export function decodeReferences(text: string): string {
  if (!text.includes("&")) return text;
  return text.replace(/&(?:#x([\da-fA-F]{1,8});|#(\d{1,8});|(\w+);)?/g, (match, hex?: string, dec?: string, name?: string) => {
    if (name !== undefined) {
      const entity = XML_ENTITIES[name];
      if (entity !== undefined) return entity;
    } else if (hex !== undefined || dec !== undefined) {
      const code = hex !== undefined ? parseInt(hex, 16) : Number(dec);
      if (isXmlChar(code)) return String.fromCodePoint(code);
    }
    throw new XmlParseError("InvalidReference", `"${match.slice(0, 12)}" is not a character or entity reference XML allows.`);
  });
}

/** Comments (kept), CDATA sections (turned into escaped text) and document type declarations (refused). */
const MARKUP = /<!--[\s\S]*?-->|<!\[CDATA\[([\s\S]*?)\]\]>|<!(?:DOCTYPE|ENTITY)/g;

/**
 * Rewrites each CDATA section as the same text escaped, so every text value reaches {@link decodeReferences} in one
 * form, and refuses a DOCTYPE or entity declaration: AWS answers have none, and an entity declaration is how XML
 * bombs and external-entity reads start. (So the production build drops the library's DTD reader:
 * vite.config.ts `dropUnusedXmlParts`.)
 *
 * @throws {XmlParseError} `DoctypeNotAllowed`.
 */
function withoutCdata(text: string): string {
  return text.replace(MARKUP, (match, cdata?: string) => {
    if (cdata !== undefined) return cdata.replace(/[&<>]/g, (c) => (c === "&" ? "&amp;" : c === "<" ? "&lt;" : "&gt;"));
    if (match.startsWith("<!--")) return match;
    throw new XmlParseError("DoctypeNotAllowed", "The answer declares a document type (<!DOCTYPE or <!ENTITY>); AWS answers never do, so it is refused rather than expanded.");
  });
}

function buildParser(arrayPaths: ReadonlySet<string>, attributes: boolean): XMLParser {
  return new Parser({
    // Digit-only strings stay strings: an account id `012345678901` keeps its leading zero. (The production build
    // drops the library's number parser, which these two options leave unused: vite.config.ts `dropUnusedXmlParts`.)
    parseTagValue: false,
    parseAttributeValue: false,
    ignoreAttributes: !attributes,
    attributeNamePrefix: "@",
    attributeValueProcessor: (_name, value) => decodeReferences(value),
    removeNSPrefix: true,
    trimValues: true,
    // References are decoded here, once (decodeReferences): the library's own pass decodes `&#38;amp;` twice, expands
    // HTML names such as `&nbsp;` that XML does not define, and keeps undefined ones.
    processEntities: false,
    htmlEntities: false,
    tagValueProcessor: (_name, value) => decodeReferences(value),
    ignoreDeclaration: true,
    ignorePiTags: true,
    isArray: (_name, jPath) => typeof jPath === "string" && arrayPaths.has(jPath),
  });
}

/**
 * Parses an AWS XML answer (Query protocol or REST-XML) into plain objects; see {@link XmlElement} for the shape.
 * The result has exactly one key: the root element's name. Values are always strings, never numbers or booleans.
 *
 * Refuses a DOCTYPE or entity declaration, decodes every reference exactly once ({@link decodeReferences}), and
 * validates first with fast-xml-parser's `XMLValidator`, so an HTML page (`<meta charset=utf-8>`, `<br>`), JSON, an
 * empty body or two root elements are refused rather than half-parsed. A well-formed XHTML page does parse; callers
 * recognise it by its root element.
 *
 * @throws {XmlParseError} when the text is not a single well-formed XML document.
 */
export function parseXml(text: string, options: ParseXmlOptions = {}): XmlElement {
  if (text.trim() === "") throw new XmlParseError("NoRoot", "The body is empty, not XML.");
  let parsed: unknown;
  try {
    const xml = withoutCdata(text);
    const valid = validate(xml);
    if (valid !== true) {
      const { code, msg, line, col } = valid.err;
      throw new XmlParseError(code, `Not well-formed XML (line ${line}${col === undefined ? "" : `, column ${col}`}): ${msg}`, line, col);
    }
    parsed = buildParser(new Set(options.arrayPaths ?? DEFAULT_ARRAY_PATHS), options.attributes === true).parse(xml);
  } catch (error) {
    // Nothing the library throws crosses this module untyped.
    throw error instanceof XmlParseError ? error : new XmlParseError("ParserError", `The XML reader failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!isXmlElement(parsed)) throw new XmlParseError("NoRoot", "The XML document has no root element.");
  const roots = Object.keys(parsed);
  if (roots.length !== 1 || Array.isArray(parsed[roots[0] ?? ""])) {
    throw new XmlParseError("MultipleRoots", `An XML document has one root element; found ${roots.length === 1 ? "a repeated one" : roots.length}.`);
  }
  return parsed;
}

/**
 * Run the XML reader once on a tiny document. Its first use compiles its regular expressions and warms its code
 * (~4–6 ms cold against ~0.5 ms warm for an STS answer, measured in Node).
 */
export function warmUpXmlReader(): void {
  try {
    parseXml('<?xml version="1.0"?><A xmlns="urn:w"><B c="d">e&amp;f</B><B/><M><R>1</R></M></A>');
  } catch {
    // never: the document above is well-formed
  }
}

/** True for a parsed element object (not a string, not an array, not null). */
export function isXmlElement(value: unknown): value is XmlElement {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The name of the single root element of a {@link parseXml} result. */
export function rootName(document: XmlElement): string {
  return Object.keys(document)[0] ?? "";
}

/**
 * Walks child elements by name from `node`; `undefined` as soon as a step is missing or is not an element.
 * `elementAt(doc, ["ErrorResponse", "Error", "Code"])`.
 */
export function elementAt(node: unknown, path: readonly string[]): unknown {
  let current: unknown = node;
  for (const name of path) {
    if (!isXmlElement(current) || !Object.hasOwn(current, name)) return undefined;
    current = current[name];
  }
  return current;
}

/** The text at `path` when it is a plain string (possibly empty), else `undefined` (missing, nested, repeated). */
export function textAt(node: unknown, path: readonly string[]): string | undefined {
  const value = elementAt(node, path);
  return typeof value === "string" ? value : undefined;
}
