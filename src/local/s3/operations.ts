/**
 * The S3 operations the stand-in implements, on the object store (./storage.ts), each as S3 answers it (Amazon S3
 * API Reference `ListObjectsV2`, `GetObject`, `HeadObject`, `PutObject`, `DeleteObject`, `HeadBucket`): status,
 * headers and body. Authentication and authorization happen before (./server.ts).
 */
import { createHash } from "node:crypto";
import type { Readable } from "node:stream";
import { crc32 } from "node:zlib";
import { S3Fault, S3_MESSAGES, noSuchKey } from "./errors";
import { contentRange, resolveRange } from "./range";
import { compareKeys, type BodyDigests, type ObjectMeta, type ObjectStore } from "./storage";
import { listObjectsV2Document, type ListObjectsV2Result } from "./xml";

/** An answer before the common headers (request id, Date, CORS) are added. */
export interface Reply {
  status: number;
  headers: Record<string, string>;
  body?: Buffer | Readable;
}

/** S3's default page size and largest `max-keys`. */
export const MAX_KEYS = 1000;

function xmlReply(text: string): Reply {
  const body = Buffer.from(text, "utf8");
  return { status: 200, headers: { "Content-Type": "application/xml", "Content-Length": String(body.length) }, body };
}

// ---------------------------------------------------------------------------------------------------------------
// ListObjectsV2

/** The parameters of a `ListObjectsV2` request (`GET /<bucket>?list-type=2&…`). */
export interface ListParams {
  prefix?: string;
  delimiter?: string;
  maxKeys?: string;
  continuationToken?: string;
  startAfter?: string;
  encodingType?: string;
}

/** A continuation token: where the previous page stopped, as S3-like opaque base64. */
interface Marker {
  /** The last key returned, or the last common prefix returned (`p`). */
  after: string;
  prefix: boolean;
}

/** Encode where a page stopped as an opaque continuation token. */
export function encodeContinuationToken(marker: Marker): string {
  return Buffer.from(JSON.stringify({ v: 1, a: marker.after, p: marker.prefix }), "utf8").toString("base64");
}

/**
 * Rule: a continuation token is one this stand-in issued.
 * @throws S3Fault `InvalidArgument` (400) `The continuation token provided is incorrect`.
 */
export function decodeContinuationToken(token: string): Marker {
  const bad = () => new S3Fault("InvalidArgument", 400, S3_MESSAGES.continuationToken, [["ArgumentName", "continuation-token"], ["ArgumentValue", token]]);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(token)) throw bad();
  try {
    const parsed = JSON.parse(Buffer.from(token, "base64").toString("utf8")) as { v?: unknown; a?: unknown; p?: unknown };
    if (parsed.v !== 1 || typeof parsed.a !== "string" || typeof parsed.p !== "boolean") throw bad();
    return { after: parsed.a, prefix: parsed.p };
  } catch {
    throw bad();
  }
}

/**
 * Rule: `max-keys` is a whole number ≥ 0 (values above 1000 give 1000); `encoding-type` is `url` when given.
 * @throws S3Fault `InvalidArgument` (400) with `ArgumentName` / `ArgumentValue`.
 */
export function checkListParams(p: ListParams): { maxKeys: number; encodingType?: "url" } {
  let maxKeys = MAX_KEYS;
  if (p.maxKeys !== undefined) {
    if (!/^\d{1,10}$/.test(p.maxKeys) || Number(p.maxKeys) > 2_147_483_647) {
      throw new S3Fault("InvalidArgument", 400, S3_MESSAGES.maxKeys, [["ArgumentName", "max-keys"], ["ArgumentValue", p.maxKeys]]);
    }
    maxKeys = Math.min(Number(p.maxKeys), MAX_KEYS);
  }
  if (p.encodingType !== undefined && p.encodingType !== "url") {
    throw new S3Fault("InvalidArgument", 400, S3_MESSAGES.encodingType, [["ArgumentName", "encoding-type"], ["ArgumentValue", p.encodingType]]);
  }
  return { maxKeys, ...(p.encodingType === "url" ? { encodingType: "url" as const } : {}) };
}

/**
 * One page of a listing: keys under `prefix` after the continuation token (or `start-after`), in UTF-8 byte order;
 * with a delimiter, keys with the delimiter after the prefix roll up into common prefixes; keys and common prefixes
 * together fill at most `maxKeys` entries.
 */
