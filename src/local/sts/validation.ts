/**
 * Model validation of STS request members, worded like AWS's service front end: `1 validation error detected:
 * Value '…' at 'roleSessionName' failed to satisfy constraint: Member must …`, several joined with `; ` under
 * `N validation errors detected: …` (reference §2.1, §3.2 `ValidationError`). Constraints come from the STS
 * service model (botocore `sts/2011-06-15/service-2.json`).
 */
import { StsFault } from "./faults";
import { listParam, type QueryParams } from "./query";

/** One member's model constraints. */
export interface MemberRule {
  /** Query parameter name, e.g. `RoleSessionName`. */
  param: string;
  /** Member name in messages, e.g. `roleSessionName`. */
  member: string;
  required?: boolean;
  min?: number;
  max?: number;
  /** Pattern as the model writes it (shown in the message) and its compiled form (whole-value match). */
  pattern?: { text: string; regex: RegExp };
  /** Sensitive members are not echoed: `Value at 'webIdentityToken' failed …`. */
  sensitive?: boolean;
  integer?: { min: number; max: number };
}

/** `arnType`: 20–2048 characters of the model's character class. */
export const ARN_PATTERN = {
  text: "[\\u0009\\u000A\\u000D\\u0020-\\u007E\\u0085\\u00A0-\\uD7FF\\uE000-\\uFFFD\\u10000-\\u10FFFF]+",
  // The service model's own character class, tab/LF/CR included on purpose.
  // eslint-disable-next-line no-control-regex
  regex: /^[\u0009\u000A\u000D\u0020-\u007E\u0085\u00A0-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]+$/u,
};

/** `roleSessionNameType`. */
export const SESSION_NAME_PATTERN = { text: "[\\w+=,.@-]*", regex: /^[\w+=,.@-]*$/ };

/** `sessionPolicyDocumentType`. */
// eslint-disable-next-line no-control-regex -- the model's class allows tab, LF and CR
export const POLICY_PATTERN = { text: "[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+", regex: /^[\u0009\u000A\u000D\u0020-\u00FF]+$/ };

function valueText(rule: MemberRule, value: string): string {
  return rule.sensitive ? `Value at '${rule.member}'` : `Value '${value}' at '${rule.member}'`;
}

/** The constraint violations of one member (empty when valid). */
export function memberProblems(rule: MemberRule, value: string | undefined): string[] {
  if (value === undefined) {
    return rule.required ? [`Value null at '${rule.member}' failed to satisfy constraint: Member must not be null`] : [];
  }
  const head = `${valueText(rule, value)} failed to satisfy constraint:`;
  const problems: string[] = [];
  if (rule.integer) {
    if (!/^-?\d{1,15}$/.test(value.trim())) return [`${head} Member must be an integer`];
    const n = Number(value.trim());
    if (n < rule.integer.min) problems.push(`${head} Member must have value greater than or equal to ${rule.integer.min}`);
    if (n > rule.integer.max) problems.push(`${head} Member must have value less than or equal to ${rule.integer.max}`);
    return problems;
  }
  const length = Array.from(value).length;
  if (rule.pattern && !rule.pattern.regex.test(value)) {
    problems.push(`${head} Member must satisfy regular expression pattern: ${rule.pattern.text}`);
  }
  if (rule.min !== undefined && length < rule.min) problems.push(`${head} Member must have length greater than or equal to ${rule.min}`);
  if (rule.max !== undefined && length > rule.max) problems.push(`${head} Member must have length less than or equal to ${rule.max}`);
  return problems;
}

/**
 * Rule: every member satisfies its model constraints.
 * @throws StsFault `ValidationError` (400) listing every violation.
 */
export function checkMembers(params: QueryParams, rules: readonly MemberRule[], extra: readonly string[] = []): void {
  const problems: string[] = [];
  for (const rule of rules) problems.push(...memberProblems(rule, params.get(rule.param)));
  problems.push(...extra);
  if (problems.length === 0) return;
  const head = problems.length === 1 ? "1 validation error detected" : `${problems.length} validation errors detected`;
  throw new StsFault("ValidationError", 400, `${head}: ${problems.join("; ")}`);
}

/** The members of `AssumeRoleWithWebIdentityRequest`, in model order. */
export const ASSUME_ROLE_WITH_WEB_IDENTITY_RULES: readonly MemberRule[] = [
  { param: "RoleArn", member: "roleArn", required: true, min: 20, max: 2048, pattern: ARN_PATTERN },
  { param: "RoleSessionName", member: "roleSessionName", required: true, min: 2, max: 64, pattern: SESSION_NAME_PATTERN },
  { param: "WebIdentityToken", member: "webIdentityToken", required: true, min: 4, max: 20000, sensitive: true },
  { param: "ProviderId", member: "providerId", min: 4, max: 2048 },
  { param: "Policy", member: "policy", min: 1, max: 2048, pattern: POLICY_PATTERN },
  { param: "DurationSeconds", member: "durationSeconds", integer: { min: 900, max: 43200 } },
];

/**
 * `sourceIdentityType` (2–64 characters of `[\w+=,.@-]*`). For AssumeRoleWithWebIdentity the value comes from the
 * token's `https://aws.amazon.com/source_identity` claim; it is checked like a request member.
 */
export const SOURCE_IDENTITY_RULE: MemberRule = { param: "SourceIdentity", member: "sourceIdentity", min: 2, max: 64, pattern: SESSION_NAME_PATTERN };

/** At most 10 managed session policies. */
export const MAX_POLICY_ARNS = 10;

/**
 * Violations of `PolicyArns.member.N.arn` (≤ 10 entries, each an `arnType` of 20–2048 characters), worded like the
 * other members.
 */
export function policyArnProblems(params: QueryParams): { arns: string[]; problems: string[] } {
  const arns = listParam(params, "PolicyArns", ".arn", MAX_POLICY_ARNS);
  const problems: string[] = [];
  if (arns.length > MAX_POLICY_ARNS) {
    problems.push(`Value '[${arns.join(", ")}]' at 'policyArns' failed to satisfy constraint: Member must have length less than or equal to ${MAX_POLICY_ARNS}`);
  }
  arns.slice(0, MAX_POLICY_ARNS).forEach((arn, i) => {
    problems.push(...memberProblems({ param: "", member: `policyArns.${i + 1}.member.arn`, min: 20, max: 2048, pattern: ARN_PATTERN }, arn));
  });
  return { arns: arns.slice(0, MAX_POLICY_ARNS), problems };
}
