/**
 * Reading STS Query-protocol answers: the `{Operation}Result` element or the AWS error (XML, JSON and EC2-style
 * envelopes), and typed field access that names the path of any missing or malformed field.
 */
import { AwsClientError, AwsServiceError, bodySnippet, looksLikeHtml, type AwsErrorType } from "../errors";
import { elementAt, isXmlElement, parseXml, rootName, textAt, XmlParseError, type XmlElement } from "../xml";
import { readBody } from "./send";

/** The request id from the response headers: `x-amzn-RequestId`, else `x-amzn-request-id` / `x-amz-request-id`. */
export function requestIdFromHeaders(headers: Headers): string | undefined {
  for (const name of ["x-amzn-requestid", "x-amzn-request-id", "x-amz-request-id"]) {
    const value = headers.get(name)?.trim();
    if (value) return value;
  }
  return undefined;
}

/** What the field checks need to name a problem: status, raw body, result element name. */
export interface AnswerContext {
  readonly status: number;
  readonly body: string;
  readonly resultName: string;
}

/** The answer is not STS's at all (HTML, JSON, empty, wrong root): what came instead, and what to check. */
export function unexpected(context: { status: number; body: string }, what: string): AwsClientError {
  const snippet = bodySnippet(context.body);
  return new AwsClientError(
    "unexpected-response",
    `The endpoint answered HTTP ${context.status} with ${what} instead of an STS response${snippet === "" ? "" : `: "${snippet}"`}. ` +
      `A proxy, a captive portal or a wrong endpoint URL is likely; check the STS endpoint setting and the network.`,
    { status: context.status, cause: context.body },
  );
}

/** The right envelope, but the field at `path` has `problem`. */
export function invalid(context: AnswerContext, path: string, problem: string): AwsClientError {
  return new AwsClientError(
    "invalid-response",
    `The STS answer (HTTP ${context.status}) is not usable: ${context.resultName}.${path} ${problem}. The endpoint may not be a faithful STS.`,
    { status: context.status, cause: context.body },
  );
}

function errorType(value: string | undefined): AwsErrorType | undefined {
  return value === "Sender" || value === "Receiver" ? value : undefined;
}

function serviceErrorFromJson(body: string, status: number, headerRequestId: string | undefined): AwsServiceError | undefined {
  if (!body.trimStart().startsWith("{")) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  const error = isXmlElement(parsed) ? parsed["Error"] : undefined;
  if (!isXmlElement(error) || typeof error["Code"] !== "string" || error["Code"] === "") return undefined;
  const message = typeof error["Message"] === "string" ? error["Message"] : typeof error["message"] === "string" ? error["message"] : "";
  const requestId = isXmlElement(parsed) && typeof parsed["RequestId"] === "string" && parsed["RequestId"] !== "" ? parsed["RequestId"] : headerRequestId;
  return new AwsServiceError({ code: error["Code"], message, type: errorType(typeof error["Type"] === "string" ? error["Type"] : undefined), status, requestId, body });
}

