import { describe, expect, it } from "vitest";
import {
  clockSkewFromExchange,
  clockSkewFromMessage,
  correctedNow,
  describeClockSkew,
  isSignificantSkew,
  measureClockSkew,
  NO_CLOCK_SKEW,
  parseHttpDate,
  parseSkewMessage,
} from "./clock";

const DATE = "Thu, 18 Jan 2024 14:20:16 GMT";
const DATE_MS = Date.UTC(2024, 0, 18, 14, 20, 16);

describe("parseHttpDate", () => {
  it("parses IMF-fixdate and refuses anything else", () => {
    expect(parseHttpDate(DATE)).toBe(DATE_MS);
    expect(parseHttpDate(` ${DATE} `)).toBe(DATE_MS);
    expect(parseHttpDate("2024-01-18T14:20:16Z")).toBeUndefined();
    expect(parseHttpDate("Thu, 18 Jan 2024 14:20:16 +0000")).toBeUndefined();
    expect(parseHttpDate(null)).toBeUndefined();
    expect(parseHttpDate(undefined)).toBeUndefined();
  });
});

describe("measureClockSkew", () => {
  it("a local clock 10 minutes behind: offset +10 min, from the round-trip midpoint and the header's second", () => {
    const sentAtMs = DATE_MS - 600_000 - 100;
    const receivedAtMs = DATE_MS - 600_000 + 100;
    expect(measureClockSkew({ serverDate: DATE, sentAtMs, receivedAtMs })).toEqual({
      offsetMs: 600_500,
      uncertaintyMs: 600,
      measuredAtMs: receivedAtMs,
      source: "date-header",
    });
  });

  it("a local clock 20 minutes ahead: negative offset", () => {
    const at = DATE_MS + 1_200_000;
    expect(measureClockSkew({ serverDate: DATE, sentAtMs: at, receivedAtMs: at })?.offsetMs).toBe(-1_199_500);
  });

  it("no estimate without a usable Date header or with inconsistent times", () => {
    expect(measureClockSkew({ serverDate: null, sentAtMs: 0, receivedAtMs: 1 })).toBeUndefined();
    expect(measureClockSkew({ serverDate: DATE, sentAtMs: 10, receivedAtMs: 5 })).toBeUndefined();
  });

  it("reads an exchange record", () => {
    const skew = clockSkewFromExchange({
      request: { method: "POST", url: "https://sts.us-east-1.amazonaws.com/", headers: {}, body: "" },
      response: { status: 200, statusText: "OK", headers: { date: DATE }, body: "" },
      startedAt: new Date(DATE_MS - 300_000),
      durationMs: 1000,
    });
    expect(skew?.offsetMs).toBe(300_000);
    expect(skew?.uncertaintyMs).toBe(1000);
  });
});

describe("STS skew messages", () => {
  it("reads 'Signature expired' (local clock behind)", () => {
    const message = "Signature expired: 20220127T001427Z is now earlier than 20220127T014428Z (20220127T015928Z - 15 min.)";
    expect(parseSkewMessage(message)).toEqual({ signedAtMs: Date.UTC(2022, 0, 27, 0, 14, 27), serverNowMs: Date.UTC(2022, 0, 27, 1, 59, 28) });
    const skew = clockSkewFromMessage(message, NO_CLOCK_SKEW, 42);
    expect(skew).toEqual({ offsetMs: 6_301_000, uncertaintyMs: 1000, measuredAtMs: 42, source: "error-message" });
  });

  it("reads 'Signature not yet current' (local clock ahead) on top of a previous offset", () => {
    const message = "Signature not yet current: 20210112T194419Z is still later than 20210112T072625Z (20210112T071125Z + 15 min.)";
    const previous = { offsetMs: 1000, uncertaintyMs: 500, measuredAtMs: 0, source: "date-header" as const };
    expect(clockSkewFromMessage(message, previous, 0)?.offsetMs).toBe(1000 - (Date.UTC(2021, 0, 12, 19, 44, 19) - Date.UTC(2021, 0, 12, 7, 11, 25)));
  });

  it("ignores other messages", () => {
    expect(parseSkewMessage("The request signature we calculated does not match the signature you provided.")).toBeUndefined();
  });
});

describe("using and describing the skew", () => {
  const behind = { offsetMs: 192_000, uncertaintyMs: 600, measuredAtMs: 0, source: "date-header" as const };
  it("corrects the signing time", () => {
    expect(correctedNow(behind, 1_000).getTime()).toBe(193_000);
    expect(correctedNow(NO_CLOCK_SKEW, 1_000).getTime()).toBe(1_000);
  });
  it("flags significant skew only", () => {
    expect(isSignificantSkew(behind)).toBe(true);
    expect(isSignificantSkew({ ...behind, offsetMs: 30_000 })).toBe(false);
    expect(isSignificantSkew({ ...behind, offsetMs: 30_000 }, 10_000)).toBe(true);
  });
  it("describes it for the UI", () => {
    expect(describeClockSkew(behind)).toBe("This device's clock is 3 min 12 s behind AWS time (±1 s).");
    expect(describeClockSkew({ ...behind, offsetMs: -3_723_000 })).toBe("This device's clock is 1 h 2 min 3 s ahead of AWS time (±1 s).");
    expect(describeClockSkew({ ...behind, offsetMs: 400 })).toBe("This device's clock matches AWS time (±1 s).");
    expect(describeClockSkew(NO_CLOCK_SKEW)).toBe("The clock offset to AWS is not known yet.");
  });
});
