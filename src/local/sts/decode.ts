/**
 * `DecodeAuthorizationMessage` (SigV4): the decoded form of an encoded authorization message the local stack attached
 * to one of its own permission-policy refusals (served on `GET /__local/trace/<requestId>` as
 * `encodedAuthorizationMessage`, ./authorization.ts). STS API reference `DecodeAuthorizationMessage` (requires
 * `sts:DecodeAuthorizationMessage`; `InvalidAuthorizationMessageException` for a message it cannot decode).
 */
import type { StsContext } from "./actions";
import { decideCallerPermission, permissionRefusal } from "./authorization";
import { callerIdentity, checkSignedCaller, checkTemporaryCredentialScope, type Caller } from "./callers";
import { notAuthorizedNoResourceMessage, StsFault } from "./faults";
import type { QueryParams } from "./query";
import type { ResultTree } from "./render";
import type { HttpRequestParts } from "./sigv4";
import { checkMembers, DECODE_AUTHORIZATION_MESSAGE_RULES } from "./validation";

const ACTION = "sts:DecodeAuthorizationMessage";

/**
 * Rule: the caller's own policies allow `sts:DecodeAuthorizationMessage` (resource `*`); GetFederationToken and
 * GetSessionToken credentials may not call it at all.
 * @throws StsFault `AccessDenied` (403) `User: <caller arn> is not authorized to perform:
 *   sts:DecodeAuthorizationMessage because no identity-based policy allows the sts:DecodeAuthorizationMessage action`
 *   (real text; with an explicit Deny: `… with an explicit deny in an identity-based policy` [~]).
 */
export function checkMayDecode(ctx: StsContext, caller: Caller): void {
  const arn = callerIdentity(ctx.config, caller).arn;
  checkTemporaryCredentialScope(caller, "DecodeAuthorizationMessage", () => notAuthorizedNoResourceMessage(arn, ACTION, false));
  const own = decideCallerPermission(ctx, caller, ACTION, "*");
  if (own.decision !== "Allow") throw permissionRefusal(ctx, caller, ACTION, "*", own, notAuthorizedNoResourceMessage(arn, ACTION, own.decision === "ExplicitDeny"));
}

/**
 * Rule: the message was encoded by this local stack (its session store's key) and not altered.
 * @throws StsFault `InvalidAuthorizationMessageException` (400). Real STS's message text for this error was not
 *   captured [~]; the text here is the local stack's own.
 */
export function checkEncodedMessage(ctx: StsContext, encoded: string): string {
  const decoded = ctx.sessions.openMessage(encoded.trim());
  if (decoded === undefined) {
    throw new StsFault("InvalidAuthorizationMessageException", 400, "The local STS cannot decode this message: it was not encoded by this local stack, or it was altered.");
  }
  return decoded;
}

/**
 * `DecodeAuthorizationMessage`: verify the signature, validate `EncodedMessage` (1–10240 characters), check the
 * caller's permission, and return `DecodedMessage` — the JSON text (`allowed`, `explicitDeny`, `matchedStatements`,
 * `failures`, `context{principal,action,resource,conditions}`).
 * @throws StsFault the signature faults, `ValidationError`, `AccessDenied`, `InvalidAuthorizationMessageException`.
 */
export function decodeAuthorizationMessage(parts: HttpRequestParts, params: QueryParams, ctx: StsContext): ResultTree {
  const caller = checkSignedCaller(parts, ctx);
  checkMembers(params, DECODE_AUTHORIZATION_MESSAGE_RULES);
  checkMayDecode(ctx, caller);
  return { DecodedMessage: checkEncodedMessage(ctx, params.get("EncodedMessage") ?? "") };
}
