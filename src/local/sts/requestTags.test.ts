import { describe, expect, it } from "vitest";
import { checkRequestTags, requestTagKeys, TRANSITIVE_CONFLICT_MESSAGE } from "./requestTags";
import type { SessionData } from "./sessions";
import { thrownFaultTriple } from "./testing";

const caller: SessionData = {
  accessKeyId: "ASIAEXAMPLEKEYID0001",
  secretAccessKey: "x".repeat(40),
  expiration: 1_900_000_000,
  account: "123456789012",
  assumedRoleArn: "arn:aws:sts::123456789012:assumed-role/R/s",
  assumedRoleId: "AROAEXAMPLE:s",
  roleArn: "arn:aws:iam::123456789012:role/R",
  roleName: "R",
  roleSessionName: "s",
  sessionTags: [
    { key: "Team", value: "blue" },
    { key: "Project", value: "demo" },
  ],
  transitiveTagKeys: ["Team"],
};

describe("request session tags (AssumeRole / GetFederationToken)", () => {
  it("inherits the calling session's transitive tags only, before the requested ones", () => {
    const set = checkRequestTags([{ key: "Stage", value: "test" }], ["Stage"], caller);
    expect(set.tags).toEqual([
      { key: "Team", value: "blue" },
      { key: "Stage", value: "test" },
    ]);
    expect(set.transitiveTagKeys).toEqual(["Team", "Stage"]);
    expect(requestTagKeys(set)).toEqual({ "aws:RequestTag/Stage": "test", "aws:TagKeys": ["Stage"], "sts:TransitiveTagKeys": ["Stage"] });
    expect(requestTagKeys(checkRequestTags([], [], caller))).toEqual({});
  });

  it.each([
    [[{ key: "A", value: "1" }, { key: "a", value: "2" }], [], undefined, "Duplicate tag keys found. Please note that Tag keys are case insensitive."],
    [[{ key: "TEAM", value: "red" }], [], caller, TRANSITIVE_CONFLICT_MESSAGE],
    [[{ key: "A", value: "1" }], ["B"], undefined, "The specified transitive tag key must be included in the requested tags."],
  ] as const)("refuses %j / %j with InvalidParameterValue", (tags, transitive, from, message) => {
    expect(thrownFaultTriple(() => checkRequestTags(tags, transitive, from))).toEqual(["InvalidParameterValue", 400, message]);
  });

  it("transitive keys compare case-insensitively with the requested tags", () => {
    expect(checkRequestTags([{ key: "Team", value: "x" }], ["team"], undefined).transitiveTagKeys).toEqual(["team"]);
  });
});
