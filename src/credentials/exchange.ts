import type { ProviderSession } from "../auth/oidc";
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

/**
 * Exchange the provider's token for temporary credentials: an unsigned AssumeRoleWithWebIdentity, retried with
 * backoff only for what AWS says is transient (IDPCommunicationError, throttling, 5xx, network).
 */
export async function exchangeToken(config: AppConfig, session: ProviderSession, input: ExchangeInput, signal?: AbortSignal): Promise<StsCallResult<WebIdentityResult>> {
  const endpoint = stsEndpoint(config.region, config.stsEndpoint);
  const done = await callWithRetry(
    () =>
      assumeRoleWithWebIdentity(
        endpoint.url,
        {
          roleArn: input.roleArn,
          roleSessionName: input.sessionName,
          webIdentityToken: session.webIdentityToken,
          durationSeconds: input.durationSeconds,
          ...(input.policy ? { policy: input.policy } : {}),
        },
        { signal, timeoutMs: 15_000 },
      ),
    { retries: 2, baseMs: 300, signal },
  );
  return { exchange: done.exchange, result: { ...done.result, receivedAt: Date.now() } };
}
