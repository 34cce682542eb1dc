/**
 * SigV4 authentication as S3 applies it (Amazon S3 API Reference "Authenticating Requests (AWS Signature Version 4)":
 * the Authorization header with `x-amz-content-sha256` — a hex SHA-256 of the body or `UNSIGNED-PAYLOAD` — and
 * query-string authentication, i.e. presigned URLs with `X-Amz-Expires` ≤ 604800), with S3's canonical URI (no
 * normalisation, each segment encoded once), S3's ±15 minute window (`RequestTimeTooSkewed`) and S3's error codes.
 * The canonicalisation and key derivation are the STS verifier's (../sts/sigv4.ts); credentials are the IAM users' and
 * root's long-term keys or the local STS's sessions (./accessKeys.ts). A request with neither form is anonymous.
 */
import type { Caller } from "../sts/callers";
import type { SessionStore } from "../sts/sessions";
import {
  amzDateOf,
  amzQueryParams,
  computeSignature,
  firstHeader,
  headerMap,
  parseAmzDate,
  presignedElements,
  SIGV4_ALGORITHM,
  signaturesEqual,
  type AuthElements,
  type ComputedSignature,
  type CredentialScope,
  type HttpRequestParts,
} from "../sts/sigv4";
import { resolveCredentials, type CredentialSources } from "./accessKeys";
import { S3Fault, S3_MESSAGES } from "./errors";

/** S3 tolerates ±15 minutes between the signed time and its clock (`MaxAllowedSkewMilliseconds` 900000). */
export const S3_CLOCK_SKEW_MS = 15 * 60 * 1000;
/** Longest `X-Amz-Expires` of a presigned URL: seven days. */
export const MAX_PRESIGNED_EXPIRES_SECONDS = 604_800;
/** The payload-hash value that leaves the body unsigned. */
export const UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";

/** Who made the request. */
export type S3Caller =
  | { kind: "anonymous" }
  | {
      kind: "signed";
      /** An IAM user or the root (long-term key), or a session of the local STS (temporary credentials). */
      principal: Caller;
      /** The STS's session store (it also seals the encoded authorization messages of refusals). */
      sessions: SessionStore;
      accessKeyId: string;
      /** `REST-HEADER` or `REST-QUERY-STRING` (the `s3:authType` condition key). */
      authType: "REST-HEADER" | "REST-QUERY-STRING";
      /** ms since the signature's date (`s3:signatureAge`). */
      signatureAgeMs: number;
      /** The body's expected hex SHA-256, or `UNSIGNED-PAYLOAD` (check the body against it as it arrives). */
      payloadHash: string;
    };

/** What the verifier needs besides the request: the region, the time, and where keys are found (IAM model, sessions). */
export interface S3AuthContext extends CredentialSources {
  region: string;
  now: number;
}

/** The authentication elements of an S3 request: those of any SigV4 request, the payload hash and the expiry. */
interface Elements extends Omit<AuthElements, "algorithm"> {
  payloadHash: string;
  /** Presigned only: `X-Amz-Expires` in seconds. */
  expires?: number;
}

const HEX_SHA256 = /^[0-9a-f]{64}$/;

/**
 * Rule: with header authentication, `x-amz-content-sha256` is required and is `UNSIGNED-PAYLOAD` or a hex SHA-256
 * (the streaming `aws-chunked` forms are not implemented by the stand-in).
 * @throws S3Fault `InvalidRequest` (400) when missing; `InvalidArgument` (400) for another value; `NotImplemented`
 *   (501) for the `STREAMING-…` forms.
 */
export function checkContentSha256(value: string | undefined): string {
  if (value === undefined) throw new S3Fault("InvalidRequest", 400, S3_MESSAGES.missingContentSha256);
  if (value === UNSIGNED_PAYLOAD || HEX_SHA256.test(value)) return value;
  if (value.startsWith("STREAMING-")) {
    throw new S3Fault("NotImplemented", 501, S3_MESSAGES.notImplemented, [["Header", "x-amz-content-sha256"]]);
  }
  throw new S3Fault("InvalidArgument", 400, S3_MESSAGES.contentSha256Value, [
    ["ArgumentName", "x-amz-content-sha256"],
    ["ArgumentValue", value],
  ]);
}

