/**
 * `AssumeRole` (SigV4): an IAM user, a GetSessionToken session or a role session (role chaining) assumes a role of the
 * account. STS API reference `AssumeRole`; IAM User Guide "Policy evaluation logic" (same account), "Methods to assume
 * a role" (role chaining's 1-hour limit), "Access to AWS accounts owned by third parties" (`sts:ExternalId`),
 * "Configuring MFA-protected API access", "Pass session tags in AWS STS", "Monitor and control actions taken with
 * assumed roles" (source identity); behaviour and texts of /work/shared/reference/sts.md §3.2, §4.1–4.3.
 */
import type { RoleConfig } from "../config";
import { evaluateTrust, evaluateTrustWithTrace, findRole } from "../iam/roles";
import type { EvaluationTrace } from "../iam/trace";
import type { ConditionValues } from "../iam/variables";
import { keysForTrace } from "../iam/variables";
import { checkRoleArnFormat, checkSessionPolicy, issueRoleSession, type StsContext } from "./actions";
import { decideCallerPermission, permissionRefusal } from "./authorization";
import { callerContextKeys, callerIdentity, callerTrustPrincipal, checkSignedCaller, checkTemporaryCredentialScope, isRootCaller, type Caller } from "./callers";
import { MESSAGES, notAuthorizedMessage, StsFault } from "./faults";
import { checkMfa } from "./mfa";
import type { QueryParams } from "./query";
import type { ResultTree } from "./render";
import { checkRequestTags, requestTagKeys, type SessionTagSet } from "./requestTags";
import { isAssumedRoleSession, type SessionData } from "./sessions";
import type { HttpRequestParts } from "./sigv4";
import { ASSUME_ROLE_RULES, checkMembers, policyArnProblems, sourceIdentityProblems, tagProblems } from "./validation";

/** Default session length of AssumeRole. */
export const ASSUME_ROLE_DEFAULT_SECONDS = 3600;
/** Longest session of a chained role (assumed with role-session credentials). */
export const ROLE_CHAINING_MAX_SECONDS = 3600;

/** The caller's session when it is a role session (then AssumeRole is role chaining). */
function roleSessionOf(caller: Caller): SessionData | undefined {
  return caller.kind === "session" && isAssumedRoleSession(caller.session) ? caller.session : undefined;
}

/**
 * Rule: the account root cannot assume roles (with its own keys or with its GetSessionToken credentials), and
 * federated users' credentials call no STS operation but GetCallerIdentity.
 * @throws StsFault `AccessDenied` (403) `Roles may not be assumed by root accounts.`; for a federated user
 *   `User: <arn> is not authorized to perform: sts:AssumeRole on resource: <role arn>` [~ text not captured].
 */
export function checkMayAssumeRoles(ctx: StsContext, caller: Caller, roleArn: string): void {
  if (isRootCaller(caller)) throw new StsFault("AccessDenied", 403, MESSAGES.rootAssumeRole);
  checkTemporaryCredentialScope(caller, "AssumeRole", () => notAuthorizedMessage(callerIdentity(ctx.config, caller).arn, "sts:AssumeRole", roleArn, false));
}

/**
 * Rule: a source identity, once set, stays: a chained session keeps the calling session's, and a request may not set
 * another one.
 * @throws StsFault `InvalidParameterValue` (400) — real STS's code and text for this case were not captured [~]; the
 *   text here is the local stack's own.
 */
export function checkSourceIdentity(requested: string | undefined, caller: SessionData | undefined): string | undefined {
  const inherited = caller?.sourceIdentity;
  if (inherited !== undefined && requested !== undefined && requested !== inherited) {
    throw new StsFault("InvalidParameterValue", 400, `The calling session's source identity ${inherited} cannot be changed to ${requested} (local STS wording).`);
  }
  return requested ?? inherited;
}

/** What the role's trust policy and the caller's own policies are asked. */
export interface AssumeRoleRequest {
  role: RoleConfig | undefined;
  roleArn: string;
  /** The request's condition keys (with the caller's). */
  keys: ConditionValues;
  /** `sts:AssumeRole`, plus `sts:TagSession` when tags are passed and `sts:SetSourceIdentity` with a source identity. */
  actions: string[];
}

