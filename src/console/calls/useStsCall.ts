import { useMutation } from "@tanstack/react-query";
import { useEffect, useRef } from "react";
import { createStsClient, type StsCallResult, type StsClient } from "../../aws/sts";
import type { AppConfig } from "../../config";
import type { CredentialLifecycle } from "../../credentials/lifecycle";

/** The console's calls answer at once or say why not: no retries, which would hide what AWS said. */
const NO_RETRY = { retries: 0, baseMs: 0 } as const;

/**
 * One STS call of the "More STS calls" panel, run on demand: signed with the session's current credentials and the
 * clock offset it learned (an `ExpiredToken` answer makes the session refresh once and the call retry once), or
 * unsigned when `signed` is false. A new run cancels the previous one, and leaving the console cancels a running one.
 * The answer (credentials included) lives only in this mutation's memory.
 */
export function useStsCall<I, T>(config: AppConfig, lifecycle: CredentialLifecycle, run: (client: StsClient, input: I, signal: AbortSignal) => Promise<StsCallResult<T>>, signed = true) {
  const controller = useRef<AbortController | undefined>(undefined);
  useEffect(() => () => controller.current?.abort(), []);
  return useMutation({
    mutationFn: async (input: I) => {
      controller.current?.abort();
      const current = new AbortController();
      controller.current = current;
      const client = (credentials?: Parameters<typeof createStsClient>[0]["credentials"], clockSkew?: Parameters<typeof createStsClient>[0]["clockSkew"]) =>
        createStsClient({ region: config.region, endpoint: config.stsEndpoint, credentials, clockSkew, retry: NO_RETRY });
      if (!signed) return run(client(), input, current.signal);
      const done = await lifecycle.withCredentials((credentials, clockSkew) => run(client(credentials, clockSkew), input, current.signal));
      lifecycle.noteClockSkew(done.clockSkew);
      return done;
    },
    gcTime: 0,
  });
}
