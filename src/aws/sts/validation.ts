/**
 * Client-side checks of STS inputs against the limits of the STS service model (botocore `sts/2011-06-15/
 * service-2.json`; reference/sts.md §2.1, §4.1), run before anything is sent. Problems are worded like AWS's
 * `ValidationError` — `1 validation error detected: Value 'a b' at 'roleSessionName' failed to satisfy constraint:
 * Member must satisfy regular expression pattern: [\w+=,.@-]*` — so the user sees the same text either way.
 */
import { AwsClientError } from "../errors";

/** One member's constraints, as the model states them. */
export interface MemberLimits {
  /** The member's name in messages: the model's lower-camel name, e.g. `roleSessionName`. */
  readonly member: string;
  readonly required?: boolean;
  /** Length in characters (code points). */
  readonly min?: number;
  readonly max?: number;
  /** The model's pattern as text (quoted in the message) and as a whole-value expression. */
  readonly pattern?: readonly [text: string, regex: RegExp];
  /** Whole number within these bounds. */
  readonly range?: readonly [min: number, max: number];
  /** Not echoed in messages (`Value at 'webIdentityToken' …`), as AWS does for sensitive members. */
  readonly sensitive?: boolean;
}

/** `arnType`. */
export const ARN_LIMITS = {
  min: 20,
  max: 2048,
  pattern: [
    "[\\u0009\\u000A\\u000D\\u0020-\\u007E\\u0085\\u00A0-\\uD7FF\\uE000-\\uFFFD\\u10000-\\u10FFFF]+",
    // eslint-disable-next-line no-control-regex -- the model's class includes tab, LF and CR
    /^[\u0009\u000A\u000D\u0020-\u007E\u0085\u00A0-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]+$/u,
  ],
} as const satisfies Omit<MemberLimits, "member">;

/** `roleSessionNameType`, `sourceIdentityType`, `userNameType` (GetFederationToken's `Name`). */
export const NAME_PATTERN = ["[\\w+=,.@-]*", /^[\w+=,.@-]*$/] as const;

/** `sessionPolicyDocumentType` (and AssumeRole's unrestricted variant, without the maximum). */
// eslint-disable-next-line no-control-regex -- the model's class includes tab, LF and CR
export const POLICY_PATTERN = ["[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+", /^[\u0009\u000A\u000D\u0020-\u00FF]+$/] as const;

/** `tagKeyType` / `tagValueType`. */
export const TAG_KEY_PATTERN = ["[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+", /^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u] as const;
export const TAG_VALUE_PATTERN = ["[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*", /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u] as const;

function echo(limits: MemberLimits, value: unknown): string {
  if (limits.sensitive) return `Value at '${limits.member}'`;
  return `Value '${Array.isArray(value) ? `[${value.join(", ")}]` : String(value)}' at '${limits.member}'`;
}

/** The constraint violations of one value, AWS-worded (empty when it satisfies `limits`). */
export function memberProblems(limits: MemberLimits, value: string | number | readonly unknown[] | undefined): string[] {
  if (value === undefined) return limits.required ? [`Value null at '${limits.member}' failed to satisfy constraint: Member must not be null`] : [];
  const head = `${echo(limits, value)} failed to satisfy constraint: Member must`;
  const problems: string[] = [];
  if (limits.range) {
    if (!Number.isInteger(value)) return [`${head} be a whole number`];
    if ((value as number) < limits.range[0]) problems.push(`${head} have value greater than or equal to ${limits.range[0]}`);
    if ((value as number) > limits.range[1]) problems.push(`${head} have value less than or equal to ${limits.range[1]}`);
    return problems;
  }
  const length = Array.isArray(value) ? value.length : Array.from(String(value)).length;
  if (limits.pattern && !limits.pattern[1].test(String(value))) problems.push(`${head} satisfy regular expression pattern: ${limits.pattern[0]}`);
  if (limits.min !== undefined && length < limits.min) problems.push(`${head} have length greater than or equal to ${limits.min}`);
  if (limits.max !== undefined && length > limits.max) problems.push(`${head} have length less than or equal to ${limits.max}`);
  return problems;
}

/** A value to check and its limits. */
export type Check = readonly [limits: MemberLimits, value: string | number | readonly unknown[] | undefined];

/** The checks of a list member: its length, then each item (`policyArns.1.member.arn`). */
export function listChecks<T>(
  member: string,
  items: readonly T[] | undefined,
  maxItems: number,
  itemChecks: (item: T, prefix: string) => readonly Check[],
): Check[] {
  if (items === undefined) return [];
  return [[{ member, max: maxItems }, items], ...items.slice(0, maxItems).flatMap((item, i) => itemChecks(item, `${member}.${i + 1}.member`))];
}

/** `PolicyArns`: at most 10 `arnType` values. */
export function policyArnChecks(policyArns: readonly string[] | undefined): Check[] {
  return listChecks("policyArns", policyArns, 10, (arn, prefix) => [[{ member: `${prefix}.arn`, ...ARN_LIMITS }, arn]]);
}

/** A session tag. */
export interface Tag {
  readonly key: string;
  readonly value: string;
}

/** `Tags`: at most 50 key/value pairs. */
export function tagChecks(tags: readonly Tag[] | undefined): Check[] {
  return listChecks("tags", tags, 50, (tag, prefix) => [
    [{ member: `${prefix}.key`, min: 1, max: 128, pattern: TAG_KEY_PATTERN }, tag.key],
    [{ member: `${prefix}.value`, max: 256, pattern: TAG_VALUE_PATTERN }, tag.value],
  ]);
}

/**
 * Checks every value; sends nothing when one fails.
 * @throws {AwsClientError} `invalid-parameters`: `N validation error(s) detected: …`, every problem joined by `; `.
 */
export function validate(checks: readonly Check[]): void {
  const problems = checks.flatMap(([limits, value]) => memberProblems(limits, value));
  if (problems.length === 0) return;
  const head = problems.length === 1 ? "1 validation error detected" : `${problems.length} validation errors detected`;
  throw new AwsClientError("invalid-parameters", `${head}: ${problems.join("; ")}`);
}
