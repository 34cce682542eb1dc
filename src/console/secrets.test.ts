import { describe, expect, it } from "vitest";
import { redactor } from "./ExchangeView";
import { sessionSecrets } from "./secrets";
import type { LifecycleState } from "../credentials/lifecycle";

describe("sessionSecrets", () => {
  it("masks an opaque access token both as is and form-encoded in a request body", () => {
    const token = `Atza|IwEBIEx+ample/${"k".repeat(40)}MIDDLE${"z".repeat(40)}=`;
    const state = { provider: { webIdentityToken: token, idToken: "" }, history: [], credentials: undefined } as unknown as LifecycleState;
    const redact = redactor(sessionSecrets(state));
    const body = new URLSearchParams({ Action: "AssumeRoleWithWebIdentity", WebIdentityToken: token }).toString();
    const shown = redact(`${body}\n${encodeURIComponent(token)}\n${token}`);
    expect(shown).not.toContain("MIDDLE");
    expect(shown.split("\n")).toHaveLength(3);
  });
});
