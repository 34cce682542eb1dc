import { afterEach, describe, expect, it } from "vitest";
import { createStackControls, installStackClock, isControlRequest, isLoopbackAddress, MAX_CLOCK_OFFSET_SECONDS, type IdentityProviderName, type ProviderMode } from "./controls";

describe("createStackControls", () => {
  it("starts at offset 0 with no refusals", () => {
    const controls = createStackControls();
    expect(controls.clockOffsetSeconds).toBe(0);
    expect(controls.state()).toMatchObject({ clockOffsetSeconds: 0, processClockShifted: false, silentRenewalRefused: [], personas: { oidc: "up", google: "up", amazon: "up", facebook: "up" } });
    expect(Math.abs(controls.now() - Date.now())).toBeLessThan(1000);
  });

  it("shifts its clock by an absolute offset, either way, within ±10 days", () => {
    const controls = createStackControls();
    controls.setClockOffset(7200);
    expect(controls.now() - Date.now()).toBeGreaterThan(7200_000 - 1000);
    expect(controls.now() - Date.now()).toBeLessThan(7200_000 + 1000);
    controls.setClockOffset(-60);
    expect(controls.clockOffsetSeconds).toBe(-60);
    expect(Date.now() - controls.now()).toBeGreaterThan(59_000);
    controls.setClockOffset(MAX_CLOCK_OFFSET_SECONDS);
    controls.setClockOffset(-MAX_CLOCK_OFFSET_SECONDS);
    expect(controls.state().now).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it("refuses offsets that are not whole seconds within ±10 days, and keeps the previous one", () => {
    const controls = createStackControls();
    controls.setClockOffset(5);
    for (const bad of [MAX_CLOCK_OFFSET_SECONDS + 1, -MAX_CLOCK_OFFSET_SECONDS - 1, 1.5, Number.NaN, Infinity, "60" as unknown as number]) {
      expect(() => controls.setClockOffset(bad)).toThrow(RangeError);
    }
    expect(controls.clockOffsetSeconds).toBe(5);
  });

  it("refuses and allows silent renewal per username; reset clears everything", () => {
    const lines: string[] = [];
    const controls = createStackControls({ usernames: ["alice", "bob"], log: (line) => lines.push(line) });
    controls.setSilentRenewalRefused("bob", true);
    controls.setSilentRenewalRefused("alice", true);
    expect(controls.state().silentRenewalRefused).toEqual(["alice", "bob"]);
    expect(controls.isSilentRenewalRefused("alice")).toBe(true);
    controls.setSilentRenewalRefused("alice", false);
    expect(controls.isSilentRenewalRefused("alice")).toBe(false);
    expect(() => controls.setSilentRenewalRefused("mallory", true)).toThrow(/not a test user/);
    expect(() => controls.setSilentRenewalRefused("", true)).toThrow(RangeError);
    controls.setClockOffset(100);
    controls.reset();
    expect(controls.state()).toMatchObject({ clockOffsetSeconds: 0, silentRenewalRefused: [] });
    expect(lines.some((l) => l.includes("refused for bob"))).toBe(true);
    expect(lines.at(-1)).toMatch(/^reset/);
  });
});

describe("provider modes and revocation", () => {
  it("every provider starts up; modes are per provider; reset brings all back up", () => {
    const lines: string[] = [];
    const controls = createStackControls({ log: (line) => lines.push(line) });
    expect(controls.state().personas).toEqual({ oidc: "up", google: "up", amazon: "up", facebook: "up" });
    controls.setProviderMode("amazon", "offline");
    controls.setProviderMode("google", "garbage");
    expect(controls.providerMode("amazon")).toBe("offline");
    expect(controls.providerMode("google")).toBe("garbage");
    expect(controls.providerMode("facebook")).toBe("up");
    expect(controls.state().personas).toEqual({ oidc: "up", google: "garbage", amazon: "offline", facebook: "up" });
    controls.setProviderMode("amazon", "up");
    expect(controls.providerMode("amazon")).toBe("up");
    controls.setProviderMode("oidc", "offline");
    controls.reset();
    expect(controls.state().personas).toEqual({ oidc: "up", google: "up", amazon: "up", facebook: "up" });
    expect(lines.some((l) => l.startsWith("amazon: offline"))).toBe(true);
    expect(lines.at(-1)).toMatch(/every provider up/);
  });

  it("refuses unknown providers and modes, and keeps the previous mode", () => {
    const controls = createStackControls();
    controls.setProviderMode("facebook", "offline");
    expect(() => controls.setProviderMode("twitter" as IdentityProviderName, "offline")).toThrow(/persona must be one of oidc, google, amazon, facebook/);
    expect(() => controls.setProviderMode("facebook", "down" as ProviderMode)).toThrow(/mode must be one of up, offline, garbage/);
    expect(() => controls.setProviderMode("facebook", undefined as unknown as ProviderMode)).toThrow(RangeError);
    expect(controls.providerMode("facebook")).toBe("offline");
  });

  it("revocation reaches every attached instance of the named provider only, and counts; detached ones are not reached", async () => {
    const controls = createStackControls({ usernames: ["alice", "bob"] });
    const calls: string[] = [];
    const store = (name: string, count: number) => ({
      revokeUserTokens: async (username: string) => {
        calls.push(`${name}:${username}`);
        return count;
      },
    });
    const detachA = controls.attachProvider("amazon", store("amazon-1", 2));
    controls.attachProvider("amazon", store("amazon-2", 1));
    controls.attachProvider("google", store("google", 5));
    expect(await controls.revokeTokens("amazon", "alice")).toBe(3);
    expect(calls).toEqual(["amazon-1:alice", "amazon-2:alice"]);
    detachA();
    expect(await controls.revokeTokens("amazon", "bob")).toBe(1);
    expect(calls.at(-1)).toBe("amazon-2:bob");
    await expect(controls.revokeTokens("facebook", "alice")).rejects.toThrow(/No facebook provider runs/);
    await expect(controls.revokeTokens("amazon", "mallory")).rejects.toThrow(/not a test user/);
    await expect(controls.revokeTokens("myspace" as IdentityProviderName, "alice")).rejects.toThrow(RangeError);
    expect(calls).toHaveLength(3);
  });
});

describe("installStackClock", () => {
  const restores: (() => void)[] = [];
  afterEach(() => {
    for (const restore of restores.splice(0)) restore();
  });

  it("makes Date.now follow the offset until restored, without counting the offset twice", () => {
    const original = Date.now;
    const controls = createStackControls();
    restores.push(installStackClock(controls));
    expect(controls.state().processClockShifted).toBe(true);
    controls.setClockOffset(3600);
    const shift = Date.now() - original();
    expect(shift).toBeGreaterThanOrEqual(3600_000);
    expect(shift).toBeLessThan(3600_000 + 1000);
    expect(Math.abs(controls.now() - Date.now())).toBeLessThan(1000);
    restores.pop()?.();
    expect(Date.now).toBe(original);
    expect(controls.state().processClockShifted).toBe(false);
  });

  it("refuses a second stack clock", () => {
    restores.push(installStackClock(createStackControls()));
    expect(() => installStackClock(createStackControls())).toThrow(/already installed/);
  });
});

describe("request filters", () => {
  it("recognises the control paths", () => {
    expect(isControlRequest("/__local/state")).toBe(true);
    expect(isControlRequest("/__local/clock?x=1")).toBe(true);
    expect(isControlRequest("/__local")).toBe(true);
    expect(isControlRequest("/__localx")).toBe(false);
    expect(isControlRequest("/")).toBe(false);
    expect(isControlRequest("/auth?x=/__local/")).toBe(false);
  });

  it("knows loopback addresses", () => {
    for (const a of ["127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1"]) expect(isLoopbackAddress(a), a).toBe(true);
    for (const a of ["10.0.0.1", "192.168.1.1", "::ffff:10.0.0.1", "fe80::1", "", undefined, "1127.0.0.1"]) expect(isLoopbackAddress(a), String(a)).toBe(false);
  });
});
