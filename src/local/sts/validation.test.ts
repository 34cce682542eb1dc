import { describe, expect, it } from "vitest";
import { StsFault } from "./faults";
import { parseForm } from "./query";
import {
  ASSUME_ROLE_RULES,
  ASSUME_ROLE_WITH_WEB_IDENTITY_RULES,
  checkMembers,
  DECODE_AUTHORIZATION_MESSAGE_RULES,
  GET_ACCESS_KEY_INFO_RULES,
  GET_FEDERATION_TOKEN_RULES,
  GET_SESSION_TOKEN_RULES,
  policyArnProblems,
  sourceIdentityProblems,
  tagProblems,
  type MemberRule,
} from "./validation";

const ROLE = "arn:aws:iam::123456789012:role/WebIdentityConsoleUser";

function problem(body: string): string {
  const params = parseForm(body);
  try {
    checkMembers(params, ASSUME_ROLE_WITH_WEB_IDENTITY_RULES, policyArnProblems(params).problems);
  } catch (e) {
    if (e instanceof StsFault && e.code === "ValidationError" && e.status === 400) return e.message;
    throw e;
  }
  return "";
}

describe("AssumeRoleWithWebIdentity member validation (AWS's ValidationError wording)", () => {
  const ok = `RoleArn=${encodeURIComponent(ROLE)}&RoleSessionName=alice&WebIdentityToken=abcd`;

  it("accepts a valid request", () => {
    expect(problem(ok)).toBe("");
    expect(problem(`${ok}&DurationSeconds=900&Policy=%7B%7D&ProviderId=abcd`)).toBe("");
  });

  it("reports a session name outside the pattern", () => {
    expect(problem(ok.replace("alice", "Session1%3A2"))).toBe(
      "1 validation error detected: Value 'Session1:2' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*",
    );
  });

  it("reports session-name length bounds 2–64", () => {
    expect(problem(ok.replace("alice", "a"))).toBe(
      "1 validation error detected: Value 'a' at 'roleSessionName' failed to satisfy constraint: Member must have length greater than or equal to 2",
    );
    const long = "x".repeat(65);
    expect(problem(ok.replace("alice", long))).toBe(
      `1 validation error detected: Value '${long}' at 'roleSessionName' failed to satisfy constraint: Member must have length less than or equal to 64`,
    );
  });

  it("reports a missing member as null", () => {
    expect(problem("RoleSessionName=alice&WebIdentityToken=abcd")).toBe(
      "1 validation error detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null",
    );
  });

  it("reports DurationSeconds outside 900–43200", () => {
    expect(problem(`${ok}&DurationSeconds=123`)).toBe(
      "1 validation error detected: Value '123' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900",
    );
    expect(problem(`${ok}&DurationSeconds=43201`)).toBe(
      "1 validation error detected: Value '43201' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 43200",
    );
  });

  it("joins several errors with '; ' under 'N validation errors detected'", () => {
    expect(problem("RoleSessionName=a%3A&DurationSeconds=1")).toBe(
      "4 validation errors detected: " +
        "Value null at 'roleArn' failed to satisfy constraint: Member must not be null; " +
        "Value 'a:' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*; " +
        "Value null at 'webIdentityToken' failed to satisfy constraint: Member must not be null; " +
        "Value '1' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900",
    );
  });

  it("lists each violated constraint of one member separately", () => {
    const name = "a:".repeat(40);
    expect(problem(ok.replace("alice", encodeURIComponent(name)))).toBe(
      "2 validation errors detected: " +
        `Value '${name}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*; ` +
        `Value '${name}' at 'roleSessionName' failed to satisfy constraint: Member must have length less than or equal to 64`,
    );
  });

  it("counts lengths in code points: a surrogate pair is one character", () => {
    const arn = (chars: string) => `RoleArn=${encodeURIComponent(chars)}&RoleSessionName=alice&WebIdentityToken=abcd`;
    expect(problem(arn("\u{1F600}".repeat(2048)))).toBe("");
    expect(problem(arn("\u{1F600}".repeat(2049)))).toContain("Member must have length less than or equal to 2048");
    expect(problem(arn(`${"a".repeat(18)}\u{1F600}`))).toContain("Member must have length greater than or equal to 20");
    expect(problem(`RoleArn=${ROLE}&RoleSessionName=alice&WebIdentityToken=ab${encodeURIComponent("\u{1F600}")}`)).toBe(
      "1 validation error detected: Value at 'webIdentityToken' failed to satisfy constraint: Member must have length greater than or equal to 4",
    );
  });

  it("does not echo the (sensitive) web identity token", () => {
    expect(problem(ok.replace("abcd", "abc"))).toBe(
      "1 validation error detected: Value at 'webIdentityToken' failed to satisfy constraint: Member must have length greater than or equal to 4",
    );
  });

  it("bounds PolicyArns to 10 members of 20–2048 characters", () => {
    const arns = Array.from({ length: 11 }, (_, i) => `PolicyArns.member.${i + 1}.arn=arn:aws:iam::aws:policy/P${i}`).join("&");
    expect(problem(`${ok}&${arns}`)).toMatch(/^1 validation error detected: Value '\[.*\]' at 'policyArns' failed to satisfy constraint: Member must have length less than or equal to 10$/);
    expect(problem(`${ok}&PolicyArns.member.1.arn=short`)).toBe(
      "1 validation error detected: Value 'short' at 'policyArns.1.member.arn' failed to satisfy constraint: Member must have length greater than or equal to 20",
    );
  });
});

