/**
 * OAuth 2.0 access tokens with `ProviderId`: STS cannot read them (they are opaque, e.g. Login with Amazon's `Atza|…`),
 * so it asks the provider. Login with Amazon: `GET <tokenInfoUrl>?access_token=<token>` (Amazon's token-info
 * endpoint); Facebook: `GET <debugTokenUrl>?input_token=<token>&access_token=<token>` (Graph API `debug_token`). The
 * URLs come from stack.json `builtinProviders` (the local personas).
 *
 * How the answer maps to STS errors (reference §3.2, §5.1): the provider refuses the token (HTTP 4xx, or Facebook's
 * `is_valid: false`) → `IDPRejectedClaim` 403 with real STS's text pattern; no answer, a timeout, HTTP 5xx or an answer
 * that is not the expected JSON → `IDPCommunicationError` 400 (retried by the AWS SDKs).
 */
import { STATUS_CODES } from "node:http";
import type { StackConfig } from "../config";
import { StsFault } from "./faults";
import type { WebIdentity } from "./webidentity";

/** Login with Amazon's `ProviderId`, trust principal and condition-key prefix. */
export const AMAZON = "www.amazon.com";
/** Facebook's `ProviderId`, trust principal and condition-key prefix. */
export const FACEBOOK = "graph.facebook.com";

/** The `ProviderId` values STS accepts (OAuth 2.0 access tokens). */
export const OAUTH_PROVIDER_IDS = [AMAZON, FACEBOOK] as const;
export type OAuthProviderId = (typeof OAUTH_PROVIDER_IDS)[number];

/** How the providers are called. */
export interface TokenInfoOptions {
  /** Default global `fetch`. */
  fetchImpl?: typeof fetch;
  /** The whole call (connect, answer, body) must finish within this many ms. Default {@link PROVIDER_TIMEOUT_MS}. */
  timeoutMs?: number;
}

/** A provider that has not answered completely after 5 s is unreachable (IAM allows an IdP 5 s for its keys too). */
export const PROVIDER_TIMEOUT_MS = 5_000;

/** Answers larger than this are not token information. */
const MAX_ANSWER_BYTES = 64 * 1024;

/** What came back from the provider. */
interface ProviderAnswer {
  status: number;
  text: string;
}

/**
 * `IDPRejectedClaim` (403) as real STS words it when the provider refused the token:
 * `graph.facebook.com: graph.facebook.com responded with HTTP/1.1 400 Bad Request` (aws/aws-sdk-js#198, reference
 * §3.2). For `www.amazon.com` the same pattern is used: Amazon's exact text is not known.
 */
export function rejectedFault(providerId: OAuthProviderId, status: number): StsFault {
  return new StsFault("IDPRejectedClaim", 403, `${providerId}: ${providerId} responded with HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ""}`.trimEnd());
}

/**
 * `IDPCommunicationError` (400): the provider could not be asked. AWS's exact text is not known; this one is ours.
 */
export function communicationFault(providerId: OAuthProviderId, reason: string, cause?: unknown): StsFault {
  return new StsFault("IDPCommunicationError", 400, `${providerId}: could not verify the access token with ${providerId} (${reason}). Try again later.`, {
    cause,
  });
}

/**
 * The body as text, or undefined when larger than {@link MAX_ANSWER_BYTES}. Each read races the call's `signal`, so a
 * body that stalls after the headers ends with the timeout whatever the fetch implementation does with the signal.
 */
