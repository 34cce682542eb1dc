/** Retrying with bounded exponential backoff and full jitter. */
import { AwsClientError, isRetryable } from "../errors";
import { abortReasonKind } from "./send";

/** Options of {@link callWithRetry}. */
export interface RetryOptions {
  /** Retries after the first attempt (0–10): `2` means at most 3 attempts. */
  readonly retries: number;
  /** Base delay in ms; attempt n waits a random time in [0, min(maxDelayMs, baseMs·2ⁿ)) ("full jitter"). */
  readonly baseMs: number;
  /** Cap of one delay; default 20 000 ms. */
  readonly maxDelayMs?: number | undefined;
  /** Stops waiting and retrying (the current attempt gets it through its own options). */
  readonly signal?: AbortSignal | undefined;
  /** Source of randomness in [0, 1); default `Math.random`. */
  readonly random?: (() => number) | undefined;
  /** How to wait; default a `setTimeout` that the signal cancels. */
  readonly sleep?: ((ms: number, signal?: AbortSignal) => Promise<void>) | undefined;
  /** Which errors to retry; default {@link isRetryable}. */
  readonly shouldRetry?: ((error: unknown) => boolean) | undefined;
  /** Told before each wait (for a "retrying…" hint in the UI). */
  readonly onRetry?: ((info: { readonly attempt: number; readonly delayMs: number; readonly error: unknown }) => void) | undefined;
}

/** What is wrong with a retry policy (0–10 retries, base delay ≥ 0), or `undefined`. */
export function retryPolicyProblem(retries: number, baseMs: number): string | undefined {
  return Number.isInteger(retries) && retries >= 0 && retries <= 10 && baseMs >= 0
    ? undefined
    : `A retry policy needs 0–10 retries and a base delay of 0 ms or more, not ${retries} and ${baseMs}.`;
}

function abortedError(signal: AbortSignal): AwsClientError {
  return abortReasonKind(signal.reason) === "timeout"
    ? new AwsClientError("timeout", "The call took too long and was stopped.", { cause: signal.reason })
    : new AwsClientError("aborted", "The call was cancelled.", { cause: signal.reason });
}

function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortedError(signal));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortedError(signal as AbortSignal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Calls `fn(attempt)` (attempt 0, 1, …) until it succeeds, retrying only errors `shouldRetry` accepts (default
 * {@link isRetryable}: `IDPCommunicationError`, throttling, 5xx, network — never `InvalidIdentityToken`), at most
 * `retries` times, waiting with exponential backoff and full jitter between attempts
 * (https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/).
 *
 * @throws the last error of `fn` when it is not retryable or the retries are used up.
 * @throws {AwsClientError} `aborted`/`timeout` when `signal` aborts before or while waiting.
 * @throws {RangeError} for `retries` outside 0–10 or a negative `baseMs`.
 */
export async function callWithRetry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const { retries, baseMs, signal } = options;
  const problem = retryPolicyProblem(retries, baseMs);
  if (problem) throw new RangeError(problem);
  const maxDelayMs = options.maxDelayMs ?? 20_000;
  const random = options.random ?? Math.random;
  const sleep = options.sleep ?? defaultSleep;
  const shouldRetry = options.shouldRetry ?? isRetryable;
  for (let attempt = 0; ; attempt++) {
    if (signal?.aborted) throw abortedError(signal);
    try {
      return await fn(attempt);
    } catch (error) {
      if (attempt >= retries || !shouldRetry(error) || signal?.aborted) throw error;
      const delayMs = Math.floor(Math.min(1, Math.max(0, random())) * Math.min(maxDelayMs, baseMs * 2 ** attempt));
      options.onRetry?.({ attempt: attempt + 1, delayMs, error });
      await sleep(delayMs, signal);
    }
  }
}
