/**
 * The STS client, configured once (the seeds' `ClientConfiguration` + `setEndpoint`/`setRegion`): endpoint, region,
 * credentials provider, retry policy and per-attempt timeout. Every operation (`webIdentity.ts`, `assumeRole.ts`,
 * `sessionTokens.ts`, `identity.ts`) is a function of a client, its typed input and an `AbortSignal`, and runs through
 * {@link runOperation}: validation before sending, retries with backoff, clock-skew correction for signed calls, and
 * {@link ResponseMetadata} on every result and every error.
 */
import { clockSkewFromExchange, clockSkewFromMessage, correctedNow, NO_CLOCK_SKEW, type ClockSkew } from "../clock";
import { stsEndpoint, type StsEndpoint } from "../endpoint";
import { AwsClientError, isAwsClientError, isAwsServiceError, isClockSkewError } from "../errors";
import type { AwsCallResult, Exchange, ResponseMetadata, RetriedAttempt } from "../exchange";
import type { QueryParams } from "../query";
import type { SigningCredentials } from "../signer";
import type { StsAnswer } from "./answer";
import { callWithRetry, retryPolicyProblem } from "./retry";
import { exchangeAndProcess, queryRequest, signedQueryRequest, STS_API_VERSION, type PreparedRequest } from "./send";

/** Credentials to sign with, or a function that returns the current ones (asked before every signed attempt). */
export type CredentialsProvider = SigningCredentials | (() => SigningCredentials | Promise<SigningCredentials>);

/** How often and how patiently a call is retried (only errors `isRetryable` accepts; see `../errors.ts`). */
export interface RetryPolicy {
  /** Retries after the first attempt, 0–10. */
  readonly retries: number;
  /** Attempt n waits a random time in [0, min(maxDelayMs, baseMs·2ⁿ⁻¹)) ("full jitter"). */
  readonly baseMs: number;
  /** Cap of one wait; default 20 000 ms. */
  readonly maxDelayMs?: number | undefined;
}

/** The AWS SDKs' standard mode: 3 attempts in all. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({ retries: 2, baseMs: 300, maxDelayMs: 20_000 });

/** Default per-attempt timeout (ms). */
export const DEFAULT_TIMEOUT_MS = 15_000;

/** Everything {@link createStsClient} takes. */
export interface StsClientConfig {
  /** `us-east-1`, …, or `aws-global` for the global endpoint (signed as us-east-1). */
  readonly region: string;
  /** Any STS URL instead of the regional default: the local stack, FIPS, a VPC endpoint. */
  readonly endpoint?: string | undefined;
  /** For the signed operations. */
  readonly credentials?: CredentialsProvider | undefined;
  /** Default {@link DEFAULT_RETRY_POLICY}; `{ retries: 0, baseMs: 0 }` turns retries off. */
  readonly retry?: RetryPolicy | undefined;
  /** Each attempt is stopped after this many ms (a `timeout` error). Default {@link DEFAULT_TIMEOUT_MS}. */
  readonly timeoutMs?: number | undefined;
  /** The offset to AWS time already known (e.g. from an earlier session). */
  readonly clockSkew?: ClockSkew | undefined;
  /** After a clock-skew refusal of a signed call, learn the offset from that answer and re-sign once. Default true. */
  readonly correctClockSkew?: boolean | undefined;
  /** Seams for tests and instrumentation: fetch, the local clock (epoch ms), the wait between attempts, randomness. */
  readonly fetch?: typeof fetch | undefined;
  readonly clock?: (() => number) | undefined;
  readonly sleep?: ((ms: number, signal?: AbortSignal) => Promise<void>) | undefined;
  readonly random?: (() => number) | undefined;
}

/** A configured client. Only `clockSkew` changes after creation: signed answers teach it AWS's time. */
export interface StsClient {
  readonly config: Readonly<StsClientConfig> & { readonly retry: RetryPolicy; readonly timeoutMs: number };
  /** Where calls go and the region they are signed for. */
  readonly endpoint: StsEndpoint;
  /** The offset to AWS time learned from the latest signed answer; later calls sign with it. */
  clockSkew: ClockSkew | undefined;
}

