/**
 * The XML documents the local S3 sends, shaped as S3 shapes them (Amazon S3 API Reference: "Error responses",
 * `ListObjectsV2`, `ListBuckets`): an XML declaration line, then the document in namespace
 * `http://s3.amazonaws.com/doc/2006-03-01/` (errors have none), without indentation.
 */
import type { S3Fault } from "./errors";

/** S3's document namespace. */
export const S3_NAMESPACE = "http://s3.amazonaws.com/doc/2006-03-01/";

const DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

/**
 * Escape text for element content: `&`, `<`, `>`, `"` (S3 writes an ETag as `&quot;…&quot;`), `'`, and carriage
 * returns (`&#13;`, which an XML parser would otherwise turn into a newline — S3 object keys may contain them).
 */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"'\r]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;", "\r": "&#13;" })[c] ?? c);
}

function element(name: string, value: string | number | boolean): string {
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

/**
 * S3's error document: `<Error><Code/><Message/>` + the fault's extra elements + `<RequestId/><HostId/></Error>`.
 */
export function errorDocument(fault: S3Fault, requestId: string, hostId: string): string {
  const fields = fault.fields.map(([name, value]) => element(name, value)).join("");
  return `${DECLARATION}<Error>${element("Code", fault.code)}${element("Message", fault.message)}${fields}${element("RequestId", requestId)}${element("HostId", hostId)}</Error>`;
}

/** One object of a listing. */
export interface ListedObject {
  key: string;
  /** ms since the epoch (S3 lists whole seconds: `…T17:50:30.000Z`). */
  lastModified: number;
  /** The quoted hex MD5, e.g. `"fba9dede5f27731c9771645a39863328"`. */
  etag: string;
  size: number;
}

/** The elements of a `ListObjectsV2` answer. */
export interface ListObjectsV2Result {
  bucket: string;
  prefix: string;
  delimiter?: string;
  maxKeys: number;
  startAfter?: string;
  continuationToken?: string;
  nextContinuationToken?: string;
  isTruncated: boolean;
  contents: ListedObject[];
  commonPrefixes: string[];
  /** `url` when the request asked for `encoding-type=url`: keys, prefixes, delimiter and start-after are URL-encoded. */
  encodingType?: "url";
}

/** ISO 8601 with milliseconds, as S3 lists `LastModified`. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** URL-encoding of `encoding-type=url` answers: RFC 3986 except that `/` is kept. */
export function urlEncodeKey(text: string): string {
  return encodeURIComponent(text)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%2F/g, "/");
}

/**
 * `<ListBucketResult>` of `ListObjectsV2`: Name, Prefix, ContinuationToken, NextContinuationToken, KeyCount (objects
 * plus common prefixes), MaxKeys, Delimiter, StartAfter, EncodingType, IsTruncated, then Contents and CommonPrefixes.
 * (Element order as in S3's documented examples; SDK parsers do not depend on it.)
 */
export function listObjectsV2Document(r: ListObjectsV2Result): string {
  const enc = (text: string) => (r.encodingType === "url" ? urlEncodeKey(text) : text);
  const parts = [
    element("Name", r.bucket),
    element("Prefix", enc(r.prefix)),
    r.continuationToken !== undefined ? element("ContinuationToken", r.continuationToken) : "",
    r.nextContinuationToken !== undefined ? element("NextContinuationToken", r.nextContinuationToken) : "",
    element("KeyCount", r.contents.length + r.commonPrefixes.length),
    element("MaxKeys", r.maxKeys),
    r.delimiter !== undefined ? element("Delimiter", enc(r.delimiter)) : "",
    r.startAfter !== undefined ? element("StartAfter", enc(r.startAfter)) : "",
    r.encodingType !== undefined ? element("EncodingType", r.encodingType) : "",
    element("IsTruncated", r.isTruncated),
    ...r.contents.map(
      (o) =>
        `<Contents>${element("Key", enc(o.key))}${element("LastModified", isoTime(o.lastModified))}${element("ETag", o.etag)}${element("Size", o.size)}${element("StorageClass", "STANDARD")}</Contents>`,
    ),
    ...r.commonPrefixes.map((p) => `<CommonPrefixes>${element("Prefix", enc(p))}</CommonPrefixes>`),
  ];
  return `${DECLARATION}<ListBucketResult xmlns="${S3_NAMESPACE}">${parts.join("")}</ListBucketResult>`;
}

/** `<ListAllMyBucketsResult>` of `ListBuckets`. */
export function listBucketsDocument(owner: { id: string; displayName: string }, buckets: readonly { name: string; created: number }[]): string {
  const list = buckets.map((b) => `<Bucket>${element("Name", b.name)}${element("CreationDate", isoTime(b.created))}</Bucket>`).join("");
  return `${DECLARATION}<ListAllMyBucketsResult xmlns="${S3_NAMESPACE}"><Owner>${element("ID", owner.id)}${element("DisplayName", owner.displayName)}</Owner><Buckets>${list}</Buckets></ListAllMyBucketsResult>`;
}
