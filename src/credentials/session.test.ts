import { describe, expect, it } from "vitest";
import { defaultSessionName, sessionNameProblem } from "./session";

describe("session names", () => {
  it("derives an STS-valid name from the user's claims", () => {
    expect(defaultSessionName("alice")).toBe("alice");
    expect(defaultSessionName("zoë smith@example.com")).toBe("zo--smith@example.com");
    expect(defaultSessionName("x")).toBe("user-x");
    expect(defaultSessionName("")).toBe("web-user");
    expect(defaultSessionName("a".repeat(80))).toHaveLength(64);
    expect(sessionNameProblem(defaultSessionName("ä/ö:ü"))).toBeUndefined();
  });

  it("rejects what STS would reject", () => {
    expect(sessionNameProblem("a")).toMatch(/2–64/);
    expect(sessionNameProblem("a".repeat(65))).toMatch(/2–64/);
    expect(sessionNameProblem("Session1:2")).toMatch(/only letters/);
    expect(sessionNameProblem("alice@example.com")).toBeUndefined();
  });
});
