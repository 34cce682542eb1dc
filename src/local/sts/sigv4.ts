/**
 * Server-side AWS Signature Version 4 verification (header and presigned-query forms), as STS applies it:
 * IAM User Guide "Create a signed AWS API request" / "Elements of an AWS API request signature", with the STS
 * specifics of /work/shared/reference/sts.md §7 (±15 min clock skew, `SignatureDoesNotMatch` texts, order of
 * failures). Pure functions of the request bytes: the caller passes `now` and a credential resolver.
 *
 * The canonicalisation and key derivation (canonical.ts, re-exported here) are shared with the S3 stand-in
 * (../s3/sigv4.ts), which applies S3's rules through `CanonicalOptions`: the path as sent (each segment URI-encoded once, no `.`/`..`/`//` normalisation)
 * and the payload hash taken from `x-amz-content-sha256` (or `UNSIGNED-PAYLOAD`) instead of the body.
 */
import { timingSafeEqual } from "node:crypto";
import { SIGV4_ALGORITHM, lenientFormDecode, headerMap, firstHeader, canonicalRequest, stringToSign, signingKey, signature, type HttpRequestParts, type CanonicalOptions } from "./canonical";
import { MESSAGES, StsFault } from "./faults";
import { formPairs } from "./query";

export * from "./canonical";


/** STS tolerates ±15 minutes between the signed time and its clock (reference §0.1). */
export const STS_CLOCK_SKEW_MS = 15 * 60 * 1000;

/** What the verifier expects of the credential scope, and the verifier's clock. */
export interface SigV4Expectations {
  region: string;
  service: string;
  /** The verifier's current time, ms since the epoch. */
  now: number;
  /** Allowed skew in ms; default {@link STS_CLOCK_SKEW_MS}. */
  skewMs?: number;
}

/** The secret behind an access key id, and whatever the caller wants back about its principal. */
export interface ResolvedCredential<P> {
  secretAccessKey: string;
  principal: P;
}

/**
 * Find the secret for an access key id (with the session token the request carried, if any).
 * Throws an StsFault (`InvalidClientTokenId`, `ExpiredToken`) when the key or token is not acceptable.
 */
export type CredentialResolver<P> = (accessKeyId: string, sessionToken: string | undefined) => ResolvedCredential<P>;

/** A verified request: who signed it and which headers the signature covers. */
export interface VerifiedSignature<P> {
  accessKeyId: string;
  principal: P;
  signedHeaders: string[];
  presigned: boolean;
}

/** The authentication elements of a request, from the `Authorization` header or from `X-Amz-*` query parameters. */
export interface AuthElements {
  presigned: boolean;
  algorithm: string;
  credential: string;
  signedHeaders: string[];
  signature: string;
  /** ISO-8601 basic `YYYYMMDDTHHMMSSZ` (from `X-Amz-Date`, or converted from `Date`). */
  amzDate: string;
  /** The date as sent, for messages. */
  rawDate: string;
  sessionToken: string | undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Checks, in STS's order of failures (reference §7)

const ISO_BASIC = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/** `YYYYMMDDTHHMMSSZ` of a time in ms. */
export function amzDateOf(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}Z$/, "Z");
}

/** The time of an ISO-8601 basic `YYYYMMDDTHHMMSSZ` date in ms; undefined when malformed or not a real date. */
export function parseAmzDate(text: string): number | undefined {
  // Requests signed in the same second carry the same date: the last one parsed is kept (a pure function of the text).
  if (text === lastAmzDate.text) return lastAmzDate.ms;
  const ms = parseAmzDateText(text);
  lastAmzDate = { text, ms };
  return ms;
}

let lastAmzDate: { text: string; ms: number | undefined } = { text: "", ms: undefined };

function parseAmzDateText(text: string): number | undefined {
  const m = ISO_BASIC.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  if (h > 23 || mi > 59 || s > 59) return undefined;
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  // A real calendar date: Date.UTC rolls 20150230 over to March 2 and maps years 0–99 to 1900–1999.
  const date = new Date(ms);
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d ? ms : undefined;
}

/** The `X-Amz-*` query parameters of a raw query (the first value of each), form-decoded leniently. */
export function amzQueryParams(rawQuery: string): Map<string, string> {
  const query = new Map<string, string>();
  for (const [name, value] of formPairs(rawQuery, lenientFormDecode)) {
    if (value !== undefined && name.startsWith("X-Amz-") && !query.has(name)) query.set(name, value);
  }
  return query;
}

