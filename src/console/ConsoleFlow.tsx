import { useQuery } from "@tanstack/react-query";
import type { Exchange } from "../aws/exchange";
import type { AppConfig } from "../config";
import type { CredentialLifecycle, LifecycleState } from "../credentials/lifecycle";
import { flowSteps, measured, type StepProgress } from "../ui/flow";
import { FlowStrip } from "../ui/FlowStrip";
import { callerIdentityQuery } from "./queries";

/** The STS step: the latest exchange of the session's history (or the one under way). */
function stsStep(state: LifecycleState): StepProgress | undefined {
  if (state.busy !== undefined || state.refresh.kind === "running") return { status: "in-progress" };
  const last = state.history.at(-1);
  return last && measured(last.ok ? "done" : "failed", last.exchange?.durationMs);
}

/** The step strip once signed in: durations from the provider session, the exchange history and the Who am I? call. */
export function ConsoleFlow({ config, lifecycle, state }: { config: AppConfig; lifecycle: CredentialLifecycle; state: LifecycleState }) {
  // The same query as the Signed calls panel (one cache entry; this observer never fetches on its own).
  const query = useQuery(callerIdentityQuery(config, lifecycle));
  const token = measured("done", state.provider.callbackMs);
  const creds = state.credentials;
  const credentials = creds && (state.expired ? { status: "expired" as const } : measured("done", token.ms === undefined ? undefined : token.ms + creds.exchange.durationMs, "token + STS"));
  const failedCall = query.isError ? (query.error as { exchange?: Exchange } | null)?.exchange : undefined;
  const call = query.isFetching
    ? { status: "in-progress" as const }
    : query.isError
      ? measured("failed", failedCall?.durationMs)
      : query.data && measured("done", query.data.exchange.durationMs);
  return <FlowStrip steps={flowSteps({ token, sts: stsStep(state), credentials, call })} />;
}
