import { queryOptions } from "@tanstack/react-query";
import type { ClockSkew } from "../aws/clock";
import { getCallerIdentity, stsEndpoint, type GetCallerIdentityResult, type SignedStsCallResult, type TemporaryCredentials } from "../aws/sts";
import type { AppConfig } from "../config";

/** Query keys of the signed demo calls: hierarchical, keyed by the (non-secret) access key id, never a secret. */
export const stsKeys = {
  all: ["sts"] as const,
  callerIdentity: (accessKeyId: string) => [...stsKeys.all, "caller-identity", accessKeyId] as const,
};

/**
 * sts:GetCallerIdentity signed with the temporary credentials; run on demand ("Who am I?"). Signs with the clock
 * offset measured by the previous call of this query, else `initialSkew` (measured on the exchange that issued them).
 */
export function callerIdentityQuery(config: AppConfig, credentials: TemporaryCredentials, initialSkew: ClockSkew | undefined) {
  return queryOptions({
    queryKey: stsKeys.callerIdentity(credentials.accessKeyId),
    queryFn: ({ signal, client, queryKey }) => {
      const endpoint = stsEndpoint(config.region, config.stsEndpoint);
      const clockSkew = client.getQueryData<SignedStsCallResult<GetCallerIdentityResult>>(queryKey)?.clockSkew ?? initialSkew;
      return getCallerIdentity(endpoint.url, endpoint.signingRegion, credentials, { signal, timeoutMs: 15_000, clockSkew });
    },
    enabled: false,
    staleTime: 0,
    gcTime: 60_000,
  });
}
