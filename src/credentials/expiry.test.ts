import { describe, expect, it } from "vitest";
import { countdownText, formatCountdown, refreshAt, secondsLeft } from "./expiry";

const EXPIRATION = new Date("2024-01-18T15:20:17Z");
const AT = EXPIRATION.getTime();

describe("secondsLeft", () => {
  it("floors and never goes negative", () => {
    expect(secondsLeft(EXPIRATION, AT - 3_600_000)).toBe(3600);
    expect(secondsLeft(EXPIRATION, AT - 3_599_999)).toBe(3599);
    expect(secondsLeft(EXPIRATION, AT - 3_598_999)).toBe(3598);
    expect(secondsLeft(EXPIRATION, AT - 999)).toBe(0);
    expect(secondsLeft(EXPIRATION, AT)).toBe(0);
    expect(secondsLeft(EXPIRATION, AT + 60_000)).toBe(0);
    expect(secondsLeft(new Date("nope"), AT)).toBe(0);
  });
  it("is computed from the absolute expiry, so a long sleep is no problem", () => {
    expect(secondsLeft(EXPIRATION, AT - 3_600_000 + 45 * 60_000)).toBe(15 * 60);
  });
});

describe("formatCountdown", () => {
  it.each([
    [3599, "59:59"],
    [3600, "1:00:00"],
    [43_200, "12:00:00"],
    [3723, "1:02:03"],
    [65, "1:05"],
    [5, "0:05"],
    [0, "0:00"],
    [-5, "0:00"],
    [59.9, "0:59"],
    [Number.NaN, "0:00"],
  ])("%s s → %s", (seconds, text) => {
    expect(formatCountdown(seconds)).toBe(text);
  });
});

describe("countdownText", () => {
  it.each([
    [3599, "59 minutes 59 seconds left"],
    [3600, "1 hour left"],
    [3661, "1 hour 1 minute 1 second left"],
    [7260, "2 hours 1 minute left"],
    [1, "1 second left"],
    [0, "expired"],
    [-3, "expired"],
  ])("%s s → %s", (seconds, text) => {
    expect(countdownText(seconds)).toBe(text);
  });
});

describe("refreshAt", () => {
  it("is the margin before expiry", () => {
    expect(refreshAt(EXPIRATION, { marginSeconds: 300 }).toISOString()).toBe("2024-01-18T15:15:17.000Z");
    expect(refreshAt(EXPIRATION, { marginSeconds: 0 }).getTime()).toBe(AT);
  });
  it("is now when already inside the margin", () => {
    expect(refreshAt(EXPIRATION, { marginSeconds: 300, nowMs: AT - 60_000 }).getTime()).toBe(AT - 60_000);
    expect(refreshAt(EXPIRATION, { marginSeconds: 300, nowMs: AT - 3_600_000 }).getTime()).toBe(AT - 300_000);
  });
  it("refuses a negative margin", () => {
    expect(() => refreshAt(EXPIRATION, { marginSeconds: -1 })).toThrow(RangeError);
  });
});
