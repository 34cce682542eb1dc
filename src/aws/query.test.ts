import { describe, expect, it } from "vitest";
import { encodeQuery, encodeRfc3986, flattenQuery } from "./query";

describe("encodeRfc3986", () => {
  it("encodes reserved characters, !'()* and space as %20", () => {
    expect(encodeRfc3986("a b!'()*~-._/:+=&")).toBe("a%20b%21%27%28%29%2A~-._%2F%3A%2B%3D%26");
    expect(encodeRfc3986("é€")).toBe("%C3%A9%E2%82%AC");
  });
});

describe("encodeQuery", () => {
  it("encodes an AssumeRoleWithWebIdentity body in insertion order, skipping undefined", () => {
    expect(
      encodeQuery({
        Action: "AssumeRoleWithWebIdentity",
        Version: "2011-06-15",
        RoleArn: "arn:aws:iam::123456789012:role/WebApp",
        RoleSessionName: "alice",
        WebIdentityToken: "eyJ.a-b_c.d+e/f=",
        ProviderId: undefined,
        DurationSeconds: 3600,
      }),
    ).toBe(
      "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2FWebApp" +
        "&RoleSessionName=alice&WebIdentityToken=eyJ.a-b_c.d%2Be%2Ff%3D&DurationSeconds=3600",
    );
  });

  it("flattens lists of structures and of scalars with .member.N", () => {
    expect(
      flattenQuery({
        PolicyArns: [{ arn: "arn:aws:iam::aws:policy/ReadOnlyAccess" }, { arn: "arn:b" }],
        Tags: [{ Key: "k", Value: "v v" }],
        TransitiveTagKeys: ["k"],
      }),
    ).toEqual([
      ["PolicyArns.member.1.arn", "arn:aws:iam::aws:policy/ReadOnlyAccess"],
      ["PolicyArns.member.2.arn", "arn:b"],
      ["Tags.member.1.Key", "k"],
      ["Tags.member.1.Value", "v v"],
      ["TransitiveTagKeys.member.1", "k"],
    ]);
    expect(encodeQuery({ PolicyArns: [{ arn: "arn:aws:iam::aws:policy/X" }] })).toBe("PolicyArns.member.1.arn=arn%3Aaws%3Aiam%3A%3Aaws%3Apolicy%2FX");
  });

  it("sends an empty list as Name= and a policy with spaces as %20", () => {
    expect(encodeQuery({ Tags: [], Policy: '{"Version": "2012-10-17"}' })).toBe("Tags=&Policy=%7B%22Version%22%3A%20%222012-10-17%22%7D");
  });

  it("refuses a non-finite number", () => {
    expect(() => encodeQuery({ DurationSeconds: Number.NaN })).toThrow(TypeError);
  });
});
