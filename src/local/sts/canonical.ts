/**
 * SigV4 canonicalisation and key derivation, shared by the STS and S3 stand-ins' verifiers (sigv4.ts, ../s3/sigv4.ts):
 * the canonical request (path, query, headers, payload hash), the string to sign, the signing key and the signature
 * (IAM User Guide "Create a signed AWS API request"). Pure functions of the request bytes.
 */
import { createHmac, hash } from "node:crypto";
import { formDecode, formPairs } from "./query";

/** The only algorithm the stand-ins verify (SigV4a, `AWS4-ECDSA-P256-SHA256`, is not supported). */
export const SIGV4_ALGORITHM = "AWS4-HMAC-SHA256";

/** The parts of an HTTP request a SigV4 signature covers, as received. */
export interface HttpRequestParts {
  method: string;
  /** Raw path of the request target (before `?`), as sent on the wire. */
  path: string;
  /** Raw query string (after `?`, without it); "" when none. */
  query: string;
  /** Header name/value pairs in arrival order (any case; repeated names allowed), e.g. Node's `rawHeaders` paired. */
  headers: readonly (readonly [string, string])[];
  /** The body bytes exactly as received. */
  body: Uint8Array;
}

/** RFC 3986 percent-encoding as SigV4 requires: everything except `A–Z a–z 0–9 - _ . ~`. */
export function encodeRfc3986(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * Form-decode a query component for signature purposes: a malformed percent-escape is kept as sent (with `+` read as
 * a space) instead of failing, so the signature decides.
 */
export function lenientFormDecode(raw: string): string {
  try {
    return formDecode(raw);
  } catch {
    return raw.replace(/\+/g, " ");
  }
}

const headerMaps = new WeakMap<HttpRequestParts["headers"], Map<string, string[]>>();

/**
 * Lower-case name → values in arrival order. Built once per header list (the verifier asks several times per request);
 * the map is shared, so callers must not change it.
 */
export function headerMap(headers: HttpRequestParts["headers"]): Map<string, string[]> {
  const known = headerMaps.get(headers);
  if (known) return known;
  const map = new Map<string, string[]>();
  headerMaps.set(headers, map);
  for (const [name, value] of headers) {
    const key = name.toLowerCase();
    const list = map.get(key);
    if (list) list.push(value);
    else map.set(key, [value]);
  }
  return map;
}

/** The first value of a header in a {@link headerMap}. */
export function firstHeader(map: Map<string, string[]>, name: string): string | undefined {
  return map.get(name)?.[0];
}

/**
 * The canonical URI of a non-S3 service: dot segments removed, each segment URI-encoded once more than it was on
 * the wire (AWS's "double encoding"); `/` for STS.
 */
export function canonicalPath(rawPath: string): string {
  const segments: string[] = [];
  const parts = rawPath.split("/");
  for (const segment of parts.slice(1)) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") segments.pop();
    else segments.push(encodeRfc3986(segment));
  }
  const trailing = rawPath.length > 1 && rawPath.endsWith("/") && segments.length > 0 ? "/" : "";
  return `/${segments.join("/")}${trailing}`;
}

/**
 * The canonical URI of S3 (Amazon S3 API Reference "Signature Calculations for the Authorization Header":
 * "Do not normalize URI paths for requests to Amazon S3"; each segment URI-encoded once): every segment of the path
 * as sent is percent-decoded and encoded again per RFC 3986, so `%2F`, `+`, `!`, `~` and spaces come out in the one
 * form SDKs sign; empty, `.` and `..` segments are kept. A malformed percent-escape is kept as sent.
 */
export function s3CanonicalPath(rawPath: string): string {
  return rawPath
    .split("/")
    .map((segment) => {
      try {
        return encodeRfc3986(decodeURIComponent(segment));
      } catch {
        return segment;
      }
    })
    .join("/");
}

/**
 * The canonical query string: each name and value decoded (`+` as space, as the Query protocol form-decodes),
 * re-encoded per RFC 3986, sorted by name then value; `X-Amz-Signature` left out for presigned requests.
 */