/**
 * Rule: the Authorization header is `AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`, and the request
 * has an `x-amz-date` (or `Date`).
 * @throws S3Fault `InvalidRequest` (400) for another algorithm (SigV2 is not accepted); `AuthorizationHeaderMalformed`
 *   (400) when a component is missing; `AccessDenied` (403) without a date.
 */
export function checkAuthorizationHeader(header: string, headers: Map<string, string[]>): Elements {
  const trimmed = header.trim();
  const space = trimmed.indexOf(" ");
  const algorithm = space < 0 ? trimmed : trimmed.slice(0, space);
  if (algorithm !== SIGV4_ALGORITHM) throw new S3Fault("InvalidRequest", 400, S3_MESSAGES.unsupportedAuth);
  const fields = new Map<string, string>();
  for (const raw of (space < 0 ? "" : trimmed.slice(space + 1)).split(",")) {
    const part = raw.trim();
    const eq = part.indexOf("=");
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const credential = fields.get("Credential");
  const signedHeaders = fields.get("SignedHeaders");
  const signature = fields.get("Signature");
  if (!credential || !signedHeaders || !signature) throw new S3Fault("AuthorizationHeaderMalformed", 400, S3_MESSAGES.authHeaderComponents);
  const amzDate = firstHeader(headers, "x-amz-date");
  const httpDate = firstHeader(headers, "date");
  if (amzDate === undefined && httpDate === undefined) throw new S3Fault("AccessDenied", 403, S3_MESSAGES.noDate);
  const ms = amzDate === undefined ? Date.parse(httpDate ?? "") : undefined;
  return {
    presigned: false,
    credential,
    signedHeaders: signedHeaders.split(";"),
    signature,
    amzDate: amzDate ?? (ms === undefined || Number.isNaN(ms) ? (httpDate ?? "") : amzDateOf(ms)),
    rawDate: amzDate ?? httpDate ?? "",
    sessionToken: firstHeader(headers, "x-amz-security-token"),
    payloadHash: checkContentSha256(firstHeader(headers, "x-amz-content-sha256")),
  };
}

/**
 * Rule: a presigned URL carries `X-Amz-Algorithm` (SigV4), `X-Amz-Credential`, `X-Amz-Signature`, `X-Amz-Date`
 * (ISO 8601 basic), `X-Amz-SignedHeaders` and `X-Amz-Expires` (0–604800 seconds).
 * @throws S3Fault `AuthorizationQueryParametersError` (400) naming the problem.
 */
export function checkPresignedQuery(query: Map<string, string>): Elements {
  const required = ["X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-Date", "X-Amz-SignedHeaders", "X-Amz-Expires"];
  const problem = (message: string) => new S3Fault("AuthorizationQueryParametersError", 400, message);
  if (required.some((name) => !query.get(name))) throw problem(S3_MESSAGES.presignRequired);
  if (query.get("X-Amz-Algorithm") !== SIGV4_ALGORITHM) throw problem(S3_MESSAGES.presignAlgorithm);
  const rawExpires = query.get("X-Amz-Expires") ?? "";
  if (!/^-?\d+$/.test(rawExpires)) throw problem(S3_MESSAGES.expiresNotNumber);
  const expires = Number(rawExpires);
  if (expires < 0) throw problem(S3_MESSAGES.expiresNegative);
  if (expires > MAX_PRESIGNED_EXPIRES_SECONDS) throw problem(S3_MESSAGES.expiresTooLong);
  const date = query.get("X-Amz-Date") ?? "";
  if (parseAmzDate(date) === undefined) throw problem(S3_MESSAGES.presignDate);
  return { ...presignedElements(query), payloadHash: query.get("X-Amz-Content-Sha256") ?? UNSIGNED_PAYLOAD, expires };
}

/**
 * Rule: the credential is `AKID/YYYYMMDD/<region>/s3/aws4_request`, dated the request's day.
 * @throws S3Fault `AuthorizationHeaderMalformed` (header) or `AuthorizationQueryParametersError` (presigned), 400,
 *   with S3's texts (`…the region 'eu-west-1' is wrong; expecting 'us-east-1'` with `<Region>`).
 */
export function checkCredential(e: Elements, region: string): CredentialScope {
  const code = e.presigned ? "AuthorizationQueryParametersError" : "AuthorizationHeaderMalformed";
  const lead = e.presigned ? "Error parsing the X-Amz-Credential parameter;" : "The authorization header is malformed;";
  const parts = e.credential.split("/");
  if (parts.length !== 5 || parts.some((p) => p === "")) {
    throw new S3Fault(code, 400, `${lead} the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".`);
  }
  const [accessKeyId, date, scopeRegion, service, terminator] = parts as [string, string, string, string, string];
  if (scopeRegion !== region) throw new S3Fault(code, 400, `${lead} the region '${scopeRegion}' is wrong; expecting '${region}'`, [["Region", region]]);
  if (service !== "s3") throw new S3Fault(code, 400, `${lead} incorrect service "${service}". This endpoint belongs to "s3".`);
  if (terminator !== "aws4_request") throw new S3Fault(code, 400, `${lead} incorrect terminal "${terminator}". This endpoint uses "aws4_request".`);
  const day = e.amzDate.slice(0, 8);
  if (date !== day) {
    throw new S3Fault(code, 400, `${lead} Invalid credential date "${date}". This date is not the same as X-Amz-Date: "${day}".`);
  }
  return { accessKeyId, date, region: scopeRegion, service, terminator };
}

/**
 * Rule (header form): the signing time is within ±15 minutes of S3's clock.
 * Rule (presigned): the URL is used between `X-Amz-Date` (15 minutes of skew allowed) and `X-Amz-Date + X-Amz-Expires`.
 * @throws S3Fault `RequestTimeTooSkewed` (403) with `RequestTime`, `ServerTime`, `MaxAllowedSkewMilliseconds`;
 *   `AccessDenied` (403) `Request has expired` with `X-Amz-Expires`, `Expires`, `ServerTime`; `AccessDenied` for a
 *   malformed date.
 */
export function checkRequestTime(e: Elements, now: number): number {
  const signedAt = parseAmzDate(e.amzDate);
  if (signedAt === undefined) throw new S3Fault("AccessDenied", 403, S3_MESSAGES.noDate);
  const serverTime = new Date(Math.floor(now / 1000) * 1000).toISOString().replace(".000Z", "Z");
  if (e.presigned) {
    const expiresAt = signedAt + (e.expires ?? 0) * 1000;
    if (now > expiresAt) {
      throw new S3Fault("AccessDenied", 403, S3_MESSAGES.requestExpired, [
        ["X-Amz-Expires", String(e.expires ?? 0)],
        ["Expires", new Date(expiresAt).toISOString().replace(".000Z", "Z")],
        ["ServerTime", serverTime],
      ]);
    }
    if (signedAt > now + S3_CLOCK_SKEW_MS) throw new S3Fault("AccessDenied", 403, S3_MESSAGES.requestNotYetValid, [["ServerTime", serverTime]]);
    return signedAt;
  }
  if (Math.abs(signedAt - now) > S3_CLOCK_SKEW_MS) {
    throw new S3Fault("RequestTimeTooSkewed", 403, S3_MESSAGES.tooSkewed, [
      ["RequestTime", e.rawDate],
      ["ServerTime", serverTime],
      ["MaxAllowedSkewMilliseconds", String(S3_CLOCK_SKEW_MS)],
    ]);
  }
  return signedAt;
}

/**
 * Rule: `host` is signed, and with header authentication every `x-amz-*` header the request carries is signed.
 * @throws S3Fault `AccessDenied` (403) `There were headers present in the request which were not signed` with
 *   `<HeadersNotSigned>`.
 */
export function checkHeadersSigned(e: Elements, headers: Map<string, string[]>): void {
  const signed = new Set(e.signedHeaders);
  const unsigned = [...headers.keys()].filter((name) => (name === "host" || (!e.presigned && name.startsWith("x-amz-"))) && !signed.has(name));
  if (!signed.has("host") && !unsigned.includes("host")) unsigned.unshift("host");
  if (unsigned.length > 0) {
    throw new S3Fault("AccessDenied", 403, S3_MESSAGES.headersNotSigned, [["HeadersNotSigned", unsigned.sort().join(", ")]]);
  }
}

/** Space-separated lower-case hex bytes of a text's UTF-8, as S3's `StringToSignBytes` / `CanonicalRequestBytes`. */
export function hexBytes(text: string): string {
  return [...Buffer.from(text, "utf8")].map((b) => b.toString(16).padStart(2, "0")).join(" ");
}

/** S3's `SignatureDoesNotMatch` (403) with the fields real S3 returns. */
export function signatureDoesNotMatch(accessKeyId: string, provided: string, computed: ComputedSignature): S3Fault {
  return new S3Fault("SignatureDoesNotMatch", 403, S3_MESSAGES.signatureMismatch, [
    ["AWSAccessKeyId", accessKeyId],
    ["StringToSign", computed.stringToSign],
    ["SignatureProvided", provided],
    ["StringToSignBytes", hexBytes(computed.stringToSign)],
    ["CanonicalRequest", computed.canonicalRequest],
    ["CanonicalRequestBytes", hexBytes(computed.canonicalRequest)],
  ]);
}

/**
 * Authenticate an S3 request (its body is checked against the payload hash later, as it streams): the form (header,
 * presigned, or none = anonymous) → elements → credential scope → time → signed headers → the key's owner (long-term
 * key or session) → the HMAC with that key's secret.
 * @throws S3Fault `InvalidArgument` (both forms at once), and those of the checks above; `SignatureDoesNotMatch`.
 */
export function authenticate(req: HttpRequestParts, ctx: S3AuthContext): S3Caller {
  const headers = headerMap(req.headers);
  const header = firstHeader(headers, "authorization");
  const query = amzQueryParams(req.query);
  const presigned = query.has("X-Amz-Algorithm") || query.has("X-Amz-Credential") || query.has("X-Amz-Signature");
  if (header !== undefined && presigned) {
    throw new S3Fault("InvalidArgument", 400, S3_MESSAGES.oneAuthMechanism, [
      ["ArgumentName", "Authorization"],
      ["ArgumentValue", header],
    ]);
  }
  if (header === undefined && !presigned) return { kind: "anonymous" };
  const e = header !== undefined ? checkAuthorizationHeader(header, headers) : checkPresignedQuery(query);
  const scope = checkCredential(e, ctx.region);
  const signedAt = checkRequestTime(e, ctx.now);
  checkHeadersSigned(e, headers);
  const { secretAccessKey, principal } = resolveCredentials(ctx, scope.accessKeyId, e.sessionToken, ctx.now);
  const computed = computeSignature(req, e, scope, secretAccessKey, { uri: "s3", payloadHash: e.payloadHash });
  if (!signaturesEqual(e.signature, computed.signature)) throw signatureDoesNotMatch(scope.accessKeyId, e.signature, computed);
  return {
    kind: "signed",
    principal,
    sessions: ctx.sessions,
    accessKeyId: scope.accessKeyId,
    authType: e.presigned ? "REST-QUERY-STRING" : "REST-HEADER",
    signatureAgeMs: Math.max(0, ctx.now - signedAt),
    payloadHash: e.payloadHash,
  };
}
