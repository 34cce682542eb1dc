import { describe, expect, it } from "vitest";
import { base32Decode, hotp, totpCode, totpStep, verifyTotp } from "./totp";

// RFC 6238 Appendix B: the SHA-1 seed is the ASCII "12345678901234567890"; the 8-digit values' last 6 digits are the
// 6-digit codes IAM's virtual MFA devices show.
const RFC_SEED_BASE32 = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
const RFC_VECTORS: [number, string][] = [
  [59, "287082"],
  [1111111109, "081804"],
  [1111111111, "050471"],
  [1234567890, "005924"],
  [2000000000, "279037"],
  [20000000000, "353130"],
];

describe("TOTP (RFC 6238, HMAC-SHA-1, 6 digits, 30 s)", () => {
  it("decodes base32 (RFC 4648), case and padding insensitive, and refuses other characters", () => {
    expect(base32Decode(RFC_SEED_BASE32).toString("ascii")).toBe("12345678901234567890");
    expect(base32Decode("gezdgnbv gy3tqojq====").toString("ascii")).toBe("1234567890");
    expect(() => base32Decode("GEZ1")).toThrow(/not a base32 character/);
  });

  it("RFC 4226 Appendix D: HOTP of counters 0–2", () => {
    const key = Buffer.from("12345678901234567890", "ascii");
    expect([0, 1, 2].map((c) => hotp(key, c))).toEqual(["755224", "287082", "359152"]);
  });

  it.each(RFC_VECTORS)("RFC 6238 Appendix B at T=%i s → %s", (seconds, code) => {
    expect(totpCode(RFC_SEED_BASE32, seconds * 1000)).toBe(code);
    expect(verifyTotp(RFC_SEED_BASE32, code, seconds * 1000)).toBe(true);
  });

  it("accepts the code of the previous and the next step, not two steps away", () => {
    const t = 1234567890 * 1000;
    expect(totpStep(t)).toBe(41152263);
    expect(verifyTotp(RFC_SEED_BASE32, "005924", t - 30_000)).toBe(true);
    expect(verifyTotp(RFC_SEED_BASE32, "005924", t + 30_000)).toBe(true);
    expect(verifyTotp(RFC_SEED_BASE32, "005924", t + 60_000)).toBe(false);
    expect(verifyTotp(RFC_SEED_BASE32, "005924", t - 60_000)).toBe(false);
  });

  it("never verifies a code that is not 6 digits", () => {
    const t = 59_000;
    for (const code of ["", "28708", "2870820", "28708a", " 287082", "94287082"]) expect(verifyTotp(RFC_SEED_BASE32, code, t)).toBe(false);
  });
});
