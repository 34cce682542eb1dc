import { describe, expect, it } from "vitest";
import { SHORTENED_MARK, shorten } from "./Raw";

describe("shorten", () => {
  it("keeps head and tail of a long value, marked", () => {
    const jwt = `eyJ${"a".repeat(800)}XYZ`;
    expect(shorten(jwt, 24, 12)).toBe(`${jwt.slice(0, 24)}${SHORTENED_MARK}${jwt.slice(-12)}`);
  });

  it("never shows more than a third of a value, however short", () => {
    for (const length of [1, 5, 18, 46, 60, 100]) {
      const value = "x".repeat(length);
      const shown = shorten(value, 24, 12).replace(SHORTENED_MARK, "");
      expect(shown.length).toBeLessThanOrEqual(Math.floor(length / 3));
      expect(shorten(value, 24, 12)).toContain(SHORTENED_MARK);
    }
  });
});
