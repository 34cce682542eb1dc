/**
 * `GetSessionToken` and `GetFederationToken` (SigV4, long-term credentials only): temporary credentials for the IAM
 * user or root who signed. STS API reference `GetSessionToken`, `GetFederationToken`; IAM User Guide "Permissions for
 * GetSessionToken" (no permission needed; the credentials have the caller's permissions), "Permissions for
 * GetFederationToken" (`sts:GetFederationToken` needed; the federated user's permissions are the caller's ∩ the
 * session policies, none without one); reference §4.1–4.3.
 */
import { decideCallerPermission, permissionRefusal } from "./authorization";
import type { StsContext } from "./actions";
import { checkSessionPolicy } from "./actions";
import { callerIdentity, callerUserName, checkSignedCaller, isRootCaller, type Caller } from "./callers";
import { MESSAGES, notAuthorizedMessage, StsFault } from "./faults";
import { checkMfa } from "./mfa";
import type { QueryParams } from "./query";
import type { ResultTree } from "./render";
import { checkRequestTags, requestTagKeys } from "./requestTags";
import type { HttpRequestParts } from "./sigv4";
import { checkMembers, GET_FEDERATION_TOKEN_RULES, GET_SESSION_TOKEN_RULES, policyArnProblems, tagProblems } from "./validation";

/** Default lifetime of GetSessionToken and GetFederationToken credentials: 12 hours. */
export const SESSION_TOKEN_DEFAULT_SECONDS = 43_200;
/** Longest lifetime of credentials the account root asks for: 1 hour (longer requests are cut to it silently). */
export const ROOT_MAX_SECONDS = 3600;

/**
 * Rule: GetSessionToken and GetFederationToken take long-term credentials only.
 * @throws StsFault `AccessDenied` (403) `Cannot call GetSessionToken with session credentials` /
 *   `Cannot call GetFederationToken with session credentials`.
 */
export function checkLongTermCaller(caller: Caller, operation: "GetSessionToken" | "GetFederationToken"): void {
  if (caller.kind !== "session") return;
  throw new StsFault("AccessDenied", 403, operation === "GetSessionToken" ? MESSAGES.sessionTokenWithSessionCredentials : MESSAGES.federationTokenWithSessionCredentials);
}

/** Rule: `DurationSeconds` (default 43200) — the root's sessions last at most 1 hour, cut silently (reference §4.1). */
export function sessionTokenDuration(caller: Caller, durationParam: string | undefined): number {
  const duration = durationParam === undefined ? SESSION_TOKEN_DEFAULT_SECONDS : Number(durationParam.trim());
  return isRootCaller(caller) ? Math.min(duration, ROOT_MAX_SECONDS) : duration;
}

function credentialsTree(creds: { accessKeyId: string; secretAccessKey: string; sessionToken: string; expiration: Date }): ResultTree {
  return {
    SessionToken: creds.sessionToken,
    SecretAccessKey: creds.secretAccessKey,
    Expiration: creds.expiration,
    AccessKeyId: creds.accessKeyId,
  };
}

/**
 * `GetSessionToken`: verify the signature, validate the members (DurationSeconds 900–129600), refuse session
 * credentials, check MFA when passed, and issue credentials with the caller's identity and permissions (MFA recorded
 * for `aws:MultiFactorAuthPresent`/`Age`). No permission is needed.
 * @throws StsFault the signature faults, `ValidationError`, `AccessDenied` (session credentials, MFA).
 */
export function getSessionToken(parts: HttpRequestParts, params: QueryParams, ctx: StsContext): ResultTree {
  const caller = checkSignedCaller(parts, ctx);
  checkMembers(params, GET_SESSION_TOKEN_RULES);
  checkLongTermCaller(caller, "GetSessionToken");
  const now = ctx.now();
  const mfaAt = checkMfa(ctx.config, caller, params.get("SerialNumber"), params.get("TokenCode"), now);
  const duration = sessionTokenDuration(caller, params.get("DurationSeconds"));
  const identity = callerIdentity(ctx.config, caller);
  const userName = callerUserName(caller);
  const creds = ctx.sessions.issue(
    {
      kind: "user-session",
      account: ctx.config.account,
      userArn: identity.arn,
      userId: identity.userId,
      ...(userName !== undefined ? { userName } : {}),
      ...(mfaAt !== undefined ? { mfaAuthenticatedAt: mfaAt } : {}),
    },
    now + duration * 1000,
  );
  return { Credentials: credentialsTree(creds) };
}

