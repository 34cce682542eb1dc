import { describe, expect, it } from "vitest";
import { readSamlResponse } from "./samlResponse";

const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64");

const RESPONSE = `<?xml version="1.0" encoding="UTF-8"?>
<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r1" Version="2.0">
  <saml:Issuer>http://127.0.0.1:9406/saml/metadata</saml:Issuer>
  <saml:Assertion ID="_a1" Version="2.0">
    <saml:Issuer>http://127.0.0.1:9406/saml/metadata</saml:Issuer>
    <ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignatureValue>AAAA</ds:SignatureValue></ds:Signature>
    <saml:Subject>
      <saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">alice</saml:NameID>
    </saml:Subject>
    <saml:Conditions NotBefore="2026-11-23T10:00:00Z" NotOnOrAfter="2026-11-23T10:05:00Z">
      <saml:AudienceRestriction><saml:Audience>https://signin.aws.amazon.com/saml</saml:Audience></saml:AudienceRestriction>
    </saml:Conditions>
    <saml:AttributeStatement>
      <saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/Role">
        <saml:AttributeValue>arn:aws:iam::123456789012:role/SamlUser,arn:aws:iam::123456789012:saml-provider/LocalSAML</saml:AttributeValue>
        <saml:AttributeValue>arn:aws:iam::123456789012:saml-provider/LocalSAML, arn:aws:iam::123456789012:role/demo/Other</saml:AttributeValue>
        <saml:AttributeValue>not a pair</saml:AttributeValue>
      </saml:Attribute>
      <saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/RoleSessionName"><saml:AttributeValue>alice&amp;co</saml:AttributeValue></saml:Attribute>
      <saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/SessionDuration"><saml:AttributeValue>1800</saml:AttributeValue></saml:Attribute>
    </saml:AttributeStatement>
  </saml:Assertion>
</samlp:Response>`;

describe("readSamlResponse", () => {
  it("reads issuer, subject, audience, validity and the Role pairs in either order", () => {
    const read = readSamlResponse(b64(RESPONSE));
    expect(read).toEqual({
      ok: true,
      summary: {
        xml: RESPONSE,
        issuer: "http://127.0.0.1:9406/saml/metadata",
        nameId: "alice",
        nameIdFormat: "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent",
        audience: "https://signin.aws.amazon.com/saml",
        notOnOrAfter: "2026-11-23T10:05:00Z",
        roles: [
          { roleArn: "arn:aws:iam::123456789012:role/SamlUser", principalArn: "arn:aws:iam::123456789012:saml-provider/LocalSAML" },
          { roleArn: "arn:aws:iam::123456789012:role/demo/Other", principalArn: "arn:aws:iam::123456789012:saml-provider/LocalSAML" },
        ],
        roleSessionName: "alice&co",
        sessionDuration: "1800",
        signed: true,
      },
    });
  });

  it("accepts the value wrapped over lines, as some tools copy it", () => {
    const wrapped = b64(RESPONSE).replace(/(.{76})/g, "$1\n");
    expect(readSamlResponse(wrapped).ok).toBe(true);
  });

  it("says what is wrong instead of throwing", () => {
    expect(readSamlResponse("not base64!")).toEqual({ ok: false, problem: expect.stringContaining("not base64") });
    expect(readSamlResponse(b64("<html><body>Sign in</body></html>"))).toEqual({ ok: false, problem: expect.stringContaining("its root is <html>") });
    expect(readSamlResponse(b64("<a><b></a>"))).toEqual({ ok: false, problem: expect.stringContaining("not XML") });
    expect(readSamlResponse(b64('<!DOCTYPE r [<!ENTITY x "y">]><r/>'))).toEqual({ ok: false, problem: expect.stringContaining("not XML") });
    expect(readSamlResponse(Buffer.from([0xff, 0xfe, 0x00]).toString("base64"))).toEqual({ ok: false, problem: expect.stringContaining("not base64") });
    expect(readSamlResponse(b64('<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"><saml:EncryptedAssertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"/></samlp:Response>'))).toEqual({
      ok: false,
      problem: expect.stringContaining("encrypted"),
    });
  });
});
