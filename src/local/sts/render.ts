/**
 * Rendering of STS answers: the Query-protocol XML envelope and its JSON twin (`Accept: application/json`).
 * Shapes follow /work/shared/reference/sts.md §1 (success envelope), §2.3 (AssumeRoleWithWebIdentity) and §3.1
 * (`ErrorResponse`), i.e. the STS API reference samples.
 */
import type { StsFault } from "./faults";

/** The STS XML namespace, API version 2011-06-15. */
export const STS_NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/";

/**
 * A leaf of a result: a string, an integer (e.g. `PackedPolicySize`) or a timestamp. Timestamps render as
 * `YYYY-MM-DDTHH:MM:SSZ` in XML and as epoch seconds (a JSON number) in JSON, as real STS does.
 */
export type ResultLeaf = string | number | Date;

/** A result element tree; `undefined` members are omitted (e.g. `PackedPolicySize` without a session policy). */
export interface ResultTree {
  [element: string]: ResultLeaf | ResultTree | undefined;
}

/** A rendered HTTP body with its content type. */
export interface RenderedBody {
  contentType: string;
  body: string;
}

/**
 * Characters XML 1.0 does not allow in a document (outside its `Char` production): C0 controls other than tab, LF and
 * CR, U+FFFE, U+FFFF, and UTF-16 surrogates that are not part of a pair.
 */
// eslint-disable-next-line no-control-regex -- matching the control characters XML forbids is the point
const NOT_XML_CHAR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Any character {@link escapeXml} changes: markup characters, XML-forbidden controls and noncharacters, surrogates. */
// eslint-disable-next-line no-control-regex -- matching the control characters XML forbids is the point
const NEEDS_ESCAPE = /[&<>"'\u0000-\u0008\u000B\u000C\u000E-\u001F\uD800-\uDFFF\uFFFE\uFFFF]/;

/**
 * Escape text for XML element content and attribute values: the five predefined entities, and every character XML
 * 1.0 forbids (which no escape can carry) replaced by U+FFFD, so an echoed request value can never make the document
 * ill-formed.
 */
export function escapeXml(text: string): string {
  // Most values (keys, base64 tokens, ARNs, dates) need nothing: one scan decides.
  if (!NEEDS_ESCAPE.test(text)) return text;
  return text.replace(NOT_XML_CHAR, "\uFFFD").replace(/[&<>"']/g, (c) => {
    switch (c) {
      case "&":
        return "&amp;";
      case "<":
        return "&lt;";
      case ">":
        return "&gt;";
      case '"':
        return "&quot;";
      default:
        return "&apos;";
    }
  });
}

/** The last second {@link isoSeconds} formatted (answers issued in the same second share it). */
let lastSecond = Number.NaN;
let lastText = "";

/** ISO-8601 UTC without fractional seconds, the form current STS sends: `2024-01-18T15:20:17Z`. */
export function isoSeconds(date: Date): string {
  const second = Math.floor(date.getTime() / 1000);
  if (second !== lastSecond) {
    const iso = date.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ (or ±YYYYYY-… outside years 0–9999); throws for an invalid date
    lastText = `${iso.slice(0, -5)}Z`;
    lastSecond = second;
  }
  return lastText;
}

function isTree(value: ResultLeaf | ResultTree): value is ResultTree {
  return typeof value === "object" && !(value instanceof Date);
}

function leafText(value: ResultLeaf): string {
  if (value instanceof Date) return isoSeconds(value);
  return String(value);
}

function xmlElements(tree: ResultTree, indent: string): string {
  let out = "";
  for (const [name, value] of Object.entries(tree)) {
    if (value === undefined) continue;
    if (isTree(value)) {
      out += `${indent}<${name}>\n${xmlElements(value, indent + "  ")}${indent}</${name}>\n`;
    } else {
      out += `${indent}<${name}>${escapeXml(leafText(value))}</${name}>\n`;
    }
  }
  return out;
}

function jsonValue(value: ResultLeaf | ResultTree): unknown {
  if (value instanceof Date) return Math.floor(value.getTime() / 1000);
  if (typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = jsonValue(v);
    return out;
  }
  return value;
}

/**
 * Render a successful `{Op}Response` envelope: `{Op}Result` plus `ResponseMetadata/RequestId`.
 * XML is `text/xml` with the STS namespace; JSON is
 * `{"{Op}Response":{"{Op}Result":{…},"ResponseMetadata":{"RequestId":…}}}` with timestamps as epoch seconds.
 */
export function renderSuccess(operation: string, result: ResultTree, requestId: string, json: boolean): RenderedBody {
  if (json) {
    const body = {
      [`${operation}Response`]: {
        [`${operation}Result`]: jsonValue(result),
        ResponseMetadata: { RequestId: requestId },
      },
    };
    return { contentType: "application/json", body: JSON.stringify(body) };
  }
  const body =
    `<${operation}Response xmlns="${STS_NAMESPACE}">\n` +
    `  <${operation}Result>\n${xmlElements(result, "    ")}  </${operation}Result>\n` +
    `  <ResponseMetadata>\n    <RequestId>${escapeXml(requestId)}</RequestId>\n  </ResponseMetadata>\n` +
    `</${operation}Response>\n`;
  return { contentType: "text/xml", body };
}

/**
 * Render the STS `ErrorResponse` for a fault: `Error/{Type,Code,Message}` with `RequestId` as a sibling of
 * `Error` (not inside `ResponseMetadata`); JSON: `{"Error":{"Code","Message","Type"},"RequestId"}`.
 */
export function renderFault(fault: StsFault, requestId: string, json: boolean): RenderedBody {
  if (json) {
    const body = { Error: { Code: fault.code, Message: fault.message, Type: fault.type }, RequestId: requestId };
    return { contentType: "application/json", body: JSON.stringify(body) };
  }
  const body =
    `<ErrorResponse xmlns="${STS_NAMESPACE}">\n` +
    `  <Error>\n` +
    `    <Type>${fault.type}</Type>\n` +
    `    <Code>${escapeXml(fault.code)}</Code>\n` +
    `    <Message>${escapeXml(fault.message)}</Message>\n` +
    `  </Error>\n` +
    `  <RequestId>${escapeXml(requestId)}</RequestId>\n` +
    `</ErrorResponse>\n`;
  return { contentType: "text/xml", body };
}
