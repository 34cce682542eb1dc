import { describe, expect, it } from "vitest";
import { currentStep, flowSteps, measured, stepText } from "./flow";

describe("the step strip's model", () => {
  it("lists the four steps in order, none reached by default, the first current", () => {
    const steps = flowSteps();
    expect(steps.map((s) => `${s.name}: ${stepText(s)}`)).toEqual(["Provider token: not yet", "STS exchange: not yet", "Credentials: not yet", "Signed call: not yet"]);
    expect(currentStep(steps)).toBe(0);
  });

  it("says each state in words, with a measured duration rounded and never an invented one", () => {
    expect(stepText(measured("done", 26.4))).toBe("done, 26 ms");
    expect(stepText(measured("done", undefined))).toBe("done");
    expect(stepText(measured("done", Number.NaN))).toBe("done");
    expect(stepText(measured("failed", 12.6))).toBe("failed, 13 ms");
    expect(stepText(measured("done", 53, "token + STS"))).toBe("done, 53 ms (token + STS)");
    expect(stepText({ status: "in-progress" })).toBe("in progress");
    expect(stepText({ status: "expired" })).toBe("expired");
  });

  it("the current step is the first not done, else the last", () => {
    expect(currentStep(flowSteps({ token: measured("done", 1), sts: measured("failed", 2), credentials: measured("done", 3) }))).toBe(1);
    expect(currentStep(flowSteps({ token: measured("done", 1), sts: measured("done", 2), credentials: measured("done", 3) }))).toBe(3);
    expect(currentStep(flowSteps({ token: measured("done", 1), sts: measured("done", 2), credentials: measured("done", 3), call: measured("done", 4) }))).toBe(3);
  });
});
