import { describe, expect, it } from "vitest";
import { authReducer, describeAuthError } from "./state";

describe("authReducer", () => {
  it("walks redirect → complete → signed-in → signed-out and drops the error on a new attempt", () => {
    let s = authReducer({ status: "signed-out", error: { source: "sign-in", message: "x" } }, { type: "redirect", providerId: "local" });
    expect(s).toEqual({ status: "redirecting", providerId: "local" });
    s = authReducer(s, { type: "complete", providerId: "local" });
    expect(s.status).toBe("completing");
    s = authReducer(s, { type: "failed", error: { source: "callback", message: "bad" } });
    expect(s).toEqual({ status: "signed-out", error: { source: "callback", message: "bad" } });
    s = authReducer(s, { type: "signed-out" });
    expect(s).toEqual({ status: "signed-out" });
  });
});

describe("describeAuthError", () => {
  it("explains network failures, provider refusals and stale state", () => {
    expect(describeAuthError("sign-in", new TypeError("Failed to fetch")).message).toMatch(/Could not reach the identity provider/);
    expect(describeAuthError("callback", Object.assign(new Error("x"), { name: "ErrorResponse", error: "access_denied", error_description: "user said no" })).message)
      .toBe("The identity provider refused: access_denied — user said no. Try signing in again.");
    expect(describeAuthError("callback", new Error("No matching state found in storage")).message).toMatch(/does not match a sign-in started here/);
    expect(describeAuthError("callback", new Error("boom")).message).toBe("Finishing sign-in failed: boom");
  });
});
