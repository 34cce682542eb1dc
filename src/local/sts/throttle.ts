/**
 * Request-rate throttling of the local STS: real STS limits the requests per second of an account and answers the
 * excess with `Throttling` (400) `Rate exceeded` (reference §3.2, the JSON body quoted by kubernetes-sigs/aws-iam-
 * authenticator), which the SDKs retry with backoff. The local stack has one account, so one token bucket: `rate`
 * tokens per second, at most `rate` stored (a burst of one second's worth), one taken per request. Constant memory.
 * AWS's actual limits and burst are not public; the rate is stack.json's `sts.maxRequestsPerSecond` (off when absent).
 */
import { StsFault } from "./faults";

/** A token bucket; `take()` is false when the request is over the rate. */
export interface RateLimiter {
  take(): boolean;
}

/**
 * A token bucket refilled at `ratePerSecond` (a positive number), holding at most `ratePerSecond` tokens (at least 1),
 * starting full. `clock` is monotonic ms (default `performance.now`), never the stack clock, which tests may move.
 */
export function createRateLimiter(ratePerSecond: number, clock: () => number = () => performance.now()): RateLimiter {
  if (!(ratePerSecond > 0) || !Number.isFinite(ratePerSecond)) throw new Error(`ratePerSecond must be a positive number, got ${ratePerSecond}`);
  const capacity = Math.max(1, ratePerSecond);
  let tokens = capacity;
  let last = clock();
  return {
    take() {
      const now = clock();
      if (now > last) {
        tokens = Math.min(capacity, tokens + ((now - last) * ratePerSecond) / 1000);
        last = now;
      }
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    },
  };
}

/**
 * Rule: the account's requests stay within the configured per-second rate.
 * @throws StsFault `Throttling` (400) `Rate exceeded`.
 */
export function checkRate(limiter: RateLimiter | undefined): void {
  if (limiter && !limiter.take()) throw new StsFault("Throttling", 400, "Rate exceeded");
}
