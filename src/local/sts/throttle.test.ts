import { describe, expect, it } from "vitest";
import { checkRate, createRateLimiter } from "./throttle";
import { thrownFaultTriple } from "./testing";

describe("createRateLimiter (one token bucket)", () => {
  it("allows a burst of one second's worth, then refills at the rate", () => {
    let now = 1_000;
    const limiter = createRateLimiter(3, () => now);
    expect([limiter.take(), limiter.take(), limiter.take(), limiter.take()]).toEqual([true, true, true, false]);
    now += 334; // just over a third of a second: one token back
    expect([limiter.take(), limiter.take()]).toEqual([true, false]);
    now += 60_000; // a long pause refills to the capacity, not beyond
    expect([limiter.take(), limiter.take(), limiter.take(), limiter.take()]).toEqual([true, true, true, false]);
  });

  it("holds at least one token for rates below one per second, and ignores a clock going backwards", () => {
    let now = 0;
    const limiter = createRateLimiter(0.5, () => now);
    expect([limiter.take(), limiter.take()]).toEqual([true, false]);
    now = 1_000;
    expect(limiter.take()).toBe(false);
    now = 500;
    expect(limiter.take()).toBe(false);
    now = 2_001;
    expect(limiter.take()).toBe(true);
  });

  it("refuses a rate that is not a positive number", () => {
    for (const rate of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) expect(() => createRateLimiter(rate)).toThrow(/positive number/);
  });
});

describe("checkRate", () => {
  it("throws Throttling 400 'Rate exceeded' over the rate, nothing without a limiter", () => {
    const limiter = createRateLimiter(1, () => 0);
    checkRate(limiter);
    expect(thrownFaultTriple(() => checkRate(limiter))).toEqual(["Throttling", 400, "Rate exceeded"]);
    for (let i = 0; i < 10; i++) checkRate(undefined);
  });
});
