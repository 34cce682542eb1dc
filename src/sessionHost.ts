import type { LandingTask } from "./auth/landing";
import type { SessionAuth, SessionStart } from "./auth/sessionAuth";
import type { AppConfig } from "./config";
import type * as ConsoleModule from "./console/Console";
import type { CredentialLifecycle } from "./credentials/lifecycle";

/** A dynamic import made once, and again after it failed (a network blip, an app update). */
function importOnce<T>(load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | undefined;
  return () =>
    (loading ??= load().catch((error: unknown) => {
      loading = undefined;
      throw error;
    }));
}

const loadEngine = importOnce(() => import("./credentials/start"));
const loadConsole = importOnce(() => import("./console/Console"));

/**
 * The session engine (credential lifecycle, STS client, XML parser — no React) is a chunk of its own, so the first STS
 * request waits only for it; the console UI (inspector, panels) is another, needed only to render. Both are fetched as
 * soon as a sign-in is completing, in parallel with the code redemption.
 */
export function preloadConsole(): Promise<typeof ConsoleModule> {
  void loadEngine().catch(() => undefined);
  return loadConsole();
}

/** What the shell renders after sign-in. */
export interface HostedSession {
  Console?: (typeof ConsoleModule)["default"];
  lifecycle?: CredentialLifecycle;
  restored?: boolean;
  error?: string;
}

/**
 * Owns the signed-in session's credential lifecycle outside React: created the moment the provider's tokens arrive
 * (so the first STS exchange starts before any rendering), shown once that exchange has settled, and disposed on
 * sign-out (which drops every token and credential it holds). The shell subscribes with `useSyncExternalStore`.
 */
export interface SessionHost {
  /** Start the session's lifecycle; the promise settles once there is something to show (never rejects). */
  begin(start: SessionStart): Promise<void>;
  end(): void;
  subscribe(listener: () => void): () => void;
  getSnapshot(): HostedSession;
}

export function createSessionHost(config: AppConfig): SessionHost {
  let snapshot: HostedSession = {};
  let generation = 0;
  const listeners = new Set<() => void>();
  const publish = (next: HostedSession): void => {
    snapshot = next;
    for (const listener of listeners) listener();
  };
  const end = (): void => {
    generation++;
    snapshot.lifecycle?.dispose();
    if (Object.keys(snapshot).length > 0) publish({});
  };
  return {
    begin(start) {
      end();
      const mine = generation;
      const failed = (): void => {
        if (mine === generation) publish({ error: "The console could not be loaded (the network failed or the app was updated). Reload the page to try again." });
      };
      const ui = preloadConsole();
      ui.catch(() => undefined); // awaited below, once the exchange is under way
      return loadEngine().then((engine) => {
        if (mine !== generation) return;
        const { lifecycle, firstExchange } = engine.startLifecycle(config, start);
        // The console renders once the first exchange has settled (credentials or an error to show): rendering it
        // while STS answers would hold the answer up behind layout and paint. Until then the shell says
        // "Getting AWS credentials…" (after a perceptible wait: src/auth/sessionAuth.ts).
        const settled = firstExchange.then(
          () => undefined,
          () => undefined,
        );
        return Promise.all([ui, settled]).then(
          ([chunk]) => {
            if (mine === generation) publish({ Console: chunk.default, lifecycle, restored: start.restored });
            else lifecycle.dispose();
          },
          () => {
            lifecycle.dispose();
            failed();
          },
        );
      }, failed);
    },
    end,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    getSnapshot: () => snapshot,
  };
}

/**
 * The session of a sign-in callback starts the moment its tokens arrive, outside React: nothing renders between the
 * token answer and the STS request. Settles (never rejects) once there is something to show — the console after the
 * first exchange, or the sign-in's failure; `undefined` when the page did not land on a sign-in callback.
 */
export function beginLandedSession(host: SessionHost, landing: LandingTask, auth: SessionAuth): Promise<void> | undefined {
  if (landing.kind !== "sign-in") return undefined;
  return landing.tokens.then(
    (session) => host.begin({ session, restored: false, resumedExchange: undefined, auth }),
    () => undefined, // the AuthProvider shows the failure
  );
}