/**
 * A client for `config`, checked once: the region is an AWS Region name (or `aws-global`), the endpoint an absolute
 * http(s) URL, the retry policy bounded, the timeout positive.
 *
 * @throws {AwsClientError} `invalid-configuration` naming the bad setting.
 */
export function createStsClient(config: StsClientConfig): StsClient {
  let endpoint: StsEndpoint;
  try {
    endpoint = stsEndpoint(config.region, config.endpoint);
  } catch (error) {
    throw new AwsClientError("invalid-configuration", (error as Error).message, { cause: error });
  }
  const retry = config.retry ?? DEFAULT_RETRY_POLICY;
  const problem = retryPolicyProblem(retry.retries, retry.baseMs);
  if (problem) throw new AwsClientError("invalid-configuration", problem);
  const timeoutMs = config.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!(timeoutMs > 0)) throw new AwsClientError("invalid-configuration", `The timeout must be more than 0 ms, not ${timeoutMs}.`);
  return { config: { ...config, retry, timeoutMs }, endpoint, clockSkew: config.clockSkew };
}

/** `setEndpoint`: the same client sending to `endpoint` (`undefined`: the region's default). Validated like {@link createStsClient}. */
export function withEndpoint(client: StsClient, endpoint: string | undefined): StsClient {
  return createStsClient({ ...client.config, endpoint, clockSkew: client.clockSkew });
}

/** `setRegion`: the same client for `region` (its default endpoint unless an endpoint was set). Validated. */
export function withRegion(client: StsClient, region: string): StsClient {
  return createStsClient({ ...client.config, region, clockSkew: client.clockSkew });
}

/** What every operation takes besides its input. */
export interface StsCallOptions {
  /** Cancels the call, including waits between attempts (an `aborted` error, or `timeout` for a TimeoutError reason). */
  readonly signal?: AbortSignal | undefined;
  /** Credentials for this call instead of the client's. */
  readonly credentials?: CredentialsProvider | undefined;
}

/** A finished call: the typed result, the last round trip (earlier attempts in `exchange.retried`) and its metadata. */
export interface StsCallResult<T> extends AwsCallResult<T> {
  readonly metadata: ResponseMetadata;
  /** Signed calls: the clock offset measured on this answer (also kept on the client). */
  readonly clockSkew?: ClockSkew | undefined;
}

/** One operation as {@link runOperation} needs it. */
export interface OperationSpec<T> {
  /** The form parameters, `Action` and `Version` first. */
  readonly params: QueryParams;
  /** Reads the answer (throws typed errors). */
  readonly read: (answer: StsAnswer) => T;
  /** Signed with SigV4 (every operation but AssumeRoleWithWebIdentity and AssumeRoleWithSAML). */
  readonly signed: boolean;
}

/** The Query parameters of `operation`: `Action`, `Version`, then `members` in the order given. */
export function operationParams(operation: string, members: QueryParams): QueryParams {
  return { Action: operation, Version: STS_API_VERSION, ...members };
}

function retryReason(error: unknown): string {
  if (isAwsServiceError(error)) return error.code;
  if (isAwsClientError(error)) return error.kind;
  return "error";
}