/**
 * Rule: a signed operation needs authentication — an `Authorization` header or presigned `X-Amz-*` query
 * parameters, not both.
 * @throws StsFault `MissingAuthenticationToken` (403) with neither; `IncompleteSignature` (400) with both.
 */
export function checkAuthenticationPresent(req: HttpRequestParts): { header: string | undefined; query: Map<string, string> } {
  const header = firstHeader(headerMap(req.headers), "authorization");
  const query = amzQueryParams(req.query);
  const presigned = query.has("X-Amz-Algorithm") || query.has("X-Amz-Credential") || query.has("X-Amz-Signature");
  if (header === undefined && !presigned) throw new StsFault("MissingAuthenticationToken", 403, MESSAGES.missingAuthToken);
  if (header !== undefined && presigned) {
    throw new StsFault(
      "IncompleteSignature",
      400,
      "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or the Authorization header should be specified",
    );
  }
  return { header, query };
}

/**
 * The `key=value` elements of an `Authorization` header after its algorithm, tokenized as AWS does: elements are
 * separated by commas and by whitespace, so a stray space inside a value splits it (`Credential=AKIA… /20200128/…`
 * gives the element `/20200128/…`). Real STS names the first element without `=` and quotes the whole header (reference
 * §3.2 `IncompleteSignature`, captured from `aws sts get-caller-identity`; the same wording from other AWS front ends).
 * @throws StsFault `IncompleteSignature` (400)
 *   `'<element>' not a valid key=value pair (missing equal-sign) in Authorization header: '<header>'.`
 */
export function authorizationElements(rest: string, header: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const part of rest.split(/[\s,]+/)) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    if (eq < 0) {
      throw new StsFault("IncompleteSignature", 400, `'${part}' not a valid key=value pair (missing equal-sign) in Authorization header: '${header}'.`);
    }
    fields.set(part.slice(0, eq), part.slice(eq + 1));
  }
  return fields;
}

/**
 * Rule: the `Authorization` header is `AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…` (elements separated
 * by commas and whitespace, see {@link authorizationElements}) and the request has an `X-Amz-Date` or `Date`.
 * @throws StsFault `IncompleteSignature` (400): an element without `=`; or every missing element named
 *   (`Authorization header requires 'Credential' parameter. … Authorization=<header>`).
 */