export function listPage(objects: readonly ObjectMeta[], bucket: string, p: ListParams): ListObjectsV2Result {
  const { maxKeys, encodingType } = checkListParams(p);
  const prefix = p.prefix ?? "";
  const delimiter = p.delimiter === "" ? undefined : p.delimiter;
  const marker: Marker | undefined =
    p.continuationToken !== undefined ? decodeContinuationToken(p.continuationToken) : p.startAfter ? { after: p.startAfter, prefix: false } : undefined;
  const contents: ObjectMeta[] = [];
  const commonPrefixes: string[] = [];
  let last: Marker | undefined;
  let isTruncated = false;
  for (const object of objects) {
    const key = object.key;
    if (!key.startsWith(prefix)) continue;
    if (marker && (compareKeys(key, marker.after) <= 0 || (marker.prefix && key.startsWith(marker.after)))) continue;
    const cut = delimiter === undefined ? -1 : key.indexOf(delimiter, prefix.length);
    const common = cut < 0 ? undefined : key.slice(0, cut + (delimiter ?? "").length);
    if (common !== undefined && last?.prefix && last.after === common) continue;
    if (contents.length + commonPrefixes.length >= maxKeys) {
      isTruncated = maxKeys > 0;
      break;
    }
    if (common !== undefined) {
      commonPrefixes.push(common);
      last = { after: common, prefix: true };
    } else {
      contents.push(object);
      last = { after: key, prefix: false };
    }
  }
  return {
    bucket,
    prefix,
    ...(p.delimiter !== undefined ? { delimiter: p.delimiter } : {}),
    maxKeys,
    ...(p.startAfter !== undefined ? { startAfter: p.startAfter } : {}),
    ...(p.continuationToken !== undefined ? { continuationToken: p.continuationToken } : {}),
    ...(isTruncated && last ? { nextContinuationToken: encodeContinuationToken(last) } : {}),
    isTruncated,
    contents: contents.map((o) => ({ key: o.key, lastModified: o.lastModified, etag: o.etag, size: o.size })),
    commonPrefixes,
    ...(encodingType ? { encodingType } : {}),
  };
}

/** `ListObjectsV2`: 200 with `<ListBucketResult>`. */
export function listObjectsV2(store: ObjectStore, bucket: string, p: ListParams): Reply {
  return xmlReply(listObjectsV2Document(listPage(store.list(bucket), bucket, p)));
}

// ---------------------------------------------------------------------------------------------------------------
// GetObject / HeadObject

/** HTTP date of a time in ms (`Last-Modified`). */
function httpDate(ms: number): string {
  return new Date(ms).toUTCString();
}

function objectHeaders(meta: ObjectMeta): Record<string, string> {
  const headers: Record<string, string> = {
    "Last-Modified": httpDate(meta.lastModified),
    ETag: meta.etag,
    "Accept-Ranges": "bytes",
    "Content-Type": meta.contentType,
  };
  for (const [name, value] of Object.entries(meta.headers)) headers[name] = value;
  for (const [name, value] of Object.entries(meta.userMetadata)) headers[`x-amz-meta-${name}`] = value;
  return headers;
}

/** The conditional-request headers of GetObject / HeadObject. */
export interface Conditions {
  ifMatch?: string;
  ifNoneMatch?: string;
  ifModifiedSince?: string;
  ifUnmodifiedSince?: string;
}

