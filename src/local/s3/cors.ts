/**
 * CORS of the local S3's buckets, answered like a real bucket whose CORS configuration allows the app's origins
 * (Amazon S3 User Guide "Using cross-origin resource sharing (CORS)", "How Amazon S3 evaluates the CORS
 * configuration"): one rule — AllowedOrigins = the origins of the app's redirect URIs, AllowedMethods GET, PUT, HEAD,
 * DELETE, POST, AllowedHeaders `*`, ExposeHeaders below, MaxAgeSeconds 3000. S3 answers a matching preflight with
 * the origin echoed, the rule's methods, the requested headers, `Access-Control-Max-Age`, the exposed headers and
 * `Access-Control-Allow-Credentials: true` (S3 sends it whenever the matched origin is not `*`), and adds the same
 * (without the preflight-only ones) to every answer — errors included — for a request whose `Origin` matches.
 */
import { S3Fault, S3_MESSAGES } from "./errors";

/** The rule's allowed methods, in S3's answer format. */
export const CORS_ALLOWED_METHODS = "GET, PUT, HEAD, DELETE, POST";
/** What a browser script may read of an answer (the SDK needs the request id and `Date` for clock-skew correction). */
export const CORS_EXPOSE_HEADERS = "Date, ETag, x-amz-request-id, x-amz-id-2, x-amz-version-id, Content-Range, Content-Length";
/** The rule's `MaxAgeSeconds`. */
export const CORS_MAX_AGE_SECONDS = 3000;

const METHODS = new Set(["GET", "PUT", "HEAD", "DELETE", "POST"]);
const VARY = "Origin, Access-Control-Request-Headers, Access-Control-Request-Method";

/** The headers S3 adds to an actual (non-preflight) answer for `origin`; none when the origin is not allowed. */
export function corsResponseHeaders(origin: string | undefined, allowed: ReadonlySet<string>): Record<string, string> {
  if (origin === undefined || !allowed.has(origin)) return {};
  return {
    "Access-Control-Allow-Origin": origin,
    "Access-Control-Allow-Methods": CORS_ALLOWED_METHODS,
    "Access-Control-Expose-Headers": CORS_EXPOSE_HEADERS,
    "Access-Control-Max-Age": String(CORS_MAX_AGE_SECONDS),
    "Access-Control-Allow-Credentials": "true",
    Vary: VARY,
  };
}

/**
 * Rule: a preflight (`OPTIONS` with `Origin` and `Access-Control-Request-Method`) is answered 200 when the origin and
 * method match the rule (any requested headers are allowed).
 * @throws S3Fault `BadRequest` (400) without `Origin` or `Access-Control-Request-Method`; `AccessForbidden` (403)
 *   with `<Method>` and `<ResourceType>` when the rule does not match.
 */
export function preflightHeaders(
  origin: string | undefined,
  requestMethod: string | undefined,
  requestHeaders: string | undefined,
  allowed: ReadonlySet<string>,
  resourceType: "OBJECT" | "BUCKET",
): Record<string, string> {
  if (origin === undefined || requestMethod === undefined) throw new S3Fault("BadRequest", 400, S3_MESSAGES.corsInsufficient);
  if (!allowed.has(origin) || !METHODS.has(requestMethod)) {
    throw new S3Fault("AccessForbidden", 403, S3_MESSAGES.corsForbidden, [
      ["Method", requestMethod],
      ["ResourceType", resourceType],
    ]);
  }
  return {
    ...corsResponseHeaders(origin, allowed),
    ...(requestHeaders ? { "Access-Control-Allow-Headers": requestHeaders } : {}),
  };
}
