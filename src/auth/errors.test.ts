import { describe, expect, it } from "vitest";
import { isProviderError, ProviderError, providerAddress, toProviderError } from "./errors";

const oauth = (error: string, error_description?: string) => Object.assign(new Error(error), { name: "ErrorResponse", error, error_description });

describe("toProviderError", () => {
  it("tells login_required (and its kin) apart: the app must send the user to the login page", () => {
    for (const code of ["login_required", "interaction_required", "consent_required"]) {
      const e = toProviderError("renewal", oauth(code), "Local OpenID provider");
      expect(e.kind).toBe("login-required");
      expect(e.oauthError).toBe(code);
      expect(e.message).toBe(`Local OpenID provider needs you to sign in again (it answered ${code}).`);
    }
  });

  it("calls access_denied a cancellation, not a refusal", () => {
    const e = toProviderError("callback", oauth("access_denied", "End-User aborted the sign-in"), "Local OpenID provider");
    expect(e.kind).toBe("cancelled");
    expect(e.message).toBe("Sign-in was cancelled at Local OpenID provider. Sign in again when you are ready.");
  });

  it("quotes other OAuth errors exactly", () => {
    const e = toProviderError("callback", oauth("invalid_grant", "grant request is invalid"));
    expect(e.kind).toBe("refused");
    expect(e.message).toBe("Finishing sign-in failed: the identity provider refused with invalid_grant — grant request is invalid. Try signing in again.");
  });

  it("explains network failures, timeouts and stale state", () => {
    expect(toProviderError("sign-in", new TypeError("Failed to fetch")).kind).toBe("unreachable");
    expect(toProviderError("sign-in", new TypeError("Failed to fetch")).message).toMatch(/Could not reach the identity provider/);
    // The address it tried is named.
    expect(toProviderError("sign-in", new TypeError("Failed to fetch"), "Local OpenID provider", "http://127.0.0.1:9400").message).toMatch(/^Could not reach Local OpenID provider at http:\/\/127\.0\.0\.1:9400 \(/);
    expect(providerAddress({ type: "oauth2", tokenEndpoint: "https://api.amazon.com/auth/o2/token" } as Parameters<typeof providerAddress>[0])).toBe("https://api.amazon.com/auth/o2/token");
    expect(toProviderError("renewal", Object.assign(new Error("IFrame timed out without a response"), { name: "ErrorTimeout" })).kind).toBe("timeout");
    expect(toProviderError("callback", new Error("No matching state found in storage")).kind).toBe("stale-callback");
    const other = toProviderError("callback", new Error("boom"));
    expect(other.kind).toBe("invalid-response");
    expect(other.message).toBe("Finishing sign-in failed: boom");
  });

  it("keeps a ProviderError as it is and never returns anything untyped", () => {
    const e = new ProviderError("timeout", "renewal", "x");
    expect(toProviderError("callback", e)).toBe(e);
    for (const thrown of [undefined, null, 42, "text", {}, Symbol.for("s")]) expect(isProviderError(toProviderError("callback", thrown))).toBe(true);
  });
});