function etagListHas(list: string, etag: string): boolean {
  return list.split(",").some((t) => {
    const tag = t.trim().replace(/^W\//, "");
    return tag === "*" || tag === etag || `"${tag}"` === etag;
  });
}

/**
 * Rule (RFC 9110 §13 as S3 applies it): `If-Match` false → 412; `If-Unmodified-Since` passed (without `If-Match`)
 * → 412; `If-None-Match` true → 304; `If-Modified-Since` not modified (without `If-None-Match`) → 304.
 * @throws S3Fault `PreconditionFailed` (412) with `<Condition>`; returns a 304 reply for "not modified".
 */
export function checkConditions(meta: ObjectMeta, c: Conditions): Reply | undefined {
  const fail = (condition: string) => new S3Fault("PreconditionFailed", 412, S3_MESSAGES.preconditionFailed, [["Condition", condition]]);
  const since = (text: string | undefined) => (text === undefined ? NaN : Date.parse(text));
  if (c.ifMatch !== undefined && !etagListHas(c.ifMatch, meta.etag)) throw fail("If-Match");
  if (c.ifMatch === undefined && meta.lastModified > since(c.ifUnmodifiedSince)) throw fail("If-Unmodified-Since");
  const notModified = { status: 304, headers: { ETag: meta.etag, "Last-Modified": httpDate(meta.lastModified) } };
  if (c.ifNoneMatch !== undefined) return etagListHas(c.ifNoneMatch, meta.etag) ? notModified : undefined;
  if (meta.lastModified <= since(c.ifModifiedSince)) return notModified;
  return undefined;
}

/** `response-*` query overrides of GetObject and the headers they replace. */
const RESPONSE_OVERRIDES: Record<string, string> = {
  "response-content-type": "Content-Type",
  "response-content-language": "Content-Language",
  "response-expires": "Expires",
  "response-cache-control": "Cache-Control",
  "response-content-disposition": "Content-Disposition",
  "response-content-encoding": "Content-Encoding",
};

/**
 * `GetObject` / `HeadObject`: 200 with the object (or 206 with one `Range`, `Content-Range`), 304 / 412 for
 * conditions, `response-*` overrides applied.
 * @throws S3Fault `NoSuchKey` (404) — the caller decides beforehand whether the caller may learn that —,
 *   `InvalidRange` (416) with `RangeRequested` and `ActualObjectSize`, `PreconditionFailed` (412).
 */
export async function getObject(
  store: ObjectStore,
  bucket: string,
  key: string,
  opts: { head: boolean; range?: string; conditions: Conditions; overrides: ReadonlyMap<string, string> },
): Promise<Reply> {
  const opened = await store.open(bucket, key);
  if (!opened) throw noSuchKey(key);
  const { meta } = opened;
  let handedOver = false;
  try {
    const early = checkConditions(meta, opts.conditions);
    if (early) return early;
    const headers = objectHeaders(meta);
    for (const [param, header] of Object.entries(RESPONSE_OVERRIDES)) {
      const value = opts.overrides.get(param);
      if (value !== undefined) headers[header] = value;
    }
    const outcome = resolveRange(opts.range, meta.size);
    if (outcome.kind === "unsatisfiable") {
      throw new S3Fault("InvalidRange", 416, S3_MESSAGES.invalidRange, [
        ["RangeRequested", opts.range ?? ""],
        ["ActualObjectSize", String(meta.size)],
      ]);
    }
    if (outcome.kind === "partial") {
      const { range } = outcome;
      headers["Content-Range"] = contentRange(range, meta.size);
      headers["Content-Length"] = String(range.end - range.start + 1);
      if (opts.head) return { status: 206, headers };
      handedOver = true;
      return { status: 206, headers, body: opened.stream(range) };
    }
    headers["Content-Length"] = String(meta.size);
    if (opts.head) return { status: 200, headers };
    handedOver = true;
    return { status: 200, headers, body: opened.stream() };
  } finally {
    if (!handedOver) await opened.close();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// PutObject

/** Representation headers S3 stores with an object and returns on GET. */
const STORED_HEADERS = ["cache-control", "content-disposition", "content-encoding", "content-language", "expires"];

/** What PutObject reads from the request headers. */
export interface PutRequest {
  headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The payload hash the signature covered: a hex SHA-256 to check, or `UNSIGNED-PAYLOAD`. */
  payloadHash: string;
  maxObjectBytes: number;
  now: number;
}

function one(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Rule: a PUT has a `Content-Length` (S3 accepts no chunked transfer encoding), within the object size limit, and a
 * well-formed `Content-MD5` when one is sent.
 * @throws S3Fault `NotImplemented` (501, `<Header>Transfer-Encoding</Header>`), `MissingContentLength` (411),
 *   `EntityTooLarge` (400, `ProposedSize`, `MaxSizeAllowed`), `InvalidDigest` (400).
 */
export function checkPutHeaders(put: PutRequest): void {
  const length = one(put.headers["content-length"]);
  if (length === undefined) {
    if (one(put.headers["transfer-encoding"]) !== undefined) throw new S3Fault("NotImplemented", 501, S3_MESSAGES.notImplemented, [["Header", "Transfer-Encoding"]]);
    throw new S3Fault("MissingContentLength", 411, S3_MESSAGES.missingContentLength);
  }
  if (Number(length) > put.maxObjectBytes) {
    throw new S3Fault("EntityTooLarge", 400, S3_MESSAGES.entityTooLarge, [
      ["ProposedSize", length],
      ["MaxSizeAllowed", String(put.maxObjectBytes)],
    ]);
  }
  const md5 = one(put.headers["content-md5"]);
  if (md5 !== undefined && (!/^[A-Za-z0-9+/]{22}==$/.test(md5) || Buffer.from(md5, "base64").length !== 16)) {
    throw new S3Fault("InvalidDigest", 400, S3_MESSAGES.invalidDigest, [["Content-MD5", md5]]);
  }
}

/**
 * Rule: the body matches the hashes the request states: `x-amz-content-sha256` (when not `UNSIGNED-PAYLOAD`),
 * `Content-MD5`, and the flexible checksums `x-amz-checksum-crc32` / `-sha1` / `-sha256` (CRC32C and CRC64NVME are
 * accepted unverified).
 * @throws S3Fault `XAmzContentSHA256Mismatch` (400, `ClientComputedContentSHA256`, `S3ComputedContentSHA256`),
 *   `BadDigest` (400, `ExpectedDigest`, `CalculatedDigest` for MD5; the checksum's own message otherwise).
 */
export function verifyBody(put: PutRequest, digests: BodyDigests, crc: number): void {
  if (put.payloadHash !== "UNSIGNED-PAYLOAD" && put.payloadHash !== digests.sha256Hex) {
    throw new S3Fault("XAmzContentSHA256Mismatch", 400, S3_MESSAGES.sha256Mismatch, [
      ["ClientComputedContentSHA256", put.payloadHash],
      ["S3ComputedContentSHA256", digests.sha256Hex],
    ]);
  }
  const md5 = one(put.headers["content-md5"]);
  if (md5 !== undefined && md5 !== digests.md5.toString("base64")) {
    throw new S3Fault("BadDigest", 400, S3_MESSAGES.badDigest, [
      ["ExpectedDigest", Buffer.from(md5, "base64").toString("hex")],
      ["CalculatedDigest", digests.md5.toString("hex")],
    ]);
  }
  const crcBytes = Buffer.alloc(4);
  crcBytes.writeUInt32BE(crc >>> 0, 0);
  const computed: Record<string, [string, string]> = {
    "x-amz-checksum-crc32": ["CRC32", crcBytes.toString("base64")],
    "x-amz-checksum-sha1": ["SHA1", digests.sha1.toString("base64")],
    "x-amz-checksum-sha256": ["SHA256", Buffer.from(digests.sha256Hex, "hex").toString("base64")],
  };
  for (const [header, [name, value]] of Object.entries(computed)) {
    const sent = one(put.headers[header]);
    if (sent !== undefined && sent !== value) {
      // S3's wording for a flexible-checksum mismatch (as seen in SDK issue reports).
      throw new S3Fault("BadDigest", 400, `The ${name} you specified did not match the calculated checksum.`);
    }
  }
}

/**
 * `PutObject`: stores the body atomically (streamed, counted against the size limit, hashed), then 200 with `ETag`
 * (and the checksum headers the request sent, echoed as S3 does).
 * @throws S3Fault from {@link checkPutHeaders}, {@link verifyBody}, `EntityTooLarge` while streaming.
 */
export async function putObject(store: ObjectStore, bucket: string, key: string, body: AsyncIterable<Uint8Array>, put: PutRequest): Promise<Reply> {
  checkPutHeaders(put);
  const userMetadata: Record<string, string> = {};
  const stored: Record<string, string> = {};
  for (const [name, value] of Object.entries(put.headers)) {
    const v = one(value);
    if (v === undefined) continue;
    if (name.startsWith("x-amz-meta-")) userMetadata[name.slice("x-amz-meta-".length)] = v;
    else if (STORED_HEADERS.includes(name)) stored[name] = v;
  }
  let crc = 0;
  async function* counted(): AsyncIterable<Uint8Array> {
    for await (const chunk of body) {
      crc = crc32(chunk, crc);
      yield chunk;
    }
  }
  const meta = await store.put(bucket, key, counted(), {
    contentType: one(put.headers["content-type"]) ?? "binary/octet-stream",
    userMetadata,
    headers: stored,
    maxBytes: put.maxObjectBytes,
    now: put.now,
    verify: (digests) => verifyBody(put, digests, crc),
  });
  const echoed: Record<string, string> = {};
  for (const name of ["x-amz-checksum-crc32", "x-amz-checksum-crc32c", "x-amz-checksum-sha1", "x-amz-checksum-sha256", "x-amz-checksum-crc64nvme"]) {
    const v = one(put.headers[name]);
    if (v !== undefined) echoed[name] = v;
  }
  return { status: 200, headers: { ETag: meta.etag, ...echoed, "Content-Length": "0" } };
}

/** `DeleteObject`: 204, whether or not the key existed. */
export async function deleteObject(store: ObjectStore, bucket: string, key: string): Promise<Reply> {
  await store.delete(bucket, key);
  return { status: 204, headers: {} };
}

/** A body's SHA-256 (for requests other than PUT, whose bodies are small and read whole). */
export function sha256HexOf(body: Uint8Array): string {
  return createHash("sha256").update(body).digest("hex");
}
