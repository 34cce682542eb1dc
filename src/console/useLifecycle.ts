import { useSyncExternalStore } from "react";
import type { CredentialLifecycle, LifecycleState } from "../credentials/lifecycle";

/** The lifecycle's state, re-rendering the caller when it changes (not on each countdown tick). */
export function useLifecycleState(lifecycle: CredentialLifecycle): LifecycleState {
  return useSyncExternalStore(lifecycle.subscribe, lifecycle.getState);
}
