import type { SessionStart } from "./auth/AuthProvider";
import type { AppConfig } from "./config";
import type * as ConsoleModule from "./console/Console";
import type { CredentialLifecycle } from "./credentials/lifecycle";

type ConsoleChunk = typeof ConsoleModule;
let consoleModule: Promise<ConsoleChunk> | undefined;

/**
 * Everything past sign-in (STS client, signer, XML parser, inspector, the credential lifecycle) is a separate chunk.
 * It is fetched as soon as a sign-in is completing — in parallel with the code redemption.
 */
export function preloadConsole(): Promise<ConsoleChunk> {
  consoleModule ??= import("./console/Console").catch((error: unknown) => {
    consoleModule = undefined;
    throw error;
  });
  return consoleModule;
}

/** What the shell renders after sign-in. */
export interface HostedSession {
  Console?: ConsoleChunk["default"];
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
  begin(start: SessionStart): void;
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
      preloadConsole().then(
        (chunk) => {
          if (mine !== generation) return;
          const { lifecycle, firstExchange } = chunk.startLifecycle(config, start);
          // The console renders once the first exchange has settled (credentials or an error to show): rendering it
          // while STS answers would hold the answer up behind layout and paint. Until then the shell says
          // "Getting AWS credentials…".
          const show = (): void => {
            if (mine === generation) publish({ Console: chunk.default, lifecycle, restored: start.restored });
            else lifecycle.dispose();
          };
          firstExchange.then(show, show);
        },
        () => {
          if (mine === generation) publish({ error: "The console could not be loaded (the network failed or the app was updated). Reload the page to try again." });
        },
      );
    },
    end,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    getSnapshot: () => snapshot,
  };
}
