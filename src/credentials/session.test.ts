import { describe, expect, it } from "vitest";
import { defaultSessionName, sessionNameProblem } from "./session";

describe("session names", () => {
  it("derives an STS-valid name from the user's claims", () => {
    expect(defaultSessionName({ preferred_username: "alice" })).toBe("alice");
    expect(defaultSessionName({ email: "zoë smith@example.com" })).toBe("zo--smith@example.com");
    expect(defaultSessionName({ sub: "x" })).toBe("user-x");
    expect(defaultSessionName({ sub: "a".repeat(80) })).toHaveLength(64);
    expect(sessionNameProblem(defaultSessionName({ sub: "ä/ö:ü" }))).toBeUndefined();
  });

  it("rejects what STS would reject", () => {
    expect(sessionNameProblem("a")).toMatch(/2–64/);
    expect(sessionNameProblem("a".repeat(65))).toMatch(/2–64/);
    expect(sessionNameProblem("Session1:2")).toMatch(/only letters/);
    expect(sessionNameProblem("alice@example.com")).toBeUndefined();
  });
});