describe("the signed operations' members (AssumeRole, GetSessionToken, GetFederationToken, DecodeAuthorizationMessage, GetAccessKeyInfo)", () => {
  const validation = (rules: readonly MemberRule[], body: string, extra: (params: Map<string, string>) => string[] = () => []): string => {
    const params = parseForm(body);
    try {
      checkMembers(params, rules, extra(params));
    } catch (e) {
      if (e instanceof StsFault && e.code === "ValidationError" && e.status === 400) return e.message;
      throw e;
    }
    return "";
  };
  const head = "1 validation error detected: ";
  const roleArn = `RoleArn=${encodeURIComponent(ROLE)}&RoleSessionName=s1`;

  it.each([
    [ASSUME_ROLE_RULES, `${roleArn}&DurationSeconds=43200&ExternalId=ab&SerialNumber=${encodeURIComponent("arn:aws:iam::123456789012:mfa/operator")}&TokenCode=123456&SourceIdentity=ab`, ""],
    [ASSUME_ROLE_RULES, `${roleArn}&ExternalId=a`, `${head}Value 'a' at 'externalId' failed to satisfy constraint: Member must have length greater than or equal to 2`],
    [ASSUME_ROLE_RULES, `${roleArn}&ExternalId=a%20b`, `${head}Value 'a b' at 'externalId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@:\\/-]*`],
    [ASSUME_ROLE_RULES, `${roleArn}&TokenCode=1234567`, `${head}Value '1234567' at 'tokenCode' failed to satisfy constraint: Member must have length less than or equal to 6`],
    [ASSUME_ROLE_RULES, `${roleArn}&SerialNumber=short`, `${head}Value 'short' at 'serialNumber' failed to satisfy constraint: Member must have length greater than or equal to 9`],
    [ASSUME_ROLE_RULES, `${roleArn}&SourceIdentity=a`, `${head}Value 'a' at 'sourceIdentity' failed to satisfy constraint: Member must have length greater than or equal to 2`],
    [ASSUME_ROLE_RULES, `${roleArn}&Policy=${"x".repeat(5000)}`, ""],
    [GET_SESSION_TOKEN_RULES, "DurationSeconds=129600", ""],
    [GET_SESSION_TOKEN_RULES, "DurationSeconds=abc", `${head}Value 'abc' at 'durationSeconds' failed to satisfy constraint: Member must be an integer`],
    [GET_FEDERATION_TOKEN_RULES, "", `${head}Value null at 'name' failed to satisfy constraint: Member must not be null`],
    [GET_FEDERATION_TOKEN_RULES, `Name=${"n".repeat(33)}`, `${head}Value '${"n".repeat(33)}' at 'name' failed to satisfy constraint: Member must have length less than or equal to 32`],
    [GET_FEDERATION_TOKEN_RULES, `Name=ok&Policy=${"x".repeat(2049)}`, `${head}Value '${"x".repeat(2049)}' at 'policy' failed to satisfy constraint: Member must have length less than or equal to 2048`],
    [DECODE_AUTHORIZATION_MESSAGE_RULES, "EncodedMessage=", `${head}Value '' at 'encodedMessage' failed to satisfy constraint: Member must have length greater than or equal to 1`],
    [GET_ACCESS_KEY_INFO_RULES, "AccessKeyId=AKIA-not-valid-id", `${head}Value 'AKIA-not-valid-id' at 'accessKeyId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w]*`],
  ] as const)("%#: %s", (rules, body, expected) => {
    expect(validation(rules, body)).toBe(expected);
  });

  it("Tags and TransitiveTagKeys: patterns, lengths, a missing Value, more than 50", () => {
    const tags = (body: string, transitive = true) => validation([], body, (p) => tagProblems(p, transitive).problems);
    expect(tags("Tags.member.1.Key=Team&Tags.member.1.Value=blue&TransitiveTagKeys.member.1=Team")).toBe("");
    expect(tags("Tags.member.1.Key=Team&Tags.member.1.Value=")).toBe("");
    expect(tags("Tags.member.1.Key=a%2Ab&Tags.member.1.Value=x")).toBe(
      `${head}Value 'a*b' at 'tags.1.member.key' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+`,
    );
    expect(tags("Tags.member.1.Key=Team")).toBe(`${head}Value null at 'tags.1.member.value' failed to satisfy constraint: Member must not be null`);
    expect(tags(`Tags.member.1.Key=k&Tags.member.1.Value=${"v".repeat(257)}`)).toContain("at 'tags.1.member.value' failed to satisfy constraint: Member must have length less than or equal to 256");
    const many = Array.from({ length: 51 }, (_, i) => `Tags.member.${i + 1}.Key=k${i}&Tags.member.${i + 1}.Value=v`).join("&");
    expect(tags(many)).toBe(`${head}Value '[51+ tags]' at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50`);
    expect(tagProblems(parseForm("Tags.member.1.Key=Team&Tags.member.1.Value=blue&TransitiveTagKeys.member.1=Team"), true)).toEqual({
      tags: [{ key: "Team", value: "blue" }],
      transitiveTagKeys: ["Team"],
      problems: [],
    });
    expect(tagProblems(parseForm("TransitiveTagKeys.member.1=Team"), false).transitiveTagKeys).toEqual([]);
  });

  it("a source identity must not start with aws:", () => {
    expect(sourceIdentityProblems("AWS:x")).toEqual(["Value 'AWS:x' at 'sourceIdentity' failed to satisfy constraint: Member must not start with the reserved prefix 'aws:'"]);
    expect(sourceIdentityProblems("alice")).toEqual([]);
    expect(sourceIdentityProblems(undefined)).toEqual([]);
  });
});
