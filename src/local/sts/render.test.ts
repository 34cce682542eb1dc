import { describe, expect, it } from "vitest";
import { StsFault } from "./faults";
import { escapeXml, isoSeconds, renderFault, renderSuccess } from "./render";

describe("STS rendering", () => {
  it("escapes the five XML special characters", () => {
    expect(escapeXml(`<a href="x">Tom & 'Jerry'</a>`)).toBe("&lt;a href=&quot;x&quot;&gt;Tom &amp; &apos;Jerry&apos;&lt;/a&gt;");
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
  });
});
