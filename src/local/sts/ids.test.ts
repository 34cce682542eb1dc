import { describe, expect, it } from "vitest";
import { accountEncodedId, accountFromId, accountPart, ID_ALPHABET, newSecretAccessKey, newSessionAccessKeyId, randomPoolBytes, roleUniqueId } from "./ids";

describe("account-encoded ids (reference §0.6, moto's algorithm)", () => {
  it("encodes account 688655246681 as the real key ASIA2AVYNEVMQECFBHEU and role id AROA2AVYNEVMZEZ2AFVYI do", () => {
    expect(accountPart("688655246681")).toBe("2AVYNEVM");
    const key = newSessionAccessKeyId("688655246681");
    expect(key).toMatch(/^ASIA2AVYNEVM[Q-Z2-7][A-Z2-7]{7}$/); // odd account → parity char from the upper half
    expect(key).toHaveLength(20);
    const roleId = roleUniqueId("688655246681", "arn:aws:iam::688655246681:role/eks");
    expect(roleId).toMatch(/^AROA2AVYNEVM[Q-Z2-7][A-Z2-7]{8}$/);
    expect(roleId).toHaveLength(21);
  });

  it("decodes the real ids back to their account (what GetAccessKeyInfo does)", () => {
    expect(accountFromId("ASIA2AVYNEVMQECFBHEU")).toBe("688655246681");
    expect(accountFromId("AROA2AVYNEVMZEZ2AFVYI")).toBe("688655246681");
    expect(accountFromId("ASIA-not-an-id")).toBeUndefined();
  });

  it("round-trips even and odd accounts, including the extremes", () => {
    for (const account of ["000000000000", "000000000001", "123456789012", "999999999999"]) {
      const id = accountEncodedId(account, "ASIA", 20);
      expect(id).toMatch(/^ASIA[A-Z2-7]{16}$/);
      expect(accountFromId(id)).toBe(account);
    }
    expect(accountEncodedId("123456789012", "ASIA", 20)[12]).toMatch(/[A-P]/); // even → lower half
  });

  it("gives a role the same id every time, and different roles different ids", () => {
    const a = roleUniqueId("123456789012", "arn:aws:iam::123456789012:role/A");
    expect(roleUniqueId("123456789012", "arn:aws:iam::123456789012:role/A")).toBe(a);
    expect(roleUniqueId("123456789012", "arn:aws:iam::123456789012:role/B")).not.toBe(a);
  });

  it("issues distinct 40-character secrets from the base64 alphabet", () => {
    const s = newSecretAccessKey();
    expect(s).toMatch(/^[A-Za-z0-9+/]{40}$/);
    expect(newSecretAccessKey()).not.toBe(s);
    expect(ID_ALPHABET).toHaveLength(32);
  });

  it("rejects a malformed account id", () => {
    expect(() => accountPart("12345")).toThrow(/12 digits/);
  });
});

describe("randomPoolBytes", () => {
  it("hands out fresh bytes of the requested length, across pool refills, never the same bytes twice", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2_000; i++) {
      const bytes = randomPoolBytes(12);
      expect(bytes.length).toBe(12);
      seen.add(bytes.toString("hex"));
    }
    expect(seen.size).toBe(2_000);
    const a = randomPoolBytes(30);
    const b = randomPoolBytes(30);
    a.fill(0);
    expect(b.equals(Buffer.alloc(30))).toBe(false);
  });

  it("refuses more than the pool at once", () => {
    expect(() => randomPoolBytes(4097)).toThrow(/at most 4096/);
  });
});
