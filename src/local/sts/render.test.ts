import { describe, expect, it } from "vitest";
import { StsFault } from "./faults";
import { parseForm } from "./query";
import { escapeXml, isoSeconds, renderFault, renderSuccess } from "./render";
import { ASSUME_ROLE_WITH_WEB_IDENTITY_RULES, checkMembers } from "./validation";

/** XML 1.0's `Char` production: the only characters a well-formed document may contain. */
const XML_DOCUMENT_CHARS = /^[\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u;

describe("STS rendering", () => {
  it("escapes the five XML special characters", () => {
    expect(escapeXml(`<a href="x">Tom & 'Jerry'</a>`)).toBe("&lt;a href=&quot;x&quot;&gt;Tom &amp; &apos;Jerry&apos;&lt;/a&gt;");
  });

  it("replaces characters XML 1.0 forbids (C0 controls, U+FFFE/U+FFFF, lone surrogates) with U+FFFD", () => {
    expect(escapeXml("a\u0000b\u0001c\u0008d\u000Be\u000Cf\u001Fg\uFFFEh\uFFFFi")).toBe("a\uFFFDb\uFFFDc\uFFFDd\uFFFDe\uFFFDf\uFFFDg\uFFFDh\uFFFDi");
    expect(escapeXml("lone \uD800 high, lone \uDC00 low, reversed \uDC00\uD800, pair \uD83D\uDE00")).toBe(
      "lone \uFFFD high, lone \uFFFD low, reversed \uFFFD\uFFFD, pair \u{1F600}",
    );
    expect(escapeXml("tab\tLF\nCR\r\u0085\uFFFD")).toBe("tab\tLF\nCR\r\u0085\uFFFD");
    expect(escapeXml("\u0001&\u0002")).toBe("\uFFFD&amp;\uFFFD");
  });

  it("a RoleSessionName with U+0001 yields a well-formed ValidationError document", () => {
    const params = parseForm("RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2FR&RoleSessionName=a%01b&WebIdentityToken=abcd");
    expect(params.get("RoleSessionName")).toBe("a\u0001b");
    let fault: unknown;
    try {
      checkMembers(params, ASSUME_ROLE_WITH_WEB_IDENTITY_RULES);
    } catch (e) {
      fault = e;
    }
    expect(fault).toBeInstanceOf(StsFault);
    const { body } = renderFault(fault as StsFault, "id-1", false);
    expect(body).toMatch(XML_DOCUMENT_CHARS);
    expect(body).toBe(
      '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">\n' +
        "  <Error>\n    <Type>Sender</Type>\n    <Code>ValidationError</Code>\n" +
        "    <Message>1 validation error detected: Value &apos;a\uFFFDb&apos; at &apos;roleSessionName&apos; failed to satisfy constraint: " +
        "Member must satisfy regular expression pattern: [\\w+=,.@-]*</Message>\n  </Error>\n" +
        "  <RequestId>id-1</RequestId>\n</ErrorResponse>\n",
    );
    // JSON can carry the character itself, escaped.
    expect(JSON.parse(renderFault(fault as StsFault, "id-1", true).body).Error.Message).toContain("Value 'a\u0001b'");
  });

  it("renders a success envelope with namespace, nested elements, ISO timestamps, and omits undefined members", () => {
    const { contentType, body } = renderSuccess(
      "AssumeRoleWithWebIdentity",
      { Audience: "a&b", Credentials: { Expiration: new Date(Date.UTC(2024, 0, 18, 15, 20, 17, 359)) }, PackedPolicySize: undefined },
      "req-1",
      false,
    );
    expect(contentType).toBe("text/xml");
    expect(body).toBe(
      '<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">\n' +
        "  <AssumeRoleWithWebIdentityResult>\n" +
        "    <Audience>a&amp;b</Audience>\n" +
        "    <Credentials>\n" +
        "      <Expiration>2024-01-18T15:20:17Z</Expiration>\n" +
        "    </Credentials>\n" +
        "  </AssumeRoleWithWebIdentityResult>\n" +
        "  <ResponseMetadata>\n" +
        "    <RequestId>req-1</RequestId>\n" +
        "  </ResponseMetadata>\n" +
        "</AssumeRoleWithWebIdentityResponse>\n",
    );
  });

  it("renders JSON with epoch-second Expiration and numeric PackedPolicySize", () => {
    const { contentType, body } = renderSuccess(
      "AssumeRoleWithWebIdentity",
      { Credentials: { Expiration: new Date(1_700_000_000_500) }, PackedPolicySize: 6, SourceIdentity: undefined },
      "r",
      true,
    );
    expect(contentType).toBe("application/json");
    expect(JSON.parse(body)).toEqual({
      AssumeRoleWithWebIdentityResponse: {
        AssumeRoleWithWebIdentityResult: { Credentials: { Expiration: 1_700_000_000 }, PackedPolicySize: 6 },
        ResponseMetadata: { RequestId: "r" },
      },
    });
  });

  it("renders ErrorResponse with Type Sender/Receiver and RequestId beside Error", () => {
    const xml = renderFault(new StsFault("InvalidIdentityToken", 400, "No provider for <x> & y"), "id-1", false).body;
    expect(xml).toBe(
      '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">\n' +
        "  <Error>\n    <Type>Sender</Type>\n    <Code>InvalidIdentityToken</Code>\n" +
        "    <Message>No provider for &lt;x&gt; &amp; y</Message>\n  </Error>\n" +
        "  <RequestId>id-1</RequestId>\n</ErrorResponse>\n",
    );
    const json = JSON.parse(renderFault(new StsFault("InternalFailure", 500, "boom"), "id-2", true).body);
    expect(json).toEqual({ Error: { Code: "InternalFailure", Message: "boom", Type: "Receiver" }, RequestId: "id-2" });
  });

  it("formats timestamps without fractional seconds", () => {
    expect(isoSeconds(new Date(Date.UTC(2011, 6, 15, 23, 28, 33, 359)))).toBe("2011-07-15T23:28:33Z");
    expect(isoSeconds(new Date(Date.UTC(2011, 6, 15, 23, 28, 33, 999)))).toBe("2011-07-15T23:28:33Z");
    expect(isoSeconds(new Date(Date.UTC(2011, 6, 15, 23, 28, 34, 0)))).toBe("2011-07-15T23:28:34Z");
    expect(isoSeconds(new Date(Date.UTC(1969, 11, 31, 23, 59, 59, 500)))).toBe("1969-12-31T23:59:59Z");
    expect(() => isoSeconds(new Date(Number.NaN))).toThrow(RangeError);
  });
});
