import { describe, expect, it } from "vitest";
import { ProviderError } from "./errors";
import type { ProviderSession } from "./oidc";
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

  it("keeps the same state object when told again about the session it shows (no re-render)", () => {
    const session = { providerId: "local" } as ProviderSession;
    const shown = authReducer({ status: "completing", providerId: "local" }, { type: "signed-in", session });
    expect(authReducer(shown, { type: "signed-in", session })).toBe(shown);
    expect(authReducer(shown, { type: "signed-in", session: { providerId: "local" } as ProviderSession })).not.toBe(shown);
    expect(authReducer(shown, { type: "signed-in", session, restored: true })).toEqual({ status: "signed-in", session, restored: true });
  });
});
