import { describe, expect, it } from "vitest";
import { StsFault } from "./faults";
import { parseForm } from "./query";
import { ASSUME_ROLE_WITH_WEB_IDENTITY_RULES, checkMembers, policyArnProblems } from "./validation";

const ROLE = "arn:aws:iam::123456789012:role/WebIdentityConsoleUser";

function problem(body: string): string {
  const params = parseForm(body);
  try {
    checkMembers(params, ASSUME_ROLE_WITH_WEB_IDENTITY_RULES, policyArnProblems(params).problems);
  } catch (e) {
    if (e instanceof StsFault && e.code === "ValidationError" && e.status === 400) return e.message;
    throw e;
  }
  return "";
}

describe("AssumeRoleWithWebIdentity member validation (AWS's ValidationError wording)", () => {
  const ok = `RoleArn=${encodeURIComponent(ROLE)}&RoleSessionName=alice&WebIdentityToken=abcd`;

  it("accepts a valid request", () => {
    expect(problem(ok)).toBe("");
    expect(problem(`${ok}&DurationSeconds=900&Policy=%7B%7D&ProviderId=abcd`)).toBe("");
  });

  it("reports a session name outside the pattern", () => {
    expect(problem(ok.replace("alice", "Session1%3A2"))).toBe(
      "1 validation error detected: Value 'Session1:2' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*",
    );
  });

  it("reports session-name length bounds 2–64", () => {
    expect(problem(ok.replace("alice", "a"))).toBe(
      "1 validation error detected: Value 'a' at 'roleSessionName' failed to satisfy constraint: Member must have length greater than or equal to 2",
    );
    const long = "x".repeat(65);
    expect(problem(ok.replace("alice", long))).toBe(
      `1 validation error detected: Value '${long}' at 'roleSessionName' failed to satisfy constraint: Member must have length less than or equal to 64`,
    );
  });

  it("reports a missing member as null", () => {
    expect(problem("RoleSessionName=alice&WebIdentityToken=abcd")).toBe(
      "1 validation error detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null",
    );
  });

  it("reports DurationSeconds outside 900–43200", () => {
    expect(problem(`${ok}&DurationSeconds=123`)).toBe(
      "1 validation error detected: Value '123' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900",
    );
    expect(problem(`${ok}&DurationSeconds=43201`)).toBe(
      "1 validation error detected: Value '43201' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 43200",
    );
  });

  it("joins several errors with '; ' under 'N validation errors detected'", () => {
    expect(problem("RoleSessionName=a%3A&DurationSeconds=1")).toBe(
      "4 validation errors detected: " +
        "Value null at 'roleArn' failed to satisfy constraint: Member must not be null; " +
        "Value 'a:' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*; " +
        "Value null at 'webIdentityToken' failed to satisfy constraint: Member must not be null; " +
        "Value '1' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900",
    );
  });

  it("lists each violated constraint of one member separately", () => {
    const name = "a:".repeat(40);
    expect(problem(ok.replace("alice", encodeURIComponent(name)))).toBe(
      "2 validation errors detected: " +
        `Value '${name}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*; ` +
        `Value '${name}' at 'roleSessionName' failed to satisfy constraint: Member must have length less than or equal to 64`,
    );
  });

  it("does not echo the (sensitive) web identity token", () => {
    expect(problem(ok.replace("abcd", "abc"))).toBe(
      "1 validation error detected: Value at 'webIdentityToken' failed to satisfy constraint: Member must have length greater than or equal to 4",
    );
  });

  it("bounds PolicyArns to 10 members of 20–2048 characters", () => {
    const arns = Array.from({ length: 11 }, (_, i) => `PolicyArns.member.${i + 1}.arn=arn:aws:iam::aws:policy/P${i}`).join("&");
    expect(problem(`${ok}&${arns}`)).toMatch(/^1 validation error detected: Value '\[.*\]' at 'policyArns' failed to satisfy constraint: Member must have length less than or equal to 10$/);
    expect(problem(`${ok}&PolicyArns.member.1.arn=short`)).toBe(
      "1 validation error detected: Value 'short' at 'policyArns.1.member.arn' failed to satisfy constraint: Member must have length greater than or equal to 20",
    );
  });
});
