import type { ProviderSession } from "../auth/oidc";
import type { SessionStart } from "../auth/sessionAuth";
import { rolesFor, type AppConfig } from "../config";
import { exchangeToken, type ExchangeInput } from "./exchange";
import { createCredentialLifecycle, type CredentialLifecycle } from "./lifecycle";
import { defaultSessionName } from "./session";
import { warmUpXmlReader } from "../aws/xml";

// The session engine's entry point: its own chunk (no React, no console UI), loaded on a sign-in callback in parallel
// with the code redemption, so the first STS request waits for as little code as possible (src/sessionHost.ts).

/** The choices of the first exchange: the remembered ones after a reload, else the configured defaults. */
function initialInput(config: AppConfig, session: ProviderSession, remembered: ExchangeInput | undefined): ExchangeInput {
  const offered = rolesFor(config, session.providerId);
  if (remembered && offered.some((r) => r.arn === remembered.roleArn)) return remembered;
  return { roleArn: offered[0]?.arn ?? "", sessionName: defaultSessionName(session.displayName), durationSeconds: config.durationSeconds };
}

/**
 * Create and start the lifecycle of a session whose tokens just arrived: the first exchange starts at once (before
 * anything renders). Called by the session host (src/sessionHost.ts), which disposes it on sign-out.
 */
export function startLifecycle(config: AppConfig, start: SessionStart): { lifecycle: CredentialLifecycle; firstExchange: Promise<boolean> } {
  const { session, restored, auth } = start;
  const input = initialInput(config, session, restored ? start.resumedExchange : undefined);
  const sub = session.subject;
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

// While the page waits for config.json and the token answer, warm the XML reader up for the first STS answer.
if (typeof requestIdleCallback === "function") requestIdleCallback(() => warmUpXmlReader(), { timeout: 1000 });
