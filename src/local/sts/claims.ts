/**
 * Session data that an OIDC identity provider passes in the web identity token instead of request parameters:
 * session tags (`https://aws.amazon.com/tags`) and the source identity (`https://aws.amazon.com/source_identity`).
 * AWS docs: IAM User Guide "Passing session tags in AWS STS" (§ "Passing session tags using
 * AssumeRoleWithWebIdentity") and "Monitor and control actions taken with assumed roles" (source identity); the
 * rules and texts are those of /work/shared/reference/sts.md §4.1, §4.3 and §5.4.
 */
import { StsFault } from "./faults";
import type { Claims } from "./webidentity";
import { checkMembers, SOURCE_IDENTITY_RULE, sourceIdentityProblems } from "./validation";

/** The claim carrying `principal_tags` and `transitive_tag_keys`. */
export const TAGS_CLAIM = "https://aws.amazon.com/tags";
/** The claim carrying the source identity. */
export const SOURCE_IDENTITY_CLAIM = "https://aws.amazon.com/source_identity";

/** At most 50 session tags, keys of 1–128 and values of 0–256 characters. */
export const MAX_SESSION_TAGS = 50;
export const MAX_TAG_KEY_LENGTH = 128;
export const MAX_TAG_VALUE_LENGTH = 256;

/** `tagKeyType` / `tagValueType` of the STS model. */
const TAG_KEY_PATTERN = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u;
const TAG_VALUE_PATTERN = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

/** One session tag. */
export interface SessionTag {
  key: string;
  value: string;
}

/** The session tags a token passed: the tags in claim order, and which of their keys are transitive. */
export interface TokenSessionTags {
  tags: SessionTag[];
  /** A subset of the tag keys (as the token spelled them in `transitive_tag_keys`). */
  transitiveTagKeys: string[];
}

/** Exact AWS texts (reference §3.2 `InvalidParameterValue`). */
export const TAG_MESSAGES = {
  duplicateKeys: "Duplicate tag keys found. Please note that Tag keys are case insensitive.",
  transitiveNotInTags: "The specified transitive tag key must be included in the requested tags.",
} as const;

