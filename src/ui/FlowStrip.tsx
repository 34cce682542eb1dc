import { currentStep, stepText, type FlowStep } from "./flow";

/**
 * The flow at a glance: an ordered list of the four steps, each greyed until reached, then lit with its duration. The
 * state is in the text (not colour alone) and the step the user is at carries `aria-current="step"`. Not a live
 * region: the panels below announce what happens, once.
 */
export function FlowStrip({ steps }: { steps: readonly FlowStep[] }) {
  const current = currentStep(steps);
  return (
    <ol className="flow" aria-label="The flow at a glance">
      {steps.map((step, i) => (
        <li key={step.name} className={`flow-step ${step.status}`} aria-current={i === current ? "step" : undefined}>
          <span className="flow-box">
            <span className="flow-name">{step.name}</span> <span className="flow-state">{stepText(step)}</span>
          </span>
        </li>
      ))}
    </ol>
  );
}
