import { queryOptions } from "@tanstack/react-query";
import { createStsClient, getCallerIdentity } from "../aws/sts";
import type { AppConfig } from "../config";
import type { CredentialLifecycle } from "../credentials/lifecycle";

/**
 * Query keys of the signed demo calls: hierarchical, keyed by the signed-in session (`sub` and the sign-in's `iat`,
 * which stay the same across refreshes and silent renewals), never by a token or a secret.
 */
export const stsKeys = {
  all: ["sts"] as const,
  callerIdentity: (sub: string, iat: number) => [...stsKeys.all, "caller-identity", sub, iat] as const,
};

/** "Who am I?" answers at once or says why not: the lifecycle refreshes expired credentials itself. */
const NO_RETRY = { retries: 0, baseMs: 0 } as const;

/**
 * sts:GetCallerIdentity signed with the session's current credentials; run on demand ("Who am I?"). Signs with the
 * clock offset the session learned; an `ExpiredToken` answer makes the session refresh once and the call retry once.
 */
export function callerIdentityQuery(config: AppConfig, lifecycle: CredentialLifecycle) {
  return queryOptions({
    queryKey: stsKeys.callerIdentity(lifecycle.sessionKey.sub, lifecycle.sessionKey.iat),
    queryFn: async ({ signal }) => {
      const done = await lifecycle.withCredentials((credentials, clockSkew) =>
        getCallerIdentity(createStsClient({ region: config.region, endpoint: config.stsEndpoint, credentials, clockSkew, retry: NO_RETRY }), { signal }),
      );
      lifecycle.noteClockSkew(done.clockSkew);
      return done;
    },
    enabled: false,
    staleTime: 0,
    // Signed requests and answers carry the session token: gone as soon as no view shows them (sign-out included,
    // where the panel unmounts after the cache was cleared and would otherwise re-arm a longer timer).
    gcTime: 0,
  });
}
