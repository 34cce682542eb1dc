import type { AppConfig } from "../../config";
import type { CredentialLifecycle, LifecycleState } from "../../credentials/lifecycle";
import type { Secret } from "../ExchangeView";

/** What every card of the "More STS calls" panel needs. */
export interface CallsContext {
  config: AppConfig;
  lifecycle: CredentialLifecycle;
  state: LifecycleState;
  /** The region credentials are used in (for "Use these credentials"). */
  region: string;
  /** The session's secrets, hidden in raw views. */
  secrets: Secret[];
  /** The STS endpoint when it is the local stack and config.json asks for its refusal traces. */
  traceEndpoint: string | undefined;
  /** Put an encoded authorization message into the DecodeAuthorizationMessage card. */
  onDecode: (encoded: string) => void;
}