/**
 * Rule: the role exists and its trust policy allows the caller (`Principal.AWS`: the user's or session's ARN, the
 * role's ARN for its sessions, the account as `arn:aws:iam::ACCT:root` or the bare id) every action asked under the
 * request's keys (`sts:ExternalId`, `sts:RoleSessionName`, `aws:MultiFactorAuthPresent`/`Age`, request tags,
 * `sts:SourceIdentity`, the caller's `aws:PrincipalTag/…`). Unless a trust statement names the caller itself (the
 * user or session ARN: a direct grant, IAM "Policy evaluation logic" for one account), the caller's own permission
 * policies (∩ its session policies) must allow each action on the role too; an explicit Deny there always refuses.
 * @throws StsFault `AccessDenied` (403) `User: <caller arn> is not authorized to perform: sts:AssumeRole on resource:
 *   <role arn>` (whichever failed, as AWS says; the trace names it). A refusal by the caller's own policies also carries
 *   an encoded authorization message.
 */
export function checkAssumeRoleAllowed(ctx: StsContext, caller: Caller, request: AssumeRoleRequest): RoleConfig {
  const callerArn = callerIdentity(ctx.config, caller).arn;
  const message = (explicit: boolean) => notAuthorizedMessage(callerArn, "sts:AssumeRole", request.roleArn, explicit);
  const principals = callerTrustPrincipal(ctx.config, caller);
  const role = request.role;
  if (!role) {
    const trace: EvaluationTrace = {
      decision: "ImplicitDeny",
      request: { action: "sts:AssumeRole", principal: { type: principals.full.type, id: principals.full.id }, keys: keysForTrace(request.keys) },
      policies: [],
      summary: `No role ${request.roleArn} exists in the local IAM model (stack.json), so no trust policy allows sts:AssumeRole.`,
    };
    throw new StsFault("AccessDenied", 403, message(false), { trace });
  }
  for (const action of request.actions) {
    const trust = evaluateTrust(role, principals.full, action, request.keys);
    if (trust !== "Allow") {
      throw new StsFault("AccessDenied", 403, message(false), { trace: evaluateTrustWithTrace(role, principals.full, action, request.keys) });
    }
    const direct = evaluateTrust(role, principals.direct, action, request.keys) === "Allow";
    const own = decideCallerPermission(ctx, caller, action, request.roleArn, request.keys);
    if (own.decision === "ExplicitDeny" || (!direct && own.decision !== "Allow")) {
      throw permissionRefusal(ctx, caller, action, request.roleArn, own, message(own.decision === "ExplicitDeny"));
    }
  }
  return role;
}

/**
 * Rule: `DurationSeconds` (default 3600) is at most 1 hour for role chaining, and at most the role's
 * `MaxSessionDuration`.
 * @throws StsFault `ValidationError` (400) `The requested DurationSeconds exceeds the 1 hour session limit for roles
 *   assumed by role chaining.` / `The requested DurationSeconds exceeds the MaxSessionDuration set for this role.`
 */
export function checkAssumeRoleDuration(role: RoleConfig, duration: number, chained: boolean): number {
  if (chained && duration > ROLE_CHAINING_MAX_SECONDS) throw new StsFault("ValidationError", 400, MESSAGES.roleChainingDuration);
  if (duration > role.maxSessionDuration) throw new StsFault("ValidationError", 400, MESSAGES.maxSessionDuration);
  return duration;
}

/** The request condition keys of AssumeRole (added to the caller's). */
function assumeRoleKeys(params: QueryParams, tags: SessionTagSet, sourceIdentity: string | undefined, mfaAt: number | undefined): Record<string, string | string[]> {
  const keys: Record<string, string | string[]> = { "sts:RoleSessionName": params.get("RoleSessionName") ?? "", ...requestTagKeys(tags) };
  const externalId = params.get("ExternalId");
  if (externalId !== undefined) keys["sts:ExternalId"] = externalId;
  if (sourceIdentity !== undefined) keys["sts:SourceIdentity"] = sourceIdentity;
  if (mfaAt !== undefined) {
    keys["aws:MultiFactorAuthPresent"] = "true";
    keys["aws:MultiFactorAuthAge"] = "0";
  }
  return keys;
}

