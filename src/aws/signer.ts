// The only module that imports aws4fetch (CONVENTIONS 3). It uses the bare `AwsV4Signer` — never `AwsClient`, which
// retries up to 10 times on its own — and always passes `service` and `region` (aws4fetch guesses them from the host
// otherwise, and guesses wrong on localhost, VPC endpoints and custom domains).
import { AwsV4Signer } from "aws4fetch";
import type { SigningSteps } from "./exchange";

/** Credentials to sign with; `sessionToken` is present for temporary (ASIA…) credentials. */
export interface SigningCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string | undefined;
}

/** Inputs of {@link signRequest}. */
export interface SignRequestInput {
  readonly method: string;
  readonly url: string | URL;
  /** Headers to send; all of them are signed (with `host`, `x-amz-date` and, if any, `x-amz-security-token`). */
  readonly headers?: HeadersInit | undefined;
  /** The exact body bytes that will be sent (its SHA-256 is part of the signature). */
  readonly body?: string | Uint8Array<ArrayBuffer> | undefined;
  readonly credentials: SigningCredentials;
  /** Signing name, e.g. `sts`, `s3`. Required: never guessed. */
  readonly service: string;
  /** Signing region, e.g. `us-east-1` (also for the global STS endpoint). Required: never guessed. */
  readonly region: string;
  /** Signing time; default the local clock. Pass a skew-corrected time (see `clock.ts`). */
  readonly now?: Date | undefined;
  /**
   * Send and sign `x-amz-content-sha256` with the body's hex SHA-256. S3 requires it; STS does not (then it is
   * neither sent nor signed). Default: `service === "s3"`.
   */
  readonly contentSha256?: boolean | undefined;
}

/** A signed request and every SigV4 step, for sending and for the inspector. */
export interface SignedRequest extends SigningSteps {
  /** Ready for `fetch(request, { signal })`. */
  readonly request: Request;
  readonly method: string;
  readonly url: string;
  /** The headers to send, lower-case names, including `authorization` (browser-set ones like Host excluded). */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | Uint8Array<ArrayBuffer> | undefined;
  /** The `Authorization` header value. */
  readonly authorization: string;
}

/** `YYYYMMDDTHHMMSSZ` (the `x-amz-date` format) of a Date. */
export function toAmzDate(date: Date): string {
  if (Number.isNaN(date.getTime())) throw new RangeError("The signing time is not a valid date.");
  return date.toISOString().replace(/[:-]|\.\d{3}/g, "");
}

function requireText(value: string, what: string): void {
  if (typeof value !== "string" || value.trim() === "") throw new TypeError(`${what} is required to sign a request.`);
}

async function sha256Hex(body: string | Uint8Array<ArrayBuffer>): Promise<string> {
  const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body;
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Signs an HTTP request with AWS Signature Version 4 (header form) via aws4fetch's `AwsV4Signer`
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html) and returns the
 * request plus the canonical request, string to sign, signature, signed headers, credential scope and date.
 *
 * Every header passed is signed, including `content-type` (as botocore and the Go SDK do). A session token is sent
 * and signed as `x-amz-security-token` (STS requires it in the signature, test suite case `post-sts-header-before`).
 * Any `authorization`, `x-amz-date`, `x-amz-security-token` or `host` header passed in is replaced. No retries, no
 * network access: this only computes. The signing key is not cached between calls.
 *
 * @throws {TypeError} when `service`, `region`, `accessKeyId` or `secretAccessKey` is empty.
 * @throws {RangeError} when `now` is an invalid date.
 */
export async function signRequest(input: SignRequestInput): Promise<SignedRequest> {
  requireText(input.service, "The signing service");
  requireText(input.region, "The signing region");
  requireText(input.credentials.accessKeyId, "The access key id");
  requireText(input.credentials.secretAccessKey, "The secret access key");
  const method = input.method.toUpperCase();
  const amzDate = toAmzDate(input.now ?? new Date());
  const headers = new Headers(input.headers);
  for (const name of ["authorization", "x-amz-date", "x-amz-security-token", "host"]) headers.delete(name);
  if (input.contentSha256 ?? input.service === "s3") headers.set("x-amz-content-sha256", await sha256Hex(input.body ?? ""));

  const signer = new AwsV4Signer({
    method,
    url: input.url.toString(),
    headers,
    body: input.body,
    accessKeyId: input.credentials.accessKeyId,
    secretAccessKey: input.credentials.secretAccessKey,
    sessionToken: input.credentials.sessionToken === "" ? undefined : input.credentials.sessionToken,
    service: input.service,
    region: input.region,
    datetime: amzDate,
    allHeaders: true,
    cache: new Map(),
  });
  const canonicalRequest = await signer.canonicalString();
  const stringToSign = await signer.stringToSign();
  const signature = await signer.signature();
  const signed = await signer.sign();
  const authorization = signed.headers.get("authorization") ?? "";
  const url = signed.url.toString();
  const sentHeaders: Record<string, string> = {};
  signed.headers.forEach((value, name) => {
    sentHeaders[name] = value;
  });
  const hasBody = input.body !== undefined && method !== "GET" && method !== "HEAD";
  const request = new Request(url, { method, headers: signed.headers, ...(hasBody ? { body: input.body } : {}) });
  return {
    request,
    method,
    url,
    headers: sentHeaders,
    body: input.body,
    canonicalRequest,
    stringToSign,
    signature,
    signedHeaders: signer.signedHeaders,
    credentialScope: signer.credentialString,
    amzDate,
    authorization,
  };
}