/** `arn:PARTITION:sts::ACCOUNT:federated-user/NAME`. */
export function federatedUserArn(ctx: StsContext, name: string): string {
  return `arn:${ctx.config.partition}:sts::${ctx.config.account}:federated-user/${name}`;
}

/**
 * Rule: the caller's own policies allow `sts:GetFederationToken` on the federated user's ARN (and `sts:TagSession`
 * there when tags are passed), with `aws:RequestTag/…` and `aws:TagKeys`. The root may do everything.
 * @throws StsFault `AccessDenied` (403) `User: <caller arn> is not authorized to perform: sts:GetFederationToken on
 *   resource: arn:aws:sts::ACCT:federated-user/NAME` (` with an explicit deny` when a Deny decided), with the trace
 *   and an encoded authorization message.
 */
export function checkFederationAllowed(ctx: StsContext, caller: Caller, resource: string, actions: readonly string[], keys: Record<string, string | string[]>): void {
  const callerArn = callerIdentity(ctx.config, caller).arn;
  for (const action of actions) {
    const own = decideCallerPermission(ctx, caller, action, resource, keys);
    if (own.decision !== "Allow") throw permissionRefusal(ctx, caller, action, resource, own, notAuthorizedMessage(callerArn, action, resource, own.decision === "ExplicitDeny"));
  }
}

/**
 * `GetFederationToken`: verify the signature, validate the members (Name 2–32, Policy ≤ 2048, DurationSeconds
 * 900–129600, ≤ 10 PolicyArns, ≤ 50 Tags), refuse session credentials, check the caller's permission, the tags and the
 * session policies, and issue credentials for `federated-user/NAME` whose permissions are the caller's ∩ the session
 * policies (none without one). `PackedPolicySize` is always present (0 without policies and tags).
 * @throws StsFault the signature faults, `ValidationError`, `AccessDenied`, `InvalidParameterValue`,
 *   `MalformedPolicyDocument`, `PackedPolicyTooLarge`.
 */
export function getFederationToken(parts: HttpRequestParts, params: QueryParams, ctx: StsContext): ResultTree {
  const caller = checkSignedCaller(parts, ctx);
  const { arns: policyArns, problems } = policyArnProblems(params);
  const tagged = tagProblems(params, false);
  checkMembers(params, GET_FEDERATION_TOKEN_RULES, [...problems, ...tagged.problems]);
  checkLongTermCaller(caller, "GetFederationToken");
  const name = params.get("Name") ?? "";
  const arn = federatedUserArn(ctx, name);
  const tags = checkRequestTags(tagged.tags, [], undefined);
  checkFederationAllowed(ctx, caller, arn, tags.requested.length > 0 ? ["sts:GetFederationToken", "sts:TagSession"] : ["sts:GetFederationToken"], requestTagKeys(tags));
  const policy = params.get("Policy");
  const packedPolicySize = checkSessionPolicy(policy, policyArns, tags.tags.length > 0 ? { tags: tags.tags, transitiveTagKeys: [] } : undefined) ?? 0;
  const duration = sessionTokenDuration(caller, params.get("DurationSeconds"));
  const userName = callerUserName(caller);
  const federatedUserId = `${ctx.config.account}:${name}`;
  const creds = ctx.sessions.issue(
    {
      kind: "federated-user",
      account: ctx.config.account,
      federatedUserArn: arn,
      federatedUserId,
      ...(userName !== undefined ? { userName } : {}),
      ...(policy !== undefined ? { sessionPolicy: policy } : {}),
      ...(policyArns.length > 0 ? { policyArns } : {}),
      ...(tags.tags.length > 0 ? { sessionTags: tags.tags } : {}),
    },
    ctx.now() + duration * 1000,
  );
  return {
    Credentials: credentialsTree(creds),
    FederatedUser: { FederatedUserId: federatedUserId, Arn: arn },
    PackedPolicySize: packedPolicySize,
  };
}
