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

/** Length in Unicode code points, as the model counts (a surrogate pair is one), without splitting the string. */
function codePointLength(value: string): number {
  let length = value.length;
  for (let i = 0; i < value.length - 1; i++) {
    const c = value.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = value.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        length--;
        i++;
      }
    }
  }
  return length;
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
  const length = codePointLength(value);
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

// ---------------------------------------------------------------------------------------------------------------
// The signed operations' members (service model types in comments)

/** `externalIdType`. */
export const EXTERNAL_ID_PATTERN = { text: "[\\w+=,.@:\\/-]*", regex: /^[\w+=,.@:/-]*$/ };
/** `serialNumberType`. */
export const SERIAL_NUMBER_PATTERN = { text: "[\\w+=/:,.@-]*", regex: /^[\w+=/:,.@-]*$/ };
/** `tokenCodeType`. */
export const TOKEN_CODE_PATTERN = { text: "[\\d]*", regex: /^\d*$/ };
/** `userNameType` (GetFederationToken `Name`). */
export const FEDERATED_NAME_PATTERN = { text: "[\\w+=,.@-]*", regex: /^[\w+=,.@-]*$/ };
/** `accessKeyIdType`. */
export const ACCESS_KEY_ID_PATTERN = { text: "[\\w]*", regex: /^\w*$/ };
/** `tagKeyType` / `tagValueType`. */
export const TAG_KEY_PATTERN = { text: "[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+", regex: /^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u };
export const TAG_VALUE_PATTERN = { text: "[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*", regex: /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u };

const MFA_RULES: readonly MemberRule[] = [
  { param: "SerialNumber", member: "serialNumber", min: 9, max: 256, pattern: SERIAL_NUMBER_PATTERN },
  { param: "TokenCode", member: "tokenCode", min: 6, max: 6, pattern: TOKEN_CODE_PATTERN },
];

/** The scalar members of `AssumeRoleRequest` (lists: {@link policyArnProblems}, {@link tagProblems}). */
export const ASSUME_ROLE_RULES: readonly MemberRule[] = [
  { param: "RoleArn", member: "roleArn", required: true, min: 20, max: 2048, pattern: ARN_PATTERN },
  { param: "RoleSessionName", member: "roleSessionName", required: true, min: 2, max: 64, pattern: SESSION_NAME_PATTERN },
  // unrestrictedSessionPolicyDocumentType: min 1, no model maximum since 2023-10 (reference §4.1).
  { param: "Policy", member: "policy", min: 1, pattern: POLICY_PATTERN },
  { param: "DurationSeconds", member: "durationSeconds", integer: { min: 900, max: 43200 } },
  { param: "ExternalId", member: "externalId", min: 2, max: 1224, pattern: EXTERNAL_ID_PATTERN },
  ...MFA_RULES,
  SOURCE_IDENTITY_RULE,
];

/** `GetSessionTokenRequest`. */
export const GET_SESSION_TOKEN_RULES: readonly MemberRule[] = [
  { param: "DurationSeconds", member: "durationSeconds", integer: { min: 900, max: 129600 } },
  ...MFA_RULES,
];

/** The scalar members of `GetFederationTokenRequest`. */
export const GET_FEDERATION_TOKEN_RULES: readonly MemberRule[] = [
  { param: "Name", member: "name", required: true, min: 2, max: 32, pattern: FEDERATED_NAME_PATTERN },
  { param: "Policy", member: "policy", min: 1, max: 2048, pattern: POLICY_PATTERN },
  { param: "DurationSeconds", member: "durationSeconds", integer: { min: 900, max: 129600 } },
];

/** `DecodeAuthorizationMessageRequest`. */
export const DECODE_AUTHORIZATION_MESSAGE_RULES: readonly MemberRule[] = [
  { param: "EncodedMessage", member: "encodedMessage", required: true, min: 1, max: 10240 },
];