async function readAnswer(res: Response, signal: AbortSignal): Promise<string | undefined> {
  if (Number(res.headers.get("content-length") ?? "0") > MAX_ANSWER_BYTES) return undefined;
  if (!res.body) return "";
  const reader = res.body.getReader();
  const aborted = new Promise<never>((_resolve, reject) => {
    if (signal.aborted) reject(signal.reason as Error);
    signal.addEventListener("abort", () => reject(signal.reason as Error), { once: true });
  });
  aborted.catch(() => undefined); // observed through the race below
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    // Bounded: every round consumes a chunk of a body cut off at MAX_ANSWER_BYTES, or the signal ends it.
    for (;;) {
      const { done, value } = await Promise.race([reader.read(), aborted]);
      if (done) break;
      size += value.byteLength;
      if (size > MAX_ANSWER_BYTES) return undefined;
      chunks.push(value);
    }
  } finally {
    reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * Rule: the provider answers the token-info call completely within the timeout, without redirects, with 200 or a 4xx.
 * @throws StsFault `IDPCommunicationError` (400) otherwise.
 */
export async function checkProviderAnswers(providerId: OAuthProviderId, url: URL, opts: TokenInfoOptions = {}): Promise<ProviderAnswer> {
  const fetchImpl = opts.fetchImpl ?? fetch;
  const timeoutMs = opts.timeoutMs ?? PROVIDER_TIMEOUT_MS;
  let res: Response;
  let text: string | undefined;
  try {
    const signal = AbortSignal.timeout(timeoutMs);
    res = await fetchImpl(url, { headers: { accept: "application/json" }, redirect: "error", signal });
    text = await readAnswer(res, signal);
  } catch (cause) {
    const timedOut = cause instanceof DOMException && (cause.name === "TimeoutError" || cause.name === "AbortError");
    throw communicationFault(providerId, timedOut ? `no answer within ${timeoutMs / 1000} s` : "no answer", cause);
  }
  if (text === undefined) throw communicationFault(providerId, `an answer larger than ${MAX_ANSWER_BYTES} bytes`);
  if (res.status !== 200 && (res.status < 400 || res.status >= 500)) throw communicationFault(providerId, `HTTP ${res.status}`);
  return { status: res.status, text };
}

/**
 * Rule: a 4xx answer means the provider refused the token (unknown, expired or revoked).
 * @throws StsFault `IDPRejectedClaim` (403) `<id>: <id> responded with HTTP/1.1 <status> <reason>`.
 */
export function checkNotRejected(providerId: OAuthProviderId, answer: ProviderAnswer): void {
  if (answer.status >= 400) throw rejectedFault(providerId, answer.status);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function nonEmpty(v: unknown): v is string {
  return typeof v === "string" && v !== "";
}

/**
 * Rule: a successful answer is a JSON object.
 * @throws StsFault `IDPCommunicationError` (400) otherwise (e.g. an HTML page).
 */
export function checkJsonAnswer(providerId: OAuthProviderId, answer: ProviderAnswer): Record<string, unknown> {
  let json: unknown;
  try {
    json = JSON.parse(answer.text);
  } catch (cause) {
    throw communicationFault(providerId, "the answer is not JSON", cause);
  }
  if (!isObject(json)) throw communicationFault(providerId, "the answer is not a JSON object");
  return json;
}

/** The identity an access token stands for: no claims (the token is opaque), keys `<ProviderId>:<name>`. */
function accessTokenIdentity(providerId: OAuthProviderId, audience: string, sub: string, keys: Record<string, string>): WebIdentity {
  const conditionKeys = Object.fromEntries(Object.entries(keys).map(([name, value]) => [`${providerId}:${name}`, value]));
  return { federatedProvider: providerId, providerName: providerId, audience, sub, claims: {}, conditionKeys };
}

/**
 * Rule: Login with Amazon's token information names the user (`user_id`, `amzn1.account.…`) and the client the token
 * was issued to (`aud`, `amzn1.application-oa2-client.…`).
 * The condition key `www.amazon.com:app_id` holds that client id — token-info's `aud` — because IAM's documented
 * examples put the `amzn1.application-oa2-client.…` id in it; token-info's own `app_id` (`amzn1.application.…`, the
 * security profile) is not exposed. `Audience` is the same client id.
 * @throws StsFault `IDPCommunicationError` (400) when either is missing.
 */
export function checkAmazonTokenInfo(info: Record<string, unknown>): WebIdentity {
  if (!nonEmpty(info.user_id) || !nonEmpty(info.aud)) throw communicationFault(AMAZON, "the answer is not token information");
  return accessTokenIdentity(AMAZON, info.aud, info.user_id, { app_id: info.aud, user_id: info.user_id });
}

/**
 * Rule: Facebook's `debug_token` answer is `{"data": {...}}`; a token it reports as invalid (`is_valid: false`), or that
 * is not a user's token (`type` other than `USER`), is refused; a valid one names the app (`app_id`) and the app-scoped
 * user id (`user_id`). Real STS sees such a token refused with HTTP 400 by the Graph API, so the refusal reads
 * `… responded with HTTP/1.1 400 Bad Request`.
 * @throws StsFault `IDPRejectedClaim` (403); `IDPCommunicationError` (400) when the answer has no such data.
 */
export function checkFacebookDebugToken(answer: Record<string, unknown>): WebIdentity {
  const data = answer.data;
  if (!isObject(data) || typeof data.is_valid !== "boolean") throw communicationFault(FACEBOOK, "the answer is not token information");
  if (!data.is_valid || (data.type !== undefined && data.type !== "USER")) throw rejectedFault(FACEBOOK, 400);
  if (!nonEmpty(data.app_id) || !nonEmpty(data.user_id)) throw communicationFault(FACEBOOK, "the answer is not token information");
  return accessTokenIdentity(FACEBOOK, data.app_id, data.user_id, { app_id: data.app_id, id: data.user_id });
}

/** The token-info URL for this provider and token (stack.json `builtinProviders`). */
export function tokenInfoUrl(config: StackConfig, providerId: OAuthProviderId, token: string): URL {
  if (providerId === AMAZON) {
    const url = new URL(config.builtinProviders[AMAZON].tokenInfoUrl);
    url.searchParams.set("access_token", token);
    return url;
  }
  const url = new URL(config.builtinProviders[FACEBOOK].debugTokenUrl);
  url.searchParams.set("input_token", token);
  url.searchParams.set("access_token", token);
  return url;
}

/**
 * Verify an OAuth 2.0 access token by asking its provider, as STS does for `ProviderId=www.amazon.com` /
 * `graph.facebook.com`. `Provider` = the ProviderId, `SubjectFromWebIdentityToken` = the user id, `Audience` = the
 * client (Amazon: token-info `aud`) or app (Facebook: `app_id`).
 * @throws StsFault `IDPRejectedClaim` (403), `IDPCommunicationError` (400).
 */
export async function verifyAccessToken(providerId: OAuthProviderId, token: string, config: StackConfig, opts: TokenInfoOptions = {}): Promise<WebIdentity> {
  const answer = await checkProviderAnswers(providerId, tokenInfoUrl(config, providerId, token), opts);
  checkNotRejected(providerId, answer);
  const json = checkJsonAnswer(providerId, answer);
  return providerId === AMAZON ? checkAmazonTokenInfo(json) : checkFacebookDebugToken(json);
}