/**
 * `AssumeRole`: verify the signature, validate the members, refuse root and federated callers, check MFA, the session
 * tags (with the calling session's transitive tags) and the source identity, evaluate the role's trust policy and the
 * caller's own policies, apply the duration rules and session policies, and issue account-encoded temporary
 * credentials whose session records the tags, source identity, MFA and whether it was chained.
 * @throws StsFault the signature faults, `ValidationError`, `AccessDenied`, `InvalidParameterValue`,
 *   `MalformedPolicyDocument`, `PackedPolicyTooLarge` — see the checks above.
 */
export function assumeRole(parts: HttpRequestParts, params: QueryParams, ctx: StsContext): ResultTree {
  const caller = checkSignedCaller(parts, ctx);
  const { arns: policyArns, problems } = policyArnProblems(params);
  const tagged = tagProblems(params, true);
  const requestedSourceIdentity = params.get("SourceIdentity");
  checkMembers(params, ASSUME_ROLE_RULES, [...problems, ...tagged.problems, ...sourceIdentityProblems(requestedSourceIdentity)]);
  const arn = params.get("RoleArn") ?? "";
  const sessionName = params.get("RoleSessionName") ?? "";
  const durationParam = params.get("DurationSeconds");
  const duration = durationParam === undefined ? ASSUME_ROLE_DEFAULT_SECONDS : Number(durationParam.trim());
  checkRoleArnFormat(arn);
  checkMayAssumeRoles(ctx, caller, arn);

  const now = ctx.now();
  const mfaAt = checkMfa(ctx.config, caller, params.get("SerialNumber"), params.get("TokenCode"), now);
  const roleSession = roleSessionOf(caller);
  const callerSession = caller.kind === "session" ? caller.session : undefined;
  const tags = checkRequestTags(tagged.tags, tagged.transitiveTagKeys, callerSession);
  const sourceIdentity = checkSourceIdentity(requestedSourceIdentity, callerSession);

  const actions = ["sts:AssumeRole"];
  if (tags.requested.length > 0) actions.push("sts:TagSession");
  if (sourceIdentity !== undefined) actions.push("sts:SetSourceIdentity");
  const keys = { ...callerContextKeys(ctx.config, caller, now), ...assumeRoleKeys(params, tags, sourceIdentity, mfaAt) };
  const role = checkAssumeRoleAllowed(ctx, caller, { role: findRole(ctx.config, arn), roleArn: arn, keys, actions });
  checkAssumeRoleDuration(role, duration, roleSession !== undefined);
  const policy = params.get("Policy");
  const packedPolicySize = checkSessionPolicy(policy, policyArns, tags.tags.length > 0 ? { tags: tags.tags, transitiveTagKeys: tags.transitiveTagKeys } : undefined);

  const mfaAuthenticatedAt = mfaAt ?? callerSession?.mfaAuthenticatedAt;
  const session = issueRoleSession(
    ctx,
    role,
    arn,
    sessionName,
    {
      ...(roleSession !== undefined ? { chained: true } : {}),
      ...(policy !== undefined ? { sessionPolicy: policy } : {}),
      ...(policyArns.length > 0 ? { policyArns } : {}),
      ...(tags.tags.length > 0 ? { sessionTags: tags.tags, transitiveTagKeys: tags.transitiveTagKeys } : {}),
      ...(sourceIdentity !== undefined ? { sourceIdentity } : {}),
      ...(mfaAuthenticatedAt !== undefined ? { mfaAuthenticatedAt } : {}),
    },
    now + duration * 1000,
  );

  return { SourceIdentity: sourceIdentity, ...session, PackedPolicySize: packedPolicySize };
}
