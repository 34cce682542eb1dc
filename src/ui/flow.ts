/**
 * The step strip's model (DESIGN §2 "Across all steps"): provider → STS → credentials → signed calls, each not yet
 * reached, under way, done or failed, with the duration the app measured — never one it did not.
 */

export type StepStatus = "not-yet" | "in-progress" | "done" | "failed" | "expired";

/** Where one step stands; `ms` only when the app measured it. */
export interface StepProgress {
  readonly status: StepStatus;
  readonly ms?: number | undefined;
  /** What `ms` covers, when it is not the step's own round trip (e.g. "token + STS"). */
  readonly msNote?: string | undefined;
}

export interface FlowStep extends StepProgress {
  readonly name: string;
}

const NAMES = ["Provider token", "STS exchange", "Credentials", "Signed call"] as const;
const NOT_YET: StepProgress = { status: "not-yet" };

/** The four steps in order; a step left out has not been reached. */
export function flowSteps(progress: { token?: StepProgress | undefined; sts?: StepProgress | undefined; credentials?: StepProgress | undefined; call?: StepProgress | undefined } = {}): FlowStep[] {
  return [progress.token, progress.sts, progress.credentials, progress.call].map((p, i) => ({ ...(p ?? NOT_YET), name: NAMES[i] ?? "" }));
}

/** A step measured `ms` long (rounded; absent stays absent). */
export function measured(status: StepStatus, ms: number | undefined, msNote?: string): StepProgress {
  return { status, ms: ms === undefined || !Number.isFinite(ms) ? undefined : Math.max(0, Math.round(ms)), msNote };
}

/** The step the user is at: the first not done, else the last. */
export function currentStep(steps: readonly FlowStep[]): number {
  const i = steps.findIndex((s) => s.status !== "done");
  return i === -1 ? steps.length - 1 : i;
}

/** The step's state in words (never colour alone): "not yet", "in progress", "done, 27 ms", "failed, 12 ms", "expired". */
export function stepText(step: StepProgress): string {
  const ms = step.ms === undefined ? "" : `, ${step.ms} ms${step.msNote ? ` (${step.msNote})` : ""}`;
  switch (step.status) {
    case "not-yet":
      return "not yet";
    case "in-progress":
      return "in progress";
    case "done":
      return `done${ms}`;
    case "failed":
      return `failed${ms}`;
    case "expired":
      return "expired";
  }
}
