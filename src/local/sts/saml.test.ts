import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { attributeContextKeys, createReplayCache, nameQualifier, rolePairs, sessionExpiry, subjectType } from "./saml";
import { thrownFaultTriple } from "./testing";

describe("AssumeRoleWithSAML pure rules", () => {
  it("NameQualifier is BASE64(SHA1(Issuer + AccountId + '/' + ProviderFriendlyName))", () => {
    const expected = createHash("sha1").update("http://idp.example/metadata123456789012/MyProvider").digest("base64");
    expect(nameQualifier("http://idp.example/metadata", "123456789012", "MyProvider")).toBe(expected);
    expect(expected).toHaveLength(28);
  });

  it("SubjectType strips the SAML 2.0 prefix for transient and persistent only", () => {
    expect(subjectType("urn:oasis:names:tc:SAML:2.0:nameid-format:transient")).toBe("transient");
    expect(subjectType("urn:oasis:names:tc:SAML:2.0:nameid-format:persistent")).toBe("persistent");
    expect(subjectType("urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress")).toBe("urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress");
    expect(subjectType(undefined)).toBe("urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified");
  });

  it("reads Role attribute pairs in either order and skips what is not a role/provider pair", () => {
    const role = "arn:aws:iam::123456789012:role/SamlUser";
    const provider = "arn:aws:iam::123456789012:saml-provider/LocalSAML";
    expect(rolePairs([`${role},${provider}`, ` ${provider} , ${role} `, role, `${role},${role}`, "a,b,c"])).toEqual([
      { roleArn: role, providerArn: provider },
      { roleArn: role, providerArn: provider },
    ]);
  });

  it("maps attributes to saml:* context keys with the IAM table's types", () => {
    const keys = attributeContextKeys(
      new Map([
        ["urn:oid:1.3.6.1.4.1.5923.1.1.1.6", ["alice@example.test"]],
        ["urn:oid:1.3.6.1.4.1.5923.1.1.1.1", ["member", "staff"]],
        ["http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress", ["alice@example.test"]],
        ["https://example.test/unmapped", ["x"]],
      ]),
    );
    expect(keys).toEqual({ "saml:edupersonprincipalname": "alice@example.test", "saml:edupersonaffiliation": ["member", "staff"], "saml:mail": "alice@example.test" });
  });

  it("ends the session at the shortest of DurationSeconds, SessionDuration and SessionNotOnOrAfter", () => {
    const now = 1_700_000_000_000;
    expect(sessionExpiry(now, 3600, undefined, undefined)).toBe(now + 3600_000);
    expect(sessionExpiry(now, 3600, 1800, undefined)).toBe(now + 1800_000);
    expect(sessionExpiry(now, 3600, undefined, now + 600_000)).toBe(now + 600_000);
    expect(thrownFaultTriple(() => sessionExpiry(now, 3600, undefined, now - 1))[0]).toBe("ExpiredTokenException");
  });

  it("remembers an assertion until it expires, within a bound", () => {
    const cache = createReplayCache(2);
    expect(cache.remember("a", 1000, 0)).toBe(true);
    expect(cache.remember("a", 1000, 10)).toBe(false);
    expect(cache.remember("b", 1000, 10)).toBe(true);
    expect(thrownFaultTriple(() => cache.remember("c", 1000, 10))).toEqual(["Throttling", 400, "Rate exceeded"]);
    expect(cache.remember("c", 3000, 1000)).toBe(true); // a and b expired and were dropped
    expect(cache.remember("a", 3000, 1000)).toBe(true);
    expect(cache.size).toBe(2);
  });
});