function describeNonXml(body: string): string {
  if (body.trim() === "") return "an empty body";
  if (looksLikeHtml(body)) return "an HTML page";
  if (/^\s*[[{]/.test(body)) return "JSON";
  return "text that is not XML";
}

/**
 * Reads an STS Query-protocol answer: the `{operation}Result` element and the request id, or the error.
 *
 * @throws {AwsServiceError} for an `ErrorResponse` (also the JSON and EC2-style `<Response><Errors>` envelopes).
 * @throws {AwsClientError} `unexpected-response` for anything else that is not `<{operation}Response>` with a 2xx
 * status, `invalid-response` when the result element is missing, `network`/`aborted`/`timeout` when the body cannot
 * be read.
 */
export async function readStsAnswer(response: Response, operation: string): Promise<{ result: XmlElement; requestId: string | undefined; context: AnswerContext }> {
  return parseStsAnswer(await answerOf(response), operation);
}

/** An answer whose body has been read: what the readers below need, with no second read of a stream. */
export interface StsAnswer {
  readonly status: number;
  readonly ok: boolean;
  readonly headers: Headers;
  readonly body: string;
}

/** Reads the body once; the readers work on the result. */
export async function answerOf(response: Response): Promise<StsAnswer> {
  return { status: response.status, ok: response.ok, headers: response.headers, body: await readBody(response) };
}

/** {@link readStsAnswer} on an answer already read. */
export function parseStsAnswer(answer: StsAnswer, operation: string): { result: XmlElement; requestId: string | undefined; context: AnswerContext } {
  const { body, status } = answer;
  const headerRequestId = requestIdFromHeaders(answer.headers);
  const context: AnswerContext = { status, body, resultName: `${operation}Result` };

  let document: XmlElement;
  try {
    document = parseXml(body);
  } catch (error) {
    if (!(error instanceof XmlParseError)) throw error;
    const jsonError = serviceErrorFromJson(body, status, headerRequestId);
    if (jsonError) throw jsonError;
    throw unexpected(context, describeNonXml(body));
  }

  const root = rootName(document);
  const envelope =
    root === "ErrorResponse"
      ? { error: elementAt(document, [root, "Error"]), requestId: textAt(document, [root, "RequestId"]) }
      : root === "Response" && elementAt(document, [root, "Errors"]) !== undefined
        ? { error: (elementAt(document, [root, "Errors", "Error"]) as unknown[] | undefined)?.[0], requestId: textAt(document, [root, "RequestID"]) ?? textAt(document, [root, "RequestId"]) }
        : undefined;
  if (envelope) {
    const code = textAt(envelope.error, ["Code"]);
    if (code === undefined || code === "") throw unexpected(context, `an ${root} without Error/Code`);
    throw new AwsServiceError({
      code,
      message: textAt(envelope.error, ["Message"]) ?? "",
      type: errorType(textAt(envelope.error, ["Type"])),
      status,
      requestId: envelope.requestId || headerRequestId,
      body,
    });
  }
  if (!answer.ok) throw unexpected(context, looksLikeHtml(body) ? "an HTML page" : `XML (<${root}>) that is not an AWS error`);
  if (root !== `${operation}Response`) throw unexpected(context, looksLikeHtml(body) ? "an HTML page" : `XML whose root is <${root}>, not <${operation}Response>`);
  const result = elementAt(document, [root, `${operation}Result`]);
  if (!isXmlElement(result)) throw new AwsClientError("invalid-response", `The STS answer (HTTP ${status}) has no ${operation}Result element.`, { status, cause: body });
  return { result, requestId: textAt(document, [root, "ResponseMetadata", "RequestId"]) || headerRequestId, context };
}

/** The non-empty text at `path`. @throws {AwsClientError} `invalid-response` naming the path. */
export function requiredText(result: XmlElement, context: AnswerContext, path: readonly string[]): string {
  const value = textAt(result, path);
  if (value === undefined) {
    throw invalid(context, path.join("."), elementAt(result, path) === undefined ? "is missing" : "is not a single text value");
  }
  if (value === "") throw invalid(context, path.join("."), "is empty");
  return value;
}

/**
 * The text at `path`; `undefined` when absent or empty.
 * @throws {AwsClientError} `invalid-response` for a nested or repeated element.
 */
export function optionalText(result: XmlElement, context: AnswerContext, path: readonly string[]): string | undefined {
  if (elementAt(result, path) === undefined) return undefined;
  const value = textAt(result, path);
  if (value === undefined) throw invalid(context, path.join("."), "is not a single text value");
  return value === "" ? undefined : value;
}

const ISO_TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):?(\d{2}))$/;

/**
 * Parses an ISO 8601 / RFC 3339 timestamp as STS sends `Expiration`: `2024-01-18T15:20:17Z`, with a fraction of any
 * length (`.359Z`, nanoseconds), or with an offset (`+02:00`). `undefined` for anything else or an impossible date.
 */