function invalidTags(message: string): StsFault {
  return new StsFault("InvalidParameterValue", 400, message);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function shortText(text: string): string {
  const chars = Array.from(text);
  return chars.length > 64 ? `${chars.slice(0, 64).join("")}…` : text;
}

/**
 * Rule: a `https://aws.amazon.com/tags` claim is `{"principal_tags": {KEY: [VALUE], …}, "transitive_tag_keys": [KEY, …]}`:
 * each value a single-element array (multi-valued tags are not supported), at most 50 tags, keys 1–128 and values
 * 0–256 characters of the model's tag pattern, keys unique case-insensitively and not starting with `aws:`, and the
 * transitive keys among the tag keys.
 * @returns undefined when the token has no tags claim.
 * @throws StsFault `InvalidParameterValue` (400), with AWS's texts for duplicate keys and for transitive keys.
 */
export function checkTokenSessionTags(claims: Claims): TokenSessionTags | undefined {
  const claim = claims[TAGS_CLAIM];
  if (claim === undefined) return undefined;
  if (!isPlainObject(claim)) {
    throw invalidTags(
      `The ${TAGS_CLAIM} claim must be a JSON object with principal_tags (an object of tag keys to single-element arrays) and transitive_tag_keys (an array of tag keys).`,
    );
  }
  const principalTags = claim.principal_tags ?? {};
  if (!isPlainObject(principalTags)) {
    throw invalidTags(`principal_tags in the ${TAGS_CLAIM} claim must be a JSON object of tag keys to single-element arrays of values.`);
  }
  const entries = Object.entries(principalTags);
  if (entries.length > MAX_SESSION_TAGS) {
    throw invalidTags(`The web identity token passes ${entries.length} session tags; at most ${MAX_SESSION_TAGS} are allowed.`);
  }
  const tags: SessionTag[] = [];
  const seen = new Set<string>();
  for (const [key, values] of entries) {
    const keyLength = Array.from(key).length;
    if (keyLength < 1 || keyLength > MAX_TAG_KEY_LENGTH || !TAG_KEY_PATTERN.test(key)) {
      throw invalidTags(
        `Session tag key '${shortText(key)}' is invalid: a key has 1 to ${MAX_TAG_KEY_LENGTH} characters of letters, digits, spaces and _.:/=+-@.`,
      );
    }
    if (key.toLowerCase().startsWith("aws:")) throw invalidTags(`Session tag key '${shortText(key)}' is invalid: the prefix 'aws:' is reserved for AWS use.`);
    if (!Array.isArray(values) || values.length !== 1 || typeof values[0] !== "string") {
      throw invalidTags(`Session tag '${key}' must have exactly one string value, as a single-element array: multi-valued session tags are not supported.`);
    }
    const value = values[0];
    if (Array.from(value).length > MAX_TAG_VALUE_LENGTH || !TAG_VALUE_PATTERN.test(value)) {
      throw invalidTags(
        `The value of session tag '${key}' is invalid: a value has at most ${MAX_TAG_VALUE_LENGTH} characters of letters, digits, spaces and _.:/=+-@.`,
      );
    }
    const folded = key.toLowerCase();
    if (seen.has(folded)) throw invalidTags(TAG_MESSAGES.duplicateKeys);
    seen.add(folded);
    tags.push({ key, value });
  }
  const transitive = claim.transitive_tag_keys ?? [];
  if (!Array.isArray(transitive) || !transitive.every((k): k is string => typeof k === "string")) {
    throw invalidTags(`transitive_tag_keys in the ${TAGS_CLAIM} claim must be an array of tag keys.`);
  }
  if (transitive.some((k) => !seen.has(k.toLowerCase()))) throw invalidTags(TAG_MESSAGES.transitiveNotInTags);
  return { tags, transitiveTagKeys: [...new Set(transitive)] };
}

/**
 * Rule: a `https://aws.amazon.com/source_identity` claim is a string of 2–64 characters of `[\w+=,.@-]*` that does not
 * start with `aws:` (`sourceIdentityType`).
 * @returns undefined when the token has no source identity claim.
 * @throws StsFault `ValidationError` (400) in the model-validation wording, member `sourceIdentity`.
 */
export function checkTokenSourceIdentity(claims: Claims): string | undefined {
  const claim = claims[SOURCE_IDENTITY_CLAIM];
  if (claim === undefined) return undefined;
  if (typeof claim !== "string") {
    checkMembers(new Map(), [], [`Value '${JSON.stringify(claim)}' at 'sourceIdentity' failed to satisfy constraint: Member must be a string`]);
    return undefined;
  }
  checkMembers(new Map([[SOURCE_IDENTITY_RULE.param, claim]]), [SOURCE_IDENTITY_RULE], sourceIdentityProblems(claim));
  return claim;
}

/**
 * Request condition keys of session data, for the trust policy (IAM "AWS global condition context keys" and "AWS STS
 * condition keys"): `aws:RequestTag/<key>`, `aws:TagKeys`, `sts:TransitiveTagKeys`, `sts:SourceIdentity`.
 */
export function sessionConditionKeys(tags: TokenSessionTags | undefined, sourceIdentity: string | undefined): Record<string, string | string[]> {
  const keys: Record<string, string | string[]> = {};
  if (tags) {
    for (const { key, value } of tags.tags) keys[`aws:RequestTag/${key}`] = value;
    keys["aws:TagKeys"] = tags.tags.map((t) => t.key);
    keys["sts:TransitiveTagKeys"] = tags.transitiveTagKeys;
  }
  if (sourceIdentity !== undefined) keys["sts:SourceIdentity"] = sourceIdentity;
  return keys;
}
