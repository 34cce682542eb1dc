import { useEffect, useSyncExternalStore } from "react";
import { AuthProvider, useAuth } from "./auth/AuthProvider";
import type { AppConfig } from "./config";
import type { SessionHost } from "./sessionHost";
import { flowSteps, measured } from "./ui/flow";
import { FlowStrip } from "./ui/FlowStrip";
import { SignIn } from "./ui/SignIn";

/**
 * The app around a session host (src/sessionHost.ts), created in src/main.tsx before the first render;
 * `landedSession` is the session a sign-in callback started there.
 */
export function App({ config, host, landedSession }: { config: AppConfig; host: SessionHost; landedSession?: Promise<void> | undefined }) {
  return (
    <AuthProvider providers={config.providers} landedSession={landedSession} onSignedIn={host.begin} onSignedOut={host.end}>
      <Shell config={config} host={host} />
    </AuthProvider>
  );
}

function Shell({ config, host }: { config: AppConfig; host: SessionHost }) {
  const { state, signOut } = useAuth();
  const session = state.status === "signed-in" ? state.session : undefined;
  const who = session?.displayName ?? "";
  const provider = session ? config.providers.find((p) => p.id === session.providerId) : undefined;
  const { Console, lifecycle, restored, error } = useSyncExternalStore(host.subscribe, host.getSnapshot);
  // The tab says who is signed in (a display name, never a token).
  const title = session ? `${who || "Signed in"} (${provider?.label ?? session.providerId}) – Web Identity Console` : "Web Identity Console";
  useEffect(() => {
    document.title = title;
  }, [title]);

  return (
    <>
      <header className="app">
        <h1>Web Identity Console</h1>
        {session && (
          <div className="row">
            <span>
              Signed in as <strong>{who}</strong> with {provider?.label ?? session.providerId}
            </span>
            <button type="button" onClick={() => void signOut()}>
              Sign out
            </button>
          </div>
        )}
      </header>
      <main>
        {/* Until the console shows its own (with the exchange and the calls), the strip says how far the sign-in got. */}
        {!(session && Console && lifecycle) && (
          <FlowStrip
            steps={flowSteps(
              session
                ? { token: measured("done", session.callbackMs), sts: { status: error ? "failed" : "in-progress" } }
                : { token: state.status === "signed-out" || state.status === "signing-out" ? undefined : { status: "in-progress" } },
            )}
          />
        )}
        {session ? (
          Console && lifecycle ? (
            <Console config={config} lifecycle={lifecycle} restored={restored ?? false} />
          ) : error ? (
            <p className="alert" role="alert">{error}</p>
          ) : (
            <p className="status" role="status">Getting AWS credentials…</p>
          )
        ) : (
          <SignIn config={config} />
        )}
      </main>
    </>
  );
}
