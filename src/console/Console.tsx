import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { useAuth } from "../auth/AuthProvider";
import { stsEndpoint } from "../aws/endpoint";
import type { AppConfig } from "../config";
import { MoreCallsPanel } from "./calls/MoreCallsPanel";
import { CredentialsPanel } from "./CredentialsPanel";
import { ExchangePanel } from "./ExchangePanel";
import { ProviderTokenPanel } from "./ProviderTokenPanel";
import { ConsoleFlow } from "./ConsoleFlow";
import { SessionPanel } from "./SessionPanel";
import { SignedCallsPanel } from "./SignedCallsPanel";
import { SummaryCard } from "./SummaryCard";
import type { CredentialLifecycle } from "../credentials/lifecycle";
import { useLifecycleState } from "./useLifecycle";

/** Everything after sign-in: the step strip, on a phone a summary card, the session at a glance, then the token, the exchange, the credentials, the signed calls and the rest of STS's API. */
export default function Console({ config, lifecycle, restored }: { config: AppConfig; lifecycle: CredentialLifecycle; restored: boolean }) {
  // One query cache per signed-in session, in memory only: signed answers live here while the console shows them, and
  // the whole cache goes with the console on sign-out.
  const [queryClient] = useState(() => new QueryClient({ defaultOptions: { queries: { retry: false, refetchOnWindowFocus: false } } }));
  useEffect(() => () => queryClient.clear(), [queryClient]);
  const { signIn } = useAuth();
  const state = useLifecycleState(lifecycle);
  const providerId = state.provider.providerId;
  const getNewCredentials = async () => {
    const outcome = await lifecycle.refresh("get-new");
    if (outcome === "sign-in-needed") signIn(providerId);
  };

  return (
    <QueryClientProvider client={queryClient}>
      <div className="console">
        <ConsoleFlow config={config} lifecycle={lifecycle} state={state} />
        <SummaryCard config={config} lifecycle={lifecycle} state={state} onGetNew={getNewCredentials} />
        <SessionPanel state={state} restored={restored} onGetNew={getNewCredentials} onSignInAgain={() => signIn(providerId)} />
        <div className="steps">
          <ProviderTokenPanel session={state.provider} />
          <ExchangePanel config={config} lifecycle={lifecycle} state={state} />
          {/* keyed by access key: a new secret starts masked even if the previous one was revealed */}
          {state.credentials && <CredentialsPanel key={state.credentials.result.credentials.accessKeyId} credentials={state.credentials} offsetMs={state.clockSkew?.offsetMs ?? 0} region={stsEndpoint(config.region, config.stsEndpoint).signingRegion} />}
          {state.credentials && <SignedCallsPanel config={config} lifecycle={lifecycle} state={state} onGetNew={getNewCredentials} />}
          {state.credentials && <MoreCallsPanel config={config} lifecycle={lifecycle} state={state} />}
        </div>
      </div>
    </QueryClientProvider>
  );
}
