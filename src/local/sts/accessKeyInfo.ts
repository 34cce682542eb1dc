/**
 * `GetAccessKeyInfo` (SigV4): the account an access key id belongs to. STS API reference `GetAccessKeyInfo` (no
 * permission is needed); the account is decoded from the id itself (reference §0.6, ./ids.ts), as every current AWS
 * key id (`AKIA…`, `ASIA…`) encodes it.
 */
import type { StsContext } from "./actions";
import { callerIdentity, checkSignedCaller, checkTemporaryCredentialScope } from "./callers";
import { notAuthorizedNoResourceMessage, StsFault } from "./faults";
import { accountFromId } from "./ids";
import type { QueryParams } from "./query";
import type { ResultTree } from "./render";
import type { HttpRequestParts } from "./sigv4";
import { checkMembers, GET_ACCESS_KEY_INFO_RULES } from "./validation";

/**
 * Rule: the key id encodes an account (characters 5–12 base32 with the parity character 13).
 * @throws StsFault `InvalidParameterValue` (400) for an id that encodes none (e.g. the pre-2019 `AKIAIOSFODNN7EXAMPLE`
 *   form) — real STS looks such keys up instead; its answer for an unknown one was not captured [~], so the code and
 *   text here are the local stack's own.
 */
export function checkKeyAccount(accessKeyId: string): string {
  const account = accountFromId(accessKeyId);
  if (account === undefined) {
    throw new StsFault("InvalidParameterValue", 400, `The local STS cannot tell the account of ${accessKeyId}: the id does not encode one.`);
  }
  return account;
}

/**
 * `GetAccessKeyInfo`: verify the signature, validate `AccessKeyId` (16–128 characters of `[\w]*`) and answer the
 * account it encodes. GetFederationToken and GetSessionToken credentials may not call it (reference §4.3: they call
 * only GetCallerIdentity / AssumeRole).
 * @throws StsFault the signature faults, `ValidationError`, `AccessDenied`, `InvalidParameterValue`.
 */
export function getAccessKeyInfo(parts: HttpRequestParts, params: QueryParams, ctx: StsContext): ResultTree {
  const caller = checkSignedCaller(parts, ctx);
  checkMembers(params, GET_ACCESS_KEY_INFO_RULES);
  checkTemporaryCredentialScope(caller, "GetAccessKeyInfo", () => notAuthorizedNoResourceMessage(callerIdentity(ctx.config, caller).arn, "sts:GetAccessKeyInfo", false));
  return { Account: checkKeyAccount(params.get("AccessKeyId") ?? "") };
}
