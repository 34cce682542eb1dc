import { describe, expect, it } from "vitest";
import { contentRange, resolveRange } from "./range";

describe("Range header of GetObject", () => {
  it.each([
    ["bytes=0-9", 100, { kind: "partial", range: { start: 0, end: 9 } }],
    ["bytes=90-200", 100, { kind: "partial", range: { start: 90, end: 99 } }],
    ["bytes=10-", 100, { kind: "partial", range: { start: 10, end: 99 } }],
    ["bytes=-10", 100, { kind: "partial", range: { start: 90, end: 99 } }],
    ["bytes=-500", 100, { kind: "partial", range: { start: 0, end: 99 } }],
    ["bytes=99-99", 100, { kind: "partial", range: { start: 99, end: 99 } }],
    ["bytes=100-", 100, { kind: "unsatisfiable" }],
    ["bytes=100-200", 100, { kind: "unsatisfiable" }],
    ["bytes=-0", 100, { kind: "unsatisfiable" }],
    ["bytes=0-", 0, { kind: "unsatisfiable" }],
    ["bytes=-5", 0, { kind: "unsatisfiable" }],
    // Ignored, as S3 ignores what it does not support: the whole object.
    ["bytes=0-1,5-6", 100, { kind: "whole" }],
    ["items=0-1", 100, { kind: "whole" }],
    ["bytes=5-2", 100, { kind: "whole" }],
    ["bytes=-", 100, { kind: "whole" }],
    ["bytes=a-b", 100, { kind: "whole" }],
  ] as const)("%s of %i bytes", (header, size, outcome) => {
    expect(resolveRange(header, size)).toEqual(outcome);
  });

  it("no header → whole; Content-Range names the inclusive range and the size", () => {
    expect(resolveRange(undefined, 10)).toEqual({ kind: "whole" });
    expect(contentRange({ start: 0, end: 9 }, 100)).toBe("bytes 0-9/100");
  });
});