export function parseIsoTimestamp(text: string): Date | undefined {
  const m = ISO_TIMESTAMP.exec(text.trim());
  if (m === null) return undefined;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number, number];
  const millis = Math.floor(Number(`0.${m[7] ?? "0"}`) * 1000);
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  const local = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  if (new Date(local).getUTCDate() !== day) return undefined; // 2024-02-30
  const offsetMinutes = m[8] !== undefined ? 0 : (m[9] === "-" ? -1 : 1) * (Number(m[10]) * 60 + Number(m[11]));
  if (m[8] === undefined && (Number(m[10]) > 23 || Number(m[11]) > 59)) return undefined;
  return new Date(local - offsetMinutes * 60_000);
}

/** Temporary AWS credentials. */
export interface TemporaryCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly expiration: Date;
}

/**
 * `Credentials`: every member a non-empty string and `Expiration` an ISO 8601 date-time.
 * @throws {AwsClientError} `invalid-response` naming the field.
 */
export function readCredentials(result: XmlElement, context: AnswerContext): TemporaryCredentials {
  const accessKeyId = requiredText(result, context, ["Credentials", "AccessKeyId"]);
  const secretAccessKey = requiredText(result, context, ["Credentials", "SecretAccessKey"]);
  const sessionToken = requiredText(result, context, ["Credentials", "SessionToken"]);
  const expirationText = requiredText(result, context, ["Credentials", "Expiration"]);
  const expiration = parseIsoTimestamp(expirationText);
  if (expiration === undefined) throw invalid(context, "Credentials.Expiration", `is "${bodySnippet(expirationText, 40)}", not an ISO 8601 date-time`);
  return { accessKeyId, secretAccessKey, sessionToken, expiration };
}

/** `AssumedRoleUser` of the AssumeRole family. */
export interface AssumedRoleUser {
  /** `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION` */
  readonly arn: string;
  /** `AROA…:SESSION` */
  readonly assumedRoleId: string;
}

/** @throws {AwsClientError} `invalid-response` naming the missing field. */
export function readAssumedRoleUser(result: XmlElement, context: AnswerContext): AssumedRoleUser {
  return {
    arn: requiredText(result, context, ["AssumedRoleUser", "Arn"]),
    assumedRoleId: requiredText(result, context, ["AssumedRoleUser", "AssumedRoleId"]),
  };
}

/** What every AssumeRole* answer has: the session's credentials and identity, and the packed size of its policies. */
export interface RoleSessionResult {
  readonly credentials: TemporaryCredentials;
  readonly assumedRoleUser: AssumedRoleUser;
  /** Percent of the packed-policy limit; absent when no session policy/tags were involved. */
  readonly packedPolicySize?: number | undefined;
  readonly sourceIdentity?: string | undefined;
  /** `ResponseMetadata/RequestId`, else the `x-amzn-RequestId` header. */
  readonly requestId: string | undefined;
}

/**
 * The members every AssumeRole* answer has, each asserted.
 * @throws {AwsClientError} `invalid-response` naming the field.
 */
export function readRoleSession(result: XmlElement, context: AnswerContext, requestId: string | undefined): RoleSessionResult {
  return {
    credentials: readCredentials(result, context),
    assumedRoleUser: readAssumedRoleUser(result, context),
    packedPolicySize: readPackedPolicySize(result, context),
    sourceIdentity: optionalText(result, context, ["SourceIdentity"]),
    requestId,
  };
}

/**
 * `PackedPolicySize`: a whole number (percent of the packed-policy limit), `undefined` when absent.
 * @throws {AwsClientError} `invalid-response` for anything else.
 */
export function readPackedPolicySize(result: XmlElement, context: AnswerContext): number | undefined {
  const packed = optionalText(result, context, ["PackedPolicySize"]);
  if (packed !== undefined && !/^\d+$/.test(packed)) throw invalid(context, "PackedPolicySize", `is "${packed}", not a whole number`);
  return packed === undefined ? undefined : Number(packed);
}