export function checkAuthorizationHeader(header: string, headers: Map<string, string[]>, sessionToken: string | undefined): AuthElements {
  const trimmed = header.trim();
  const space = trimmed.search(/\s/);
  const algorithm = space < 0 ? trimmed : trimmed.slice(0, space);
  if (algorithm !== SIGV4_ALGORITHM) {
    throw new StsFault("IncompleteSignature", 400, `Unsupported AWS 'algorithm': '${algorithm}' (the local STS verifies ${SIGV4_ALGORITHM} only)`);
  }
  const fields = authorizationElements(space < 0 ? "" : trimmed.slice(space + 1), trimmed);
  const amzDate = firstHeader(headers, "x-amz-date");
  const httpDate = firstHeader(headers, "date");
  const problems: string[] = [];
  if (!fields.get("Credential")) problems.push("Authorization header requires 'Credential' parameter.");
  if (!fields.get("Signature")) problems.push("Authorization header requires 'Signature' parameter.");
  if (!fields.get("SignedHeaders")) problems.push("Authorization header requires 'SignedHeaders' parameter.");
  if (amzDate === undefined && httpDate === undefined) {
    problems.push("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
  }
  if (problems.length > 0) throw new StsFault("IncompleteSignature", 400, `${problems.join(" ")} Authorization=${trimmed}`);
  const rawDate = amzDate ?? httpDate ?? "";
  return {
    presigned: false,
    algorithm,
    credential: fields.get("Credential") ?? "",
    signedHeaders: (fields.get("SignedHeaders") ?? "").split(";"),
    signature: fields.get("Signature") ?? "",
    amzDate: amzDate ?? httpDateToAmz(httpDate ?? ""),
    rawDate,
    sessionToken,
  };
}

function httpDateToAmz(httpDate: string): string {
  const ms = Date.parse(httpDate);
  return Number.isNaN(ms) ? httpDate : amzDateOf(ms);
}

/**
 * Rule: a presigned URL carries `X-Amz-Algorithm`, `X-Amz-Credential`, `X-Amz-Signature`, `X-Amz-Date` and
 * `X-Amz-SignedHeaders` (and optionally `X-Amz-Security-Token`).
 * @throws StsFault `IncompleteSignature` (400) when one is missing or the algorithm is not SigV4.
 */
export function checkPresignedQuery(query: Map<string, string>): AuthElements {
  const required = ["X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-Date", "X-Amz-SignedHeaders"];
  if (required.some((name) => !query.get(name))) {
    throw new StsFault(
      "IncompleteSignature",
      400,
      `AWS query-string parameters must include ${required.map((n) => `'${n}'`).join(", ")}. Re-examine the query-string parameters.`,
    );
  }
  const algorithm = query.get("X-Amz-Algorithm") ?? "";
  if (algorithm !== SIGV4_ALGORITHM) {
    throw new StsFault("IncompleteSignature", 400, `Unsupported AWS 'algorithm': '${algorithm}' (the local STS verifies ${SIGV4_ALGORITHM} only)`);
  }
  return presignedElements(query);
}

/** The authentication elements of a presigned URL's `X-Amz-*` parameters, as sent (checked by the caller). */
export function presignedElements(query: Map<string, string>): AuthElements {
  const date = query.get("X-Amz-Date") ?? "";
  return {
    presigned: true,
    algorithm: query.get("X-Amz-Algorithm") ?? "",
    credential: query.get("X-Amz-Credential") ?? "",
    signedHeaders: (query.get("X-Amz-SignedHeaders") ?? "").split(";"),
    signature: query.get("X-Amz-Signature") ?? "",
    amzDate: date,
    rawDate: date,
    sessionToken: query.get("X-Amz-Security-Token"),
  };
}

/**
 * Rule: the signing date is ISO-8601 basic format and within ±15 minutes of the server clock (STS, not the 5 minutes
 * of other Query services).
 * @throws StsFault `IncompleteSignature` (400) for a malformed date; `SignatureDoesNotMatch` (403)
 *   `Signature expired: … is now earlier than … (… - 15 min.)` / `Signature not yet current: … is still later than … (… + 15 min.)`.
 */
export function checkRequestTime(auth: AuthElements, now: number, skewMs: number = STS_CLOCK_SKEW_MS): number {
  const signedAt = parseAmzDate(auth.amzDate);
  if (signedAt === undefined) {
    throw new StsFault(
      "IncompleteSignature",
      400,
      `Date must be in ISO-8601 'basic format'. Got '${auth.rawDate}'. See http://en.wikipedia.org/wiki/ISO_8601`,
    );
  }
  const nowSec = Math.floor(now / 1000) * 1000;
  const minutes = Math.round(skewMs / 60_000);
  if (signedAt < nowSec - skewMs) {
    throw new StsFault(
      "SignatureDoesNotMatch",
      403,
      `Signature expired: ${auth.amzDate} is now earlier than ${amzDateOf(nowSec - skewMs)} (${amzDateOf(nowSec)} - ${minutes} min.)`,
    );
  }
  if (signedAt > nowSec + skewMs) {
    throw new StsFault(
      "SignatureDoesNotMatch",
      403,
      `Signature not yet current: ${auth.amzDate} is still later than ${amzDateOf(nowSec + skewMs)} (${amzDateOf(nowSec)} + ${minutes} min.)`,
    );
  }
  return signedAt;
}

/** The five elements of a credential scope. */
export interface CredentialScope {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  terminator: string;
}

/**
 * Rule: the credential is `AKID/YYYYMMDD/region/service/aws4_request` (exactly five slash-delimited elements).
 * @throws StsFault `IncompleteSignature` (400).
 */
export function checkCredentialShape(credential: string): CredentialScope {
  const parts = credential.split("/");
  if (parts.length !== 5 || parts.some((p) => p === "")) {
    throw new StsFault(
      "IncompleteSignature",
      400,
      `Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${credential}'`,
    );
  }
  const [accessKeyId, date, region, service, terminator] = parts as [string, string, string, string, string];
  return { accessKeyId, date, region, service, terminator };
}

/**
 * Rule: the scope names the request's date, this region, this service and `aws4_request`.
 * @throws StsFault `SignatureDoesNotMatch` (403) with every scope problem, joined.
 */
export function checkCredentialScope(scope: CredentialScope, auth: AuthElements, expect: SigV4Expectations): void {
  const problems: string[] = [];
  if (scope.region !== expect.region) problems.push(`Credential should be scoped to a valid region, not '${scope.region}'.`);
  if (scope.service !== expect.service) problems.push(`Credential should be scoped to correct service: '${expect.service}'.`);
  if (scope.terminator !== "aws4_request") {
    problems.push(`Credential should be scoped with a valid terminator: 'aws4_request', not '${scope.terminator}'.`);
  }
  const day = auth.amzDate.slice(0, 8);
  if (scope.date !== day) {
    problems.push(
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${scope.date}' != '${day}', from '${auth.amzDate}'.`,
    );
  }
  if (problems.length > 0) throw new StsFault("SignatureDoesNotMatch", 403, problems.join(" "));
}

/**
 * Rule: `host` must be among the signed headers, and the list is lower-case names.
 * @throws StsFault `SignatureDoesNotMatch` (403).
 */
export function checkHostSigned(signedHeaders: readonly string[]): void {
  if (!signedHeaders.includes("host")) {
    throw new StsFault("SignatureDoesNotMatch", 403, "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
  }
  if (signedHeaders.some((h) => h === "" || h !== h.toLowerCase())) {
    throw new StsFault("SignatureDoesNotMatch", 403, `SignedHeaders must be lower-case names separated by ';', got '${signedHeaders.join(";")}'.`);
  }
}

/** What the server computed for a request: the canonical request, the string to sign and the signature. */
export interface ComputedSignature {
  canonicalRequest: string;
  stringToSign: string;
  signature: string;
}

/** The canonical request, string to sign and signature the server expects for `req` under `secret`. */
export function computeSignature(
  req: HttpRequestParts,
  auth: Pick<AuthElements, "signedHeaders" | "presigned" | "amzDate">,
  scope: CredentialScope,
  secret: string,
  opts: CanonicalOptions = {},
): ComputedSignature {
  const canonical = canonicalRequest(req, auth.signedHeaders, auth.presigned, opts);
  const scopeText = `${scope.date}/${scope.region}/${scope.service}/${scope.terminator}`;
  const toSign = stringToSign(auth.amzDate, scopeText, canonical);
  return { canonicalRequest: canonical, stringToSign: toSign, signature: signature(signingKey(secret, scope.date, scope.region, scope.service), toSign) };
}

/** Constant-time comparison of the signature provided with the one expected. */
export function signaturesEqual(provided: string, expected: string): boolean {
  const given = Buffer.from(provided, "utf8");
  const wanted = Buffer.from(expected, "utf8");
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

/**
 * STS's `SignatureDoesNotMatch` text for an HMAC mismatch: AWS's sentence, then what real STS appends — the canonical
 * request and the string to sign it computed, each quoted on its own lines.
 */
export function signatureMismatchMessage(computed: ComputedSignature): string {
  return (
    `${MESSAGES.signatureMismatch}\n\nThe Canonical String for this request should have been\n'${computed.canonicalRequest}'\n\n` +
    `The String-to-Sign should have been\n'${computed.stringToSign}'\n`
  );
}

/**
 * Rule: the signature is the HMAC of the string to sign under the key derived from the secret (constant-time compare).
 * @throws StsFault `SignatureDoesNotMatch` (403) with AWS's long message and the canonical request and string to sign
 *   the server computed ({@link signatureMismatchMessage}).
 */
export function checkSignature(req: HttpRequestParts, auth: AuthElements, scope: CredentialScope, secret: string): void {
  const computed = computeSignature(req, auth, scope, secret);
  if (!signaturesEqual(auth.signature, computed.signature)) {
    throw new StsFault("SignatureDoesNotMatch", 403, signatureMismatchMessage(computed));
  }
}

/**
 * Verify a SigV4-signed request (header or presigned form) in STS's order of failures: missing auth →
 * incomplete elements → clock skew → credential shape → scope → host signed → credential lookup → HMAC.
 * An `X-Amz-Security-Token` is accepted whether or not it is among the signed headers.
 * @throws StsFault `MissingAuthenticationToken`, `IncompleteSignature`, `SignatureDoesNotMatch`, and whatever the
 *   resolver throws (`InvalidClientTokenId`, `ExpiredToken`).
 */
export function verifySigV4<P>(req: HttpRequestParts, expect: SigV4Expectations, resolve: CredentialResolver<P>): VerifiedSignature<P> {
  const { header, query } = checkAuthenticationPresent(req);
  const headers = headerMap(req.headers);
  const auth =
    header !== undefined ? checkAuthorizationHeader(header, headers, firstHeader(headers, "x-amz-security-token")) : checkPresignedQuery(query);
  checkRequestTime(auth, expect.now, expect.skewMs);
  const scope = checkCredentialShape(auth.credential);
  checkCredentialScope(scope, auth, expect);
  checkHostSigned(auth.signedHeaders);
  const { secretAccessKey, principal } = resolve(scope.accessKeyId, auth.sessionToken);
  checkSignature(req, auth, scope, secretAccessKey);
  return { accessKeyId: scope.accessKeyId, principal, signedHeaders: auth.signedHeaders, presigned: auth.presigned };
}