export function canonicalQuery(rawQuery: string, presigned: boolean): string {
  const pairs: [string, string][] = [];
  for (const [name, value] of formPairs(rawQuery, lenientFormDecode)) {
    if (presigned && name === "X-Amz-Signature") continue;
    pairs.push([encodeRfc3986(name), encodeRfc3986(value ?? "")]);
  }
  pairs.sort(([an, av], [bn, bv]) => (an < bn ? -1 : an > bn ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  return pairs.map(([n, v]) => `${n}=${v}`).join("&");
}

/** A header value as canonicalised: trimmed, runs of whitespace collapsed to one space; repeats joined with `,`. */
export function canonicalHeaderValue(values: readonly string[]): string {
  return values.map((v) => v.trim().replace(/\s+/g, " ")).join(",");
}

/** Hex SHA-256 (one-shot: no hash object per call). */
export function sha256Hex(data: string | Uint8Array): string {
  return hash("sha256", data, "hex");
}

/** How a service canonicalises what the generic rules leave open. Defaults: every service but S3 (STS). */
export interface CanonicalOptions {
  /** `normalized` ({@link canonicalPath}, every service but S3) or `s3` ({@link s3CanonicalPath}). */
  uri?: "normalized" | "s3";
  /**
   * The last line of the canonical request. Default: the hex SHA-256 of `req.body`. S3 signs the value of
   * `x-amz-content-sha256` (a hex hash or `UNSIGNED-PAYLOAD`) and checks the body against it separately.
   */
  payloadHash?: string;
}

/**
 * The SigV4 canonical request: `METHOD\nURI\nQUERY\nHEADERS\n\nSIGNED_HEADERS\nHEX(SHA256(body))` over the headers
 * named in `signedHeaders` (missing ones canonicalise as empty values, so the signature fails).
 */
export function canonicalRequest(req: HttpRequestParts, signedHeaders: readonly string[], presigned: boolean, opts: CanonicalOptions = {}): string {
  const map = headerMap(req.headers);
  const headerLines = signedHeaders.map((name) => `${name}:${canonicalHeaderValue(map.get(name) ?? [])}\n`).join("");
  return [
    req.method.toUpperCase(),
    opts.uri === "s3" ? s3CanonicalPath(req.path) : canonicalPath(req.path),
    canonicalQuery(req.query, presigned),
    headerLines,
    signedHeaders.join(";"),
    opts.payloadHash ?? sha256Hex(req.body),
  ].join("\n");
}

/** `AWS4-HMAC-SHA256\n<amzDate>\n<scope>\n<hex sha256 of the canonical request>`. */
export function stringToSign(amzDate: string, scope: string, canonical: string): string {
  return [SIGV4_ALGORITHM, amzDate, scope, sha256Hex(canonical)].join("\n");
}

/** Derived signing keys kept (least recently used dropped first): a key serves one secret for a day in one scope. */
export const SIGNING_KEY_CACHE_SIZE = 256;
const signingKeys = new Map<string, Buffer>();
/** The key served last, with its scope: it is the newest entry of {@link signingKeys} (or was, before a clear). */
let last: { secret: string; date: string; region: string; service: string; key: Buffer } | undefined;

/**
 * kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request"), derived once per
 * secret, date, region and service and then served from a bounded LRU cache (four HMACs per request otherwise).
 * The returned key is shared: callers must not change it.
 */
export function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  // The same scope as the call before (a client signing call after call): no cache key to build, no LRU move.
  if (last !== undefined && last.secret === secret && last.date === date && last.region === region && last.service === service) return last.key;
  const id = `${date}\n${region}\n${service}\n${secret}`;
  const cached = signingKeys.get(id);
  if (cached) {
    signingKeys.delete(id);
    signingKeys.set(id, cached);
    last = { secret, date, region, service, key: cached };
    return cached;
  }
  const kDate = createHmac("sha256", `AWS4${secret}`).update(date).digest();
  const kRegion = createHmac("sha256", kDate).update(region).digest();
  const kService = createHmac("sha256", kRegion).update(service).digest();
  const key = createHmac("sha256", kService).update("aws4_request").digest();
  signingKeys.set(id, key);
  last = { secret, date, region, service, key };
  if (signingKeys.size > SIGNING_KEY_CACHE_SIZE) {
    const oldest = signingKeys.keys().next().value;
    if (oldest !== undefined) signingKeys.delete(oldest);
  }
  return key;
}

/** Hex HMAC-SHA256 signature of a string to sign. */
export function signature(key: Buffer, toSign: string): string {
  return createHmac("sha256", key).update(toSign).digest("hex");
}
