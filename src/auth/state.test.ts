import { describe, expect, it } from "vitest";
import { ProviderError } from "./errors";
import { authReducer } from "./state";

describe("authReducer", () => {
  const failure = new ProviderError("refused", "callback", "bad");

  it("walks redirect → complete → signed-in → signed-out and drops the error on a new attempt", () => {
    let s = authReducer({ status: "signed-out", error: new ProviderError("unreachable", "sign-in", "x") }, { type: "redirect", providerId: "local" });
    expect(s).toEqual({ status: "redirecting", providerId: "local" });
    s = authReducer(s, { type: "complete", providerId: "local" });
    expect(s.status).toBe("completing");
    s = authReducer(s, { type: "failed", error: failure });
    expect(s).toEqual({ status: "signed-out", error: failure });
    s = authReducer(s, { type: "signed-out" });
    expect(s).toEqual({ status: "signed-out" });
  });

  it("restores silently, then signs out through the provider with a notice", () => {
    let s = authReducer({ status: "signed-out" }, { type: "restore", providerId: "local" });
    expect(s).toEqual({ status: "restoring", providerId: "local" });
    s = authReducer(s, { type: "signing-out", providerId: "local" });
    expect(s).toEqual({ status: "signing-out", providerId: "local" });
    const notice = { providerLabel: "Local", endedProviderSession: true };
    expect(authReducer(s, { type: "signed-out", notice })).toEqual({ status: "signed-out", notice });
  });
});
