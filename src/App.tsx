import { QueryClient, QueryClientProvider, useQueryClient } from "@tanstack/react-query";
import { lazy, Suspense, useState } from "react";
import { AuthProvider, useAuth } from "./auth/AuthProvider";
import type { AppConfig } from "./config";
import { SignIn } from "./ui/SignIn";

// Everything past sign-in (STS client, signer, XML parser, inspector) loads after the user signs in.
const Console = lazy(() => import("./console/Console"));

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
          <Suspense fallback={<p className="status" role="status">Loading the console…</p>}>
            <Console config={config} session={session} />
          </Suspense>
        ) : (
          <SignIn config={config} />
        )}
      </main>
    </>
  );
}
