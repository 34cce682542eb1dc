import { describe, expect, it } from "vitest";
import { checkTokenSessionTags, checkTokenSourceIdentity, sessionConditionKeys, SOURCE_IDENTITY_CLAIM, TAGS_CLAIM } from "./claims";
import { thrownFaultTriple as fault } from "./testing";

const tagsClaim = (claim: unknown) => ({ [TAGS_CLAIM]: claim });
const principalTags = (tags: Record<string, unknown>, transitive?: unknown) =>
  tagsClaim({ principal_tags: tags, ...(transitive !== undefined ? { transitive_tag_keys: transitive } : {}) });
const invalid = (message: string): [string, number, string] => ["InvalidParameterValue", 400, message];

describe("session tags from the https://aws.amazon.com/tags claim", () => {
  it("reads the reference's example claim: tags in claim order, transitive keys", () => {
    const claims = principalTags(
      { Project: ["Automation"], CostCenter: ["987654"], Department: ["Engineering"] },
      ["Project", "CostCenter"],
    );
    expect(checkTokenSessionTags(claims)).toEqual({
      tags: [
        { key: "Project", value: "Automation" },
        { key: "CostCenter", value: "987654" },
        { key: "Department", value: "Engineering" },
      ],
      transitiveTagKeys: ["Project", "CostCenter"],
    });
  });

  it("is undefined without the claim; an empty claim passes no tags (but is still a tags claim)", () => {
    expect(checkTokenSessionTags({ sub: "alice" })).toBeUndefined();
    expect(checkTokenSessionTags(tagsClaim({}))).toEqual({ tags: [], transitiveTagKeys: [] });
  });

  it("refuses multi-valued, empty, non-array and non-string tag values", () => {
    const message = "Session tag 'Department' must have exactly one string value, as a single-element array: multi-valued session tags are not supported.";
    for (const value of [["Engineering", "Marketing"], [], "Engineering", [7]]) {
      expect(fault(() => checkTokenSessionTags(principalTags({ Department: value })))).toEqual(invalid(message));
    }
  });

  it("allows 50 tags, refuses 51", () => {
    const tags = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, ["v"]]));
    expect(checkTokenSessionTags(principalTags(tags(50)))?.tags).toHaveLength(50);
    expect(fault(() => checkTokenSessionTags(principalTags(tags(51))))).toEqual(
      invalid("The web identity token passes 51 session tags; at most 50 are allowed."),
    );
  });

  it("allows keys of 128 and values of 256 characters, refuses one more", () => {
    const key = "k".repeat(128);
    expect(checkTokenSessionTags(principalTags({ [key]: ["v".repeat(256)] }))?.tags[0]).toEqual({ key, value: "v".repeat(256) });
    expect(fault(() => checkTokenSessionTags(principalTags({ [`${key}k`]: ["v"] })))).toEqual(
      invalid(`Session tag key '${"k".repeat(64)}…' is invalid: a key has 1 to 128 characters of letters, digits, spaces and _.:/=+-@.`),
    );
    expect(fault(() => checkTokenSessionTags(principalTags({ Project: ["v".repeat(257)] })))).toEqual(
      invalid("The value of session tag 'Project' is invalid: a value has at most 256 characters of letters, digits, spaces and _.:/=+-@."),
    );
  });

  it("allows an empty value and the model's characters; refuses an empty key, other characters and the aws: prefix", () => {
    expect(checkTokenSessionTags(principalTags({ "Cost Center_.:/=+-@é1": [""] }))?.tags).toEqual([{ key: "Cost Center_.:/=+-@é1", value: "" }]);
    expect(fault(() => checkTokenSessionTags(principalTags({ "": ["v"] })))[2]).toBe(
      "Session tag key '' is invalid: a key has 1 to 128 characters of letters, digits, spaces and _.:/=+-@.",
    );
    expect(fault(() => checkTokenSessionTags(principalTags({ "a*b": ["v"] })))[0]).toBe("InvalidParameterValue");
    expect(fault(() => checkTokenSessionTags(principalTags({ Project: ["a<b"] })))[0]).toBe("InvalidParameterValue");
    expect(fault(() => checkTokenSessionTags(principalTags({ "AWS:Project": ["v"] })))).toEqual(
      invalid("Session tag key 'AWS:Project' is invalid: the prefix 'aws:' is reserved for AWS use."),
    );
  });

  it("refuses keys that differ only in case, with AWS's text", () => {
    expect(fault(() => checkTokenSessionTags(principalTags({ Project: ["a"], project: ["b"] })))).toEqual(
      invalid("Duplicate tag keys found. Please note that Tag keys are case insensitive."),
    );
  });

  it("requires transitive keys among the tag keys (case-insensitively), with AWS's text", () => {
    expect(checkTokenSessionTags(principalTags({ Project: ["a"] }, ["project"]))?.transitiveTagKeys).toEqual(["project"]);
    expect(fault(() => checkTokenSessionTags(principalTags({ Project: ["a"] }, ["Project", "CostCenter"])))).toEqual(
      invalid("The specified transitive tag key must be included in the requested tags."),
    );
    expect(fault(() => checkTokenSessionTags(tagsClaim({ transitive_tag_keys: ["Project"] })))).toEqual(
      invalid("The specified transitive tag key must be included in the requested tags."),
    );
  });

  it("refuses a claim of the wrong shape", () => {
    expect(fault(() => checkTokenSessionTags(tagsClaim([{ principal_tags: { Project: ["a"] } }])))).toEqual(
      invalid(
        "The https://aws.amazon.com/tags claim must be a JSON object with principal_tags (an object of tag keys to single-element arrays) and transitive_tag_keys (an array of tag keys).",
      ),
    );
    expect(fault(() => checkTokenSessionTags(tagsClaim({ principal_tags: [["Project", "a"]] })))).toEqual(
      invalid("principal_tags in the https://aws.amazon.com/tags claim must be a JSON object of tag keys to single-element arrays of values."),
    );
    expect(fault(() => checkTokenSessionTags(principalTags({ Project: ["a"] }, "Project")))).toEqual(
      invalid("transitive_tag_keys in the https://aws.amazon.com/tags claim must be an array of tag keys."),
    );
  });
});

