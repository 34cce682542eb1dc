import type { ProviderSession } from "../auth/oidc";
import { assumeRoleWithWebIdentity, createStsClient, type AssumeRoleWithWebIdentityResult, type StsCallResult } from "../aws/sts";
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
  const client = createStsClient({ region: config.region, endpoint: config.stsEndpoint, retry: EXCHANGE_RETRY, ...transport });
  const done = await assumeRoleWithWebIdentity(
    client,
    {
      roleArn: input.roleArn,
      roleSessionName: input.sessionName,
      webIdentityToken: session.webIdentityToken,
      ...(session.stsProviderId ? { providerId: session.stsProviderId } : {}),
      durationSeconds: input.durationSeconds,
      ...(input.policy ? { policy: input.policy } : {}),
    },
    { signal },
  );
  return { ...done, result: { ...done.result, receivedAt: Date.now() } };
}
