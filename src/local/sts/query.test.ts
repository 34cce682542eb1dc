import { describe, expect, it } from "vitest";
import { checkAction, checkVersion, formDecode, formPairs, listParam, MAX_PARAMETERS, parseForm, requestParams } from "./query";
import { thrownFault as fault } from "./testing";

describe("Query protocol parameters", () => {
  it("decodes both + and %20 as a space (URLSearchParams vs the AWS SDKs)", () => {
    expect(parseForm("RoleSessionName=a+b").get("RoleSessionName")).toBe("a b");
    expect(parseForm("RoleSessionName=a%20b").get("RoleSessionName")).toBe("a b");
    expect(parseForm("Policy=%7B%22a%22%3A%2B1%7D").get("Policy")).toBe('{"a":+1}');
  });

  it("keeps the first of repeated names, reads names without '=' as empty, skips empty pairs", () => {
    const p = parseForm("A=1&A=2&B&&C=");
    expect([...p]).toEqual([
      ["A", "1"],
      ["B", ""],
      ["C", ""],
    ]);
  });

  it("refuses bad percent-escapes and too many parameters with MalformedQueryString", () => {
    const bad = fault(() => parseForm("A=%E0%A4%A"));
    expect([bad.code, bad.status, bad.message]).toEqual(["MalformedQueryString", 400, "The request body contains an invalid percent-encoding: %E0%A4%A"]);
    expect(bad.cause).toBeInstanceOf(URIError);
    expect(fault(() => parseForm("%ZZ=1", "query string")).message).toBe("The query string contains an invalid percent-encoding: %ZZ");
    const many = Array.from({ length: MAX_PARAMETERS + 1 }, (_, i) => `p${i}=1`).join("&");
    expect(fault(() => parseForm(many)).status).toBe(400);
    const most = Array.from({ length: MAX_PARAMETERS }, (_, i) => `p${i}=1`).join("&");
    expect(parseForm(most).size).toBe(MAX_PARAMETERS);
  });

  it("splits form text into raw-decoded pairs in order, repeats kept, a missing '=' as an undefined value", () => {
    expect(formPairs("b=2&&a=x+y&a&c=", formDecode)).toEqual([
      ["b", "2"],
      ["a", "x y"],
      ["a", undefined],
      ["c", ""],
    ]);
    expect(formPairs("", formDecode)).toEqual([]);
    // The decoder decides: here, keep the raw text.
    expect(formPairs("a=%2B%ZZ", (raw) => raw)).toEqual([["a", "%2B%ZZ"]]);
    expect(() => formDecode("%E0%A4%A")).toThrow(URIError);
  });

  it("merges the URL query with the body, the body winning", () => {
    const p = requestParams("Action=GetCallerIdentity&Version=1", "Version=2011-06-15");
    expect([p.get("Action"), p.get("Version")]).toEqual(["GetCallerIdentity", "2011-06-15"]);
  });

  it("requires Action and Version=2011-06-15", () => {
    expect(fault(() => checkAction(new Map())).code).toBe("MissingAction");
    expect(checkAction(new Map([["Action", "GetCallerIdentity"]]))).toBe("GetCallerIdentity");
    const missing = fault(() => checkVersion(new Map(), "GetCallerIdentity"));
    expect([missing.code, missing.status]).toEqual(["MissingParameter", 400]);
    const wrong = fault(() => checkVersion(new Map([["Version", "2010-01-01"]]), "GetCallerIdentity"));
    expect([wrong.code, wrong.message]).toEqual(["InvalidAction", "Could not find operation GetCallerIdentity for version 2010-01-01"]);
    expect(() => checkVersion(new Map([["Version", "2011-06-15"]]), "X")).not.toThrow();
  });

  it("reads list members in order until the first gap, bounded", () => {
    const p = parseForm("PolicyArns.member.1.arn=a&PolicyArns.member.2.arn=b&PolicyArns.member.4.arn=d");
    expect(listParam(p, "PolicyArns", ".arn", 10)).toEqual(["a", "b"]);
    const many = parseForm(Array.from({ length: 20 }, (_, i) => `L.member.${i + 1}=x`).join("&"));
    expect(listParam(many, "L", "", 10)).toHaveLength(11);
  });
});
