import { describe, expect, it } from "vitest";
import { durationProblem, exchangeFormProblems, notSentText, policyProblem } from "./exchangeForm";

describe("the exchange form's checks", () => {
  it("accepts STS's duration range only, as whole seconds", () => {
    for (const ok of ["900", "3600", "43200"]) expect(durationProblem(ok)).toBeUndefined();
    for (const bad of ["", " ", "899", "43201", "3600.5", "abc"]) expect(durationProblem(bad)).toBe("Duration must be 900–43200 seconds.");
  });

  it("parses the session policy before it is sent; a syntax error says where", () => {
    expect(policyProblem("")).toBeUndefined();
    expect(policyProblem('{ "Version": "2012-10-17", "Statement": [] }')).toBeUndefined();
    // V8 (Node, Chrome) names the position; the message gives line, column and the line itself.
    const text = '{\n  "Version": "2012-10-17"\n  "Statement": []\n}';
    expect(policyProblem(text)).toMatch(/^Session policy is not valid JSON: line 3, column 3: .* — “"Statement": \[\]”$/);
    expect(policyProblem("[]")).toMatch(/^Session policy must be a JSON object/);
    expect(policyProblem('"s3:*"')).toMatch(/^Session policy must be a JSON object/);
  });

  it("lists every problem in the order of the fields", () => {
    expect(exchangeFormProblems({ sessionName: "alice", duration: "3600", policy: "" })).toEqual([]);
    expect(exchangeFormProblems({ sessionName: "a", duration: "90", policy: "{" }).map((p) => p.field)).toEqual(["sessionName", "duration", "policy"]);
    expect(exchangeFormProblems({ sessionName: "alice", duration: "90", policy: "{" }).map((p) => p.field)).toEqual(["duration", "policy"]);
  });

  it("says which fields kept the form from being sent", () => {
    expect(notSentText(exchangeFormProblems({ sessionName: "alice", duration: "90", policy: "" }))).toBe("Not sent to STS: fix Duration (seconds).");
    expect(notSentText(exchangeFormProblems({ sessionName: "a", duration: "90", policy: "{" }))).toBe("Not sent to STS: fix Session name, Duration (seconds) and Session policy JSON.");
  });
});