describe("source identity from the https://aws.amazon.com/source_identity claim", () => {
  const source = (value: unknown) => ({ [SOURCE_IDENTITY_CLAIM]: value });
  const pattern = (value: string) =>
    `Value '${value}' at 'sourceIdentity' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*`;

  it("reads a valid value, 2 to 64 characters of [\\w+=,.@-]", () => {
    expect(checkTokenSourceIdentity(source("Admin"))).toBe("Admin");
    expect(checkTokenSourceIdentity(source("ab"))).toBe("ab");
    expect(checkTokenSourceIdentity(source(`a+=,.@-_${"x".repeat(56)}`))).toHaveLength(64);
    expect(checkTokenSourceIdentity({ sub: "alice" })).toBeUndefined();
  });

  it("refuses values outside the length, the pattern, the aws: prefix and non-strings with ValidationError", () => {
    expect(fault(() => checkTokenSourceIdentity(source("a")))).toEqual([
      "ValidationError",
      400,
      "1 validation error detected: Value 'a' at 'sourceIdentity' failed to satisfy constraint: Member must have length greater than or equal to 2",
    ]);
    expect(fault(() => checkTokenSourceIdentity(source("x".repeat(65))))[2]).toBe(
      `1 validation error detected: Value '${"x".repeat(65)}' at 'sourceIdentity' failed to satisfy constraint: Member must have length less than or equal to 64`,
    );
    expect(fault(() => checkTokenSourceIdentity(source("Jane Doe")))[2]).toBe(`1 validation error detected: ${pattern("Jane Doe")}`);
    expect(fault(() => checkTokenSourceIdentity(source("aws:Admin")))).toEqual([
      "ValidationError",
      400,
      `2 validation errors detected: ${pattern("aws:Admin")}; Value 'aws:Admin' at 'sourceIdentity' failed to satisfy constraint: Member must not start with the reserved prefix 'aws:'`,
    ]);
    expect(fault(() => checkTokenSourceIdentity(source(42)))).toEqual([
      "ValidationError",
      400,
      "1 validation error detected: Value '42' at 'sourceIdentity' failed to satisfy constraint: Member must be a string",
    ]);
  });
});

describe("session condition keys", () => {
  it("exposes request tags, tag keys, transitive keys and the source identity to the trust policy", () => {
    const tags = checkTokenSessionTags(principalTags({ Project: ["Automation"], CostCenter: ["987654"] }, ["Project"]));
    expect(sessionConditionKeys(tags, "Admin")).toEqual({
      "aws:RequestTag/Project": "Automation",
      "aws:RequestTag/CostCenter": "987654",
      "aws:TagKeys": ["Project", "CostCenter"],
      "sts:TransitiveTagKeys": ["Project"],
      "sts:SourceIdentity": "Admin",
    });
    expect(sessionConditionKeys(undefined, undefined)).toEqual({});
  });
});
