import { describe, expect, it } from "vitest";
import { elementAt, parseXml, rootName, textAt, XmlParseError } from "./xml";

describe("parseXml", () => {
  it("keeps digit-only text as strings, trims, removes namespace prefixes", () => {
    const doc = parseXml(
      '<?xml version="1.0" encoding="UTF-8"?>\n<sts:R xmlns:sts="https://sts.amazonaws.com/doc/2011-06-15/" xmlns="x">\n' +
        "  <sts:Account>012345678901</sts:Account>\n  <Size> 6 </Size><Flag>true</Flag><Empty/><Also></Also>\n</sts:R>",
    );
    expect(doc).toEqual({ R: { Account: "012345678901", Size: "6", Flag: "true", Empty: "", Also: "" } });
    expect(rootName(doc)).toBe("R");
  });

  it("decodes XML entities and numeric character references", () => {
    const doc = parseXml("<M>Value &apos;a:b&apos; at &#39;roleSessionName&#x27; &lt;x&gt; &amp; &quot;</M>");
    expect(doc).toEqual({ M: "Value 'a:b' at 'roleSessionName' <x> & \"" });
  });

  it("decodes every reference exactly once", () => {
    expect(parseXml("<R>&#38;amp;</R>")).toEqual({ R: "&amp;" });
    expect(parseXml("<R>&amp;#60;</R>")).toEqual({ R: "&#60;" });
    expect(parseXml("<R>&#x26;lt;</R>")).toEqual({ R: "&lt;" });
    expect(parseXml("<R>&amp;amp;</R>")).toEqual({ R: "&amp;" });
    expect(parseXml("<R>&#x1F600;&#128512;</R>")).toEqual({ R: "\u{1F600}\u{1F600}" });
  });

  it("reads CDATA sections literally and keeps comments and DOCTYPE text inside them inert", () => {
    expect(parseXml("<R><![CDATA[a &amp; <b> &#38;]]></R>")).toEqual({ R: "a &amp; <b> &#38;" });
    expect(parseXml("<R>x<![CDATA[&#38;]]>y&#38;</R>")).toEqual({ R: "x&#38;y&" });
    expect(parseXml("<R><![CDATA[<!DOCTYPE R>]]></R>")).toEqual({ R: "<!DOCTYPE R>" });
    expect(parseXml("<R>a<!-- <![CDATA[ -->b</R>")).toEqual({ R: "ab" });
    expect(() => parseXml("<!-- c --><!DOCTYPE R><R/>")).toThrow(XmlParseError);
  });

  it("repeated elements become arrays; listed paths are arrays even with one item", () => {
    expect(parseXml("<A><B>1</B><B>2</B></A>")).toEqual({ A: { B: ["1", "2"] } });
    expect(parseXml("<ListBucketResult><Contents><Key>k</Key></Contents></ListBucketResult>")).toEqual({ ListBucketResult: { Contents: [{ Key: "k" }] } });
    expect(parseXml("<A><B>1</B></A>", { arrayPaths: ["A.B"] })).toEqual({ A: { B: ["1"] } });
    expect(parseXml("<A><B>1</B></A>", { arrayPaths: [] })).toEqual({ A: { B: "1" } });
  });

  it.each([
    ["an empty body", "", "NoRoot"],
    ["whitespace", "  \n ", "NoRoot"],
    ["JSON", '{"message":"Forbidden"}', "InvalidChar"],
    ["an HTML page with a DOCTYPE", '<!DOCTYPE html><html><head><meta charset="utf-8"><title>502</title></head><body>Bad gateway<br></body></html>', "DoctypeNotAllowed"],
    ["an HTML page with void elements", '<html><head><meta charset="utf-8"><title>502</title></head><body>Bad gateway<br></body></html>', "InvalidTag"],
    ["an internal entity declaration (billion laughs starts so)", '<!DOCTYPE R [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]><R>&b;</R>', "DoctypeNotAllowed"],
    ["an external entity", '<?xml version="1.0"?><!DOCTYPE R [<!ENTITY x SYSTEM "file:///etc/passwd">]><R>&x;</R>', "DoctypeNotAllowed"],
    ["an external DTD", '<!DOCTYPE R SYSTEM "http://169.254.169.254/latest/meta-data"><R>x</R>', "DoctypeNotAllowed"],
    ["an HTML entity XML does not define", "<R>a&nbsp;b</R>", "InvalidReference"],
    ["an undefined entity", "<R>&undefined;</R>", "InvalidReference"],
    ["a reference to NUL", "<R>&#0;</R>", "InvalidReference"],
    ["a reference to a lone surrogate", "<R>&#xD800;</R>", "InvalidReference"],
    ["a reference beyond Unicode", "<R>&#x110000;</R>", "InvalidReference"],
    ["a bare ampersand", "<R>a & b</R>", "InvalidChar"],
    ["plain text", "upstream connect error", "InvalidChar"],
    ["unclosed tags", "<ErrorResponse><Error></ErrorResponse>", "InvalidTag"],
    ["two roots", "<A/><B/>", "MultipleRoots"],
  ])("refuses %s", (_what, text, code) => {
    let thrown: unknown;
    try {
      parseXml(text);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(XmlParseError);
    expect((thrown as XmlParseError).name).toBe("XmlParseError");
    expect((thrown as XmlParseError).code).toBe(code);
  });

  it("parses well-formed XHTML (callers reject it by its root)", () => {
    expect(rootName(parseXml("<html><body><h1>502 Bad Gateway</h1></body></html>"))).toBe("html");
  });
});

describe("elementAt / textAt", () => {
  const doc = parseXml("<R><A><B>b</B><C><D>d</D></C><L>1</L><L>2</L></A></R>");
  it("walks by name", () => {
    expect(textAt(doc, ["R", "A", "B"])).toBe("b");
    expect(elementAt(doc, ["R", "A", "C"])).toEqual({ D: "d" });
    expect(textAt(doc, ["R", "A", "C"])).toBeUndefined();
    expect(textAt(doc, ["R", "A", "L"])).toBeUndefined();
    expect(elementAt(doc, ["R", "X", "Y"])).toBeUndefined();
    expect(elementAt(doc, ["R", "A", "B", "length"])).toBeUndefined();
    expect(elementAt(doc, ["R", "toString"])).toBeUndefined();
  });
});
