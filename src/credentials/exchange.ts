import type { ProviderSession } from "../auth/oidc";
import { isAwsClientError, isAwsServiceError } from "../aws/errors";
import type { Exchange, RetriedAttempt } from "../aws/exchange";
import { assumeRoleWithWebIdentity, callWithRetry, stsEndpoint, type AssumeRoleWithWebIdentityResult, type StsCallResult } from "../aws/sts";
import type { AppConfig } from "../config";

/** What the user chose for one exchange. */
export interface ExchangeInput {
  roleArn: string;
  sessionName: string;
  durationSeconds: number;
  policy?: string;
}

/** The exchange's result plus when it arrived (local epoch ms), for the countdown's full circle. */
export type WebIdentityResult = AssumeRoleWithWebIdentityResult & { receivedAt: number };

/** Retries after the first attempt, and the backoff base: attempt n waits a random 0–300·2ⁿ⁻¹ ms ("full jitter"). */
export const EXCHANGE_RETRY = { retries: 2, baseMs: 300 } as const;

function retryReason(error: unknown): string {
  if (isAwsServiceError(error)) return error.code;
  if (isAwsClientError(error)) return error.kind;
  return "error";
}

/** The last attempt's exchange, carrying the earlier attempts (so the inspector shows every retry). */
function withRetries(exchange: Exchange | undefined, retried: readonly RetriedAttempt[]): Exchange | undefined {
  return exchange && retried.length > 0 ? { ...exchange, retried } : exchange;
}

/**
 * Exchange the provider's token for temporary credentials: an unsigned AssumeRoleWithWebIdentity (with `ProviderId`
 * for an OAuth 2.0 access token), retried with backoff and jitter only for what AWS says is transient
 * (IDPCommunicationError, throttling, 5xx, network). Every retried attempt is kept on the final exchange (`retried`),
 * on success and on failure.
 */
export async function exchangeToken(
  config: AppConfig,
  session: ProviderSession,
  input: ExchangeInput,
  signal?: AbortSignal,
  transport: { fetch?: typeof fetch; sleep?: (ms: number) => Promise<void>; random?: () => number } = {},
): Promise<StsCallResult<WebIdentityResult>> {
  const endpoint = stsEndpoint(config.region, config.stsEndpoint);
  const retried: RetriedAttempt[] = [];
  try {
    const done = await callWithRetry(
      () =>
        assumeRoleWithWebIdentity(
          endpoint.url,
          {
            roleArn: input.roleArn,
            roleSessionName: input.sessionName,
            webIdentityToken: session.webIdentityToken,
            ...(session.stsProviderId ? { providerId: session.stsProviderId } : {}),
            durationSeconds: input.durationSeconds,
            ...(input.policy ? { policy: input.policy } : {}),
          },
          { signal, timeoutMs: 15_000, fetch: transport.fetch },
        ),
      {
        ...EXCHANGE_RETRY,
        signal,
        sleep: transport.sleep,
        random: transport.random,
        onRetry: ({ delayMs, error }) => {
          const exchange = (error as { exchange?: Exchange } | null)?.exchange;
          if (exchange) retried.push({ exchange, why: retryReason(error), delayMs });
        },
      },
    );
    return { exchange: withRetries(done.exchange, retried) ?? done.exchange, result: { ...done.result, receivedAt: Date.now() } };
  } catch (error) {
    if ((isAwsServiceError(error) || isAwsClientError(error)) && retried.length > 0) error.exchange = withRetries(error.exchange, retried);
    throw error;
  }
}
