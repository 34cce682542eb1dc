import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import type { ProviderSession } from "../auth/oidc";
import { useAuth, type SessionStart } from "../auth/AuthProvider";
import type { AppConfig } from "../config";
import { exchangeToken, type ExchangeInput } from "../credentials/exchange";
import { createCredentialLifecycle, type CredentialLifecycle } from "../credentials/lifecycle";
import { defaultSessionName } from "../credentials/session";
import { CredentialsPanel } from "./CredentialsPanel";
import { ExchangePanel } from "./ExchangePanel";
import { ProviderTokenPanel } from "./ProviderTokenPanel";
import { SessionPanel } from "./SessionPanel";
import { SignedCallsPanel } from "./SignedCallsPanel";
import { useLifecycleState } from "./useLifecycle";

/** The choices of the first exchange: the remembered ones after a reload, else the configured defaults. */
function initialInput(config: AppConfig, session: ProviderSession, remembered: ExchangeInput | undefined): ExchangeInput {
  if (remembered && config.roles.some((r) => r.arn === remembered.roleArn)) return remembered;
  return { roleArn: config.roles[0]?.arn ?? "", sessionName: defaultSessionName(session.claims), durationSeconds: config.durationSeconds };
}

/**
 * Create and start the lifecycle of a session whose tokens just arrived: the first exchange starts at once (before
 * anything renders). Called by the session host (src/sessionHost.ts), which disposes it on sign-out.
 */
export function startLifecycle(config: AppConfig, start: SessionStart): { lifecycle: CredentialLifecycle; firstExchange: Promise<boolean> } {
  const { session, restored, auth } = start;
  const input = initialInput(config, session, restored ? start.resumedExchange : undefined);
  const sub = String(session.claims.sub ?? "");
  let first = true;
  const lifecycle = createCredentialLifecycle(session, input, {
    now: () => Date.now(),
    setTimer: (fn, ms) => window.setTimeout(fn, Math.min(ms, 2 ** 31 - 1)),
    clearTimer: (handle) => window.clearTimeout(handle as number),
    exchange: async (provider, exchangeInput, signal) => {
      const done = await exchangeToken(config, provider, exchangeInput, signal);
      if (first) performance.mark("wic:credentials"); // for `npm run bench` (callback-to-credentials)
      first = false;
      return done;
    },
    renewToken: () => auth.renew(session.providerId, sub),
    marginSeconds: config.refreshMarginSeconds,
    onCredentials: (used) => auth.rememberExchange(session.providerId, used),
  });
  const firstExchange = lifecycle.start({ reason: restored ? "restore" : "sign-in", input }) ?? Promise.resolve(false);
  return { lifecycle, firstExchange };
}

/** Everything after sign-in: the session at a glance, then the token, the exchange, the credentials and the signed calls. */
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
        <SessionPanel state={state} restored={restored} onGetNew={getNewCredentials} onSignInAgain={() => signIn(providerId)} />
        <div className="steps">
          <ProviderTokenPanel session={state.provider} />
          <ExchangePanel config={config} lifecycle={lifecycle} state={state} />
          {/* keyed by access key: a new secret starts masked even if the previous one was revealed */}
          {state.credentials && <CredentialsPanel key={state.credentials.result.credentials.accessKeyId} credentials={state.credentials} offsetMs={state.clockSkew?.offsetMs ?? 0} />}
          {state.credentials && <SignedCallsPanel config={config} lifecycle={lifecycle} state={state} onGetNew={getNewCredentials} />}
        </div>
      </div>
    </QueryClientProvider>
  );
}
