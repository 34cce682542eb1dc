import { useEffect, useRef, useState } from "react";
import type { ProviderSession } from "../auth/oidc";
import { useAuth } from "../auth/AuthProvider";
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

/** Everything after sign-in: the session at a glance, then the token, the exchange, the credentials and the signed calls. */
export default function Console({ config, session, restored }: { config: AppConfig; session: ProviderSession; restored: boolean }) {
  // These three are stable for the app's life (they depend only on the configured providers).
  const { renew, rememberExchange, signIn, resumedExchange } = useAuth();
  const [input] = useState(() => initialInput(config, session, restored ? resumedExchange : undefined));
  const [lifecycle] = useState<CredentialLifecycle>(() => {
    let first = true;
    return createCredentialLifecycle(session, input, {
      now: () => Date.now(),
      setTimer: (fn, ms) => window.setTimeout(fn, Math.min(ms, 2 ** 31 - 1)),
      clearTimer: (handle) => window.clearTimeout(handle as number),
      exchange: async (provider, exchangeInput, signal) => {
        const done = await exchangeToken(config, provider, exchangeInput, signal);
        if (first) performance.mark("wic:credentials"); // for `npm run bench` (callback-to-credentials)
        first = false;
        return done;
      },
      renewToken: () => renew(session.providerId),
      marginSeconds: config.refreshMarginSeconds,
      onCredentials: (used) => rememberExchange(session.providerId, used),
    });
  });

  // Start once; StrictMode's unmount/remount stops and restarts. A real unmount (sign-out) disposes, which drops every
  // token and credential the lifecycle holds.
  const disposeTimer = useRef<number | undefined>(undefined);
  useEffect(() => {
    window.clearTimeout(disposeTimer.current);
    lifecycle.start({ reason: restored ? "restore" : "sign-in", input });
    return () => {
      lifecycle.stop();
      disposeTimer.current = window.setTimeout(() => lifecycle.dispose(), 0);
    };
  }, [lifecycle, restored, input]);

  const state = useLifecycleState(lifecycle);
  const getNewCredentials = async () => {
    const outcome = await lifecycle.refresh("get-new");
    if (outcome === "sign-in-needed") signIn(session.providerId);
  };

  return (
    <div className="console">
      <SessionPanel state={state} restored={restored} onGetNew={getNewCredentials} onSignInAgain={() => signIn(session.providerId)} />
      <div className="steps">
        <ProviderTokenPanel session={state.provider} />
        <ExchangePanel config={config} lifecycle={lifecycle} state={state} />
        {/* keyed by access key: a new secret starts masked even if the previous one was revealed */}
        {state.credentials && <CredentialsPanel key={state.credentials.result.credentials.accessKeyId} credentials={state.credentials} offsetMs={state.clockSkew?.offsetMs ?? 0} />}
        {state.credentials && <SignedCallsPanel config={config} lifecycle={lifecycle} state={state} onGetNew={getNewCredentials} />}
      </div>
    </div>
  );
}
