import { queryOptions } from "@tanstack/react-query";
import type { ClockSkew } from "../aws/clock";
import { getCallerIdentity, stsEndpoint, type TemporaryCredentials } from "../aws/sts";
import type { AppConfig } from "../config";

/** Query keys of the signed demo calls: hierarchical, keyed by the (non-secret) access key id, never a secret. */
export const stsKeys = {
  all: ["sts"] as const,
  callerIdentity: (accessKeyId: string) => [...stsKeys.all, "caller-identity", accessKeyId] as const,
};

/** sts:GetCallerIdentity signed with the temporary credentials; run on demand ("Who am I?"). */
export function callerIdentityQuery(config: AppConfig, credentials: TemporaryCredentials, clockSkew: ClockSkew | undefined) {
  return queryOptions({
    queryKey: stsKeys.callerIdentity(credentials.accessKeyId),
    queryFn: ({ signal }) => {
      const endpoint = stsEndpoint(config.region, config.stsEndpoint);
      return getCallerIdentity(endpoint.url, endpoint.signingRegion, credentials, { signal, timeoutMs: 15_000, clockSkew });
    },
    enabled: false,
    staleTime: 0,
    gcTime: 60_000,
  });
}