/** `GetAccessKeyInfoRequest`. */
export const GET_ACCESS_KEY_INFO_RULES: readonly MemberRule[] = [
  { param: "AccessKeyId", member: "accessKeyId", required: true, min: 16, max: 128, pattern: ACCESS_KEY_ID_PATTERN },
];

/** At most 50 session tags and 50 transitive tag keys (`tagListType`, `tagKeyListType`). */
export const MAX_REQUEST_TAGS = 50;

/** Session tags passed as request members (`Tags.member.N.Key` / `.Value`), in order. */
export interface RequestTag {
  key: string;
  value: string;
}

/**
 * The `Tags` and (when `transitive`) `TransitiveTagKeys` lists of a request, and their model violations worded like
 * the other members: ≤ 50 entries each, keys 1–128 and values 0–256 characters of the tag patterns, `Key` and
 * `Value` both required. The member paths (`tags.1.member.key`, `transitiveTagKeys.1.member`) follow
 * {@link policyArnProblems}' form; AWS's exact paths for these lists were not captured [~].
 */
export function tagProblems(params: QueryParams, transitive: boolean): { tags: RequestTag[]; transitiveTagKeys: string[]; problems: string[] } {
  const problems: string[] = [];
  const tags: RequestTag[] = [];
  const count = (prefix: string, suffixes: readonly string[]) => {
    let n = 0;
    while (n <= MAX_REQUEST_TAGS && suffixes.some((suffix) => params.has(`${prefix}.member.${n + 1}${suffix}`))) n++;
    return n;
  };
  const tagCount = count("Tags", [".Key", ".Value"]);
  if (tagCount > MAX_REQUEST_TAGS) {
    problems.push(`Value '[${tagCount}+ tags]' at 'tags' failed to satisfy constraint: Member must have length less than or equal to ${MAX_REQUEST_TAGS}`);
  }
  for (let i = 1; i <= Math.min(tagCount, MAX_REQUEST_TAGS); i++) {
    const key = params.get(`Tags.member.${i}.Key`);
    const value = params.get(`Tags.member.${i}.Value`);
    problems.push(...memberProblems({ param: "", member: `tags.${i}.member.key`, required: true, min: 1, max: 128, pattern: TAG_KEY_PATTERN }, key));
    problems.push(...memberProblems({ param: "", member: `tags.${i}.member.value`, required: true, max: 256, pattern: TAG_VALUE_PATTERN }, value));
    if (key !== undefined && value !== undefined) tags.push({ key, value });
  }
  const transitiveTagKeys: string[] = [];
  if (transitive) {
    const keyCount = count("TransitiveTagKeys", [""]);
    if (keyCount > MAX_REQUEST_TAGS) {
      problems.push(`Value '[${keyCount}+ keys]' at 'transitiveTagKeys' failed to satisfy constraint: Member must have length less than or equal to ${MAX_REQUEST_TAGS}`);
    }
    for (let i = 1; i <= Math.min(keyCount, MAX_REQUEST_TAGS); i++) {
      const key = params.get(`TransitiveTagKeys.member.${i}`) ?? "";
      problems.push(...memberProblems({ param: "", member: `transitiveTagKeys.${i}.member`, min: 1, max: 128, pattern: TAG_KEY_PATTERN }, key));
      transitiveTagKeys.push(key);
    }
  }
  return { tags, transitiveTagKeys, problems };
}

/**
 * Rule: a `SourceIdentity` member does not start with the reserved `aws:` prefix (IAM User Guide "Monitor and control
 * actions taken with assumed roles": "You can't use a value that begins with the text aws:").
 * The wording is the model-validation form; AWS's exact text for this case was not captured [~].
 */
export function sourceIdentityProblems(value: string | undefined): string[] {
  return value !== undefined && value.toLowerCase().startsWith("aws:")
    ? [`Value '${value}' at 'sourceIdentity' failed to satisfy constraint: Member must not start with the reserved prefix 'aws:'`]
    : [];
}