async function credentialsFor(client: StsClient, options: StsCallOptions, action: string): Promise<SigningCredentials> {
  const provider = options.credentials ?? client.config.credentials;
  if (provider === undefined) throw new AwsClientError("invalid-configuration", `${action} is a signed call, and the client has no credentials to sign it with.`);
  try {
    return typeof provider === "function" ? await provider() : provider;
  } catch (error) {
    if (isAwsClientError(error) || isAwsServiceError(error)) throw error;
    throw new AwsClientError("invalid-configuration", `The credentials for ${action} could not be obtained: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

/**
 * Runs one operation: prepares (signing with the clock offset the client knows), sends and reads, retrying what the
 * client's policy allows; a signed call refused for clock skew learns the offset from that answer and is re-signed
 * once. Every earlier attempt is kept on the final exchange (`retried`), on success and on failure, and the metadata
 * (request id, status, attempts, total backoff) is on the result or the error.
 *
 * @throws {AwsServiceError} / {AwsClientError} with `exchange` and `metadata` attached; never anything untyped.
 */
export async function runOperation<T extends { readonly requestId: string | undefined }>(
  client: StsClient,
  spec: OperationSpec<T>,
  options: StsCallOptions = {},
): Promise<StsCallResult<T>> {
  const { config } = client;
  const clock = config.clock ?? Date.now;
  const action = String(spec.params["Action"]);
  const retried: RetriedAttempt[] = [];
  let attempts = 0;
  let totalRetryDelayMs = 0;
  const send = (prepared: PreparedRequest): Promise<AwsCallResult<T>> => {
    attempts++;
    return exchangeAndProcess(prepared, spec.read, { signal: options.signal, timeoutMs: config.timeoutMs, fetch: config.fetch, clock });
  };
  const signedAttempt = async (skew: ClockSkew): Promise<AwsCallResult<T>> => {
    const credentials = await credentialsFor(client, options, action);
    const done = await send(await signedQueryRequest(client.endpoint.url, client.endpoint.signingRegion, credentials, spec.params, correctedNow(skew, clock())));
    client.clockSkew = clockSkewFromExchange(done.exchange) ?? client.clockSkew;
    return done;
  };
  const attempt = async (): Promise<AwsCallResult<T>> => {
    if (!spec.signed) return send(queryRequest(client.endpoint.url, spec.params));
    const skew = client.clockSkew ?? NO_CLOCK_SKEW;
    try {
      return await signedAttempt(skew);
    } catch (error) {
      if (config.correctClockSkew === false || !isClockSkewError(error) || error.exchange === undefined) throw error;
      const learned = clockSkewFromExchange(error.exchange) ?? clockSkewFromMessage(error.message, skew, clock());
      if (learned === undefined) throw error;
      client.clockSkew = learned;
      retried.push({ exchange: error.exchange, why: `${error.code} (clock skew: re-signed with AWS's time)`, delayMs: 0 });
      return signedAttempt(learned);
    }
  };
  const withRetried = (exchange: Exchange): Exchange => (retried.length > 0 ? { ...exchange, retried: [...retried] } : exchange);
  try {
    const done = await callWithRetry(attempt, {
      ...config.retry,
      signal: options.signal,
      sleep: config.sleep,
      random: config.random,
      onRetry: ({ delayMs, error }) => {
        totalRetryDelayMs += delayMs;
        const exchange = (error as { exchange?: Exchange } | null)?.exchange;
        if (exchange) retried.push({ exchange, why: retryReason(error), delayMs });
      },
    });
    const exchange = withRetried(done.exchange);
    return {
      result: done.result,
      exchange,
      metadata: { requestId: done.result.requestId, httpStatus: exchange.response?.status, attempts, totalRetryDelayMs },
      ...(spec.signed ? { clockSkew: clockSkewFromExchange(done.exchange) } : {}),
    };
  } catch (error) {
    const typed = isAwsServiceError(error) || isAwsClientError(error) ? error : new AwsClientError("invalid-configuration", `${action} failed inside the client: ${String(error)}`, { cause: error });
    // Cancelled while waiting to retry: the last attempt made is the exchange to show.
    if (typed.exchange === undefined) typed.exchange = retried.pop()?.exchange;
    if (typed.exchange) typed.exchange = withRetried(typed.exchange);
    typed.metadata = {
      requestId: isAwsServiceError(typed) ? typed.requestId : undefined,
      httpStatus: typed.status ?? typed.exchange?.response?.status,
      attempts,
      totalRetryDelayMs,
    };
    throw typed;
  }
}
