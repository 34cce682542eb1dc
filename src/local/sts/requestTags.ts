/**
 * Session tags passed as request members (AssumeRole's `Tags` and `TransitiveTagKeys`, GetFederationToken's `Tags`)
 * and the transitive tags a chained role session inherits. IAM User Guide "Pass session tags in AWS STS" (§ "Chaining
 * roles with session tags": inherited transitive tags stay transitive and cannot be overridden); texts of reference §3.2.
 */
import { TAG_MESSAGES } from "./claims";
import { StsFault } from "./faults";
import type { SessionData } from "./sessions";
import type { RequestTag } from "./validation";

/** Real AWS text (reference §3.2, localstack snapshot recorded against AWS). */
export const TRANSITIVE_CONFLICT_MESSAGE =
  "One of the specified transitive tag keys can't be set because it conflicts with a transitive tag key from the calling session.";

/** A new session's tags: the inherited transitive ones first, then the requested ones. */
export interface SessionTagSet {
  /** Every tag of the new session. */
  tags: RequestTag[];
  /** Transitive keys: the inherited ones and the requested ones. */
  transitiveTagKeys: string[];
  /** Only the tags this request passed (what needs `sts:TagSession`). */
  requested: RequestTag[];
  /** Only the transitive keys this request passed. */
  requestedTransitive: string[];
}

/**
 * Rule: requested tag keys are unique case-insensitively; none collides (case-insensitively) with a transitive key of
 * the calling session; every requested transitive key is among the requested tags (case-insensitively).
 * @throws StsFault `InvalidParameterValue` (400) `Duplicate tag keys found. Please note that Tag keys are case
 *   insensitive.` / `One of the specified transitive tag keys can't be set because it conflicts with a transitive tag
 *   key from the calling session.` / `The specified transitive tag key must be included in the requested tags.`
 */
export function checkRequestTags(requested: readonly RequestTag[], requestedTransitive: readonly string[], caller: SessionData | undefined): SessionTagSet {
  const keys = new Set<string>();
  for (const { key } of requested) {
    const folded = key.toLowerCase();
    if (keys.has(folded)) throw new StsFault("InvalidParameterValue", 400, TAG_MESSAGES.duplicateKeys);
    keys.add(folded);
  }
  const inheritedKeys = new Set((caller?.transitiveTagKeys ?? []).map((k) => k.toLowerCase()));
  if ([...keys].some((k) => inheritedKeys.has(k))) throw new StsFault("InvalidParameterValue", 400, TRANSITIVE_CONFLICT_MESSAGE);
  if (requestedTransitive.some((k) => !keys.has(k.toLowerCase()))) throw new StsFault("InvalidParameterValue", 400, TAG_MESSAGES.transitiveNotInTags);
  const inherited = (caller?.sessionTags ?? []).filter((t) => inheritedKeys.has(t.key.toLowerCase()));
  return {
    tags: [...inherited, ...requested],
    transitiveTagKeys: [...(caller?.transitiveTagKeys ?? []), ...new Set(requestedTransitive)],
    requested: [...requested],
    requestedTransitive: [...new Set(requestedTransitive)],
  };
}

/** The request condition keys of the requested tags: `aws:RequestTag/<key>`, `aws:TagKeys`, `sts:TransitiveTagKeys`. */
export function requestTagKeys(set: SessionTagSet): Record<string, string | string[]> {
  const keys: Record<string, string | string[]> = {};
  if (set.requested.length === 0) return keys;
  for (const { key, value } of set.requested) keys[`aws:RequestTag/${key}`] = value;
  keys["aws:TagKeys"] = set.requested.map((t) => t.key);
  keys["sts:TransitiveTagKeys"] = set.requestedTransitive;
  return keys;
}
