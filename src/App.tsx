import { QueryClient, QueryClientProvider, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { AuthProvider, useAuth } from "./auth/AuthProvider";
import type { AppConfig } from "./config";
import type * as ConsoleModule from "./console/Console";
import { SignIn } from "./ui/SignIn";

type ConsoleComponent = typeof ConsoleModule.default;
let consoleModule: Promise<ConsoleComponent> | undefined;

/**
 * Everything past sign-in (STS client, signer, XML parser, inspector) is a separate chunk. It is fetched as soon as a
 * sign-in is completing — in parallel with the code redemption — and rendered without Suspense, whose fallback
 * throttling would otherwise hold the finished console back for ~300 ms.
 */
export function preloadConsole(): Promise<ConsoleComponent> {
  consoleModule ??= import("./console/Console").then((m) => m.default);
  return consoleModule;
}

function useConsoleComponent(needed: boolean): { Console?: ConsoleComponent; error?: string } {
  const [loaded, setLoaded] = useState<{ Console?: ConsoleComponent; error?: string }>({});
  useEffect(() => {
    if (!needed) return;
    let live = true;
    preloadConsole().then(
      (Console) => live && setLoaded({ Console }),
      () => {
        consoleModule = undefined;
        if (live) setLoaded({ error: "The console could not be loaded (the network failed or the app was updated). Reload the page to try again." });
      },
    );
    return () => {
      live = false;
    };
  }, [needed]);
  return loaded;
}

export function App({ config }: { config: AppConfig }) {
  // Tokens and credentials live in this in-memory cache and in React state only; nothing is persisted.
  const [queryClient] = useState(
    () => new QueryClient({ defaultOptions: { queries: { retry: false, refetchOnWindowFocus: false }, mutations: { retry: false } } }),
  );
  return (
    <QueryClientProvider client={queryClient}>
      <AuthProvider providers={config.providers}>
        <Shell config={config} />
      </AuthProvider>
    </QueryClientProvider>
  );
}

function Shell({ config }: { config: AppConfig }) {
  const { state, signOut } = useAuth();
  const queryClient = useQueryClient();
  const session = state.status === "signed-in" ? state.session : undefined;
  const who = session ? String(session.claims.preferred_username ?? session.claims.email ?? session.claims.sub ?? "") : "";
  const provider = session ? config.providers.find((p) => p.id === session.providerId) : undefined;
  const { Console, error } = useConsoleComponent(state.status === "completing" || state.status === "restoring" || state.status === "signed-in");

  return (
    <>
      <header className="app">
        <h1>Web Identity Console</h1>
        {session && (
          <div className="row">
            <span>
              Signed in as <strong>{who}</strong> with {provider?.label ?? session.providerId}
            </span>
            <button
              type="button"
              onClick={() => {
                // Removed, not just marked for garbage collection: no query keeps a signed answer after sign-out.
                queryClient.cancelQueries().catch(() => undefined);
                queryClient.clear();
                void signOut();
              }}
            >
              Sign out
            </button>
          </div>
        )}
      </header>
      <main>
        {session ? (
          Console ? (
            <Console config={config} session={session} restored={state.status === "signed-in" && state.restored} />
          ) : error ? (
            <p className="alert" role="alert">{error}</p>
          ) : (
            <p className="status" role="status">Loading the console…</p>
          )
        ) : (
          <SignIn config={config} />
        )}
      </main>
    </>
  );
}
