/**
 * Who signed a request to the local STS: an IAM user or the account root with a long-term `AKIA…` key (stack.json
 * `iamUsers`, `root`), or the holder of temporary credentials this STS issued — an assumed-role session, a federated
 * user (GetFederationToken) or a GetSessionToken session of a user or root. Each caller's identity as
 * GetCallerIdentity answers it (reference §4.2's table), as a role's trust policy names it (IAM "AWS JSON policy
 * elements: Principal") and as condition keys present it (IAM "AWS global condition context keys").
 */
import type { StackConfig } from "../config";
import type { NamedPolicy } from "../iam/policy";
import type { TrustPrincipal } from "../iam/roles";
import { principalPolicies, sessionIdentityPolicies, sessionPolicies } from "../iam/session";
import type { ConditionValues } from "../iam/variables";
import { findActiveLongTermKey, rootArn, userArn, userUniqueId, type IamUserConfig } from "../iam/users";
import { MESSAGES, StsFault } from "./faults";
import { checkSessionCredential, isAssumedRoleSession, sessionContextKeys, sessionIdentity, type SessionData, type SessionStore } from "./sessions";
import { verifySigV4, type HttpRequestParts } from "./sigv4";

/** The signer of a request. */
export type Caller =
  | { kind: "user"; accessKeyId: string; user: IamUserConfig }
  | { kind: "root"; accessKeyId: string }
  | { kind: "session"; accessKeyId: string; session: SessionData };

/** A caller's identity: `Arn`, `UserId` and `Account` of GetCallerIdentity. */
export interface CallerIdentity {
  arn: string;
  userId: string;
  account: string;
}

/** What resolving a caller needs. */
export interface CallerContext {
  config: StackConfig;
  sessions: SessionStore;
  /** ms since the epoch */
  now(): number;
}

/**
 * Rule: an active long-term key (`AKIA…`) of an IAM user or the root in stack.json is valid without a session token
 * (with one, the token cannot be its own: real STS refuses it the same way); any other key — an `Inactive` one too —
 * must be a live session of this STS presented with its token.
 * @throws StsFault `InvalidClientTokenId` (403) `The security token included in the request is invalid.`;
 *   `ExpiredToken` (403) for an expired session.
 */
export function resolveCaller(ctx: CallerContext, accessKeyId: string, sessionToken: string | undefined, nowMs: number): { secretAccessKey: string; principal: Caller } {
  const owner = findActiveLongTermKey(ctx.config, accessKeyId);
  if (owner) {
    if (sessionToken !== undefined && sessionToken !== "") throw new StsFault("InvalidClientTokenId", 403, MESSAGES.invalidClientToken);
    const principal: Caller = owner.kind === "user" ? { kind: "user", accessKeyId, user: owner.user } : { kind: "root", accessKeyId };
    return { secretAccessKey: owner.key.secretAccessKey, principal };
  }
  const session = checkSessionCredential(ctx.sessions, accessKeyId, sessionToken, nowMs);
  return { secretAccessKey: session.secretAccessKey, principal: { kind: "session", accessKeyId, session } };
}

/**
 * Rule: signed operations carry a valid SigV4 signature (scope `<date>/<config region>/sts/aws4_request`, ±15 min)
 * made with a long-term key of the local IAM model or live session credentials issued by this STS.
 * @throws StsFault `MissingAuthenticationToken`, `IncompleteSignature`, `SignatureDoesNotMatch`,
 *   `InvalidClientTokenId`, `ExpiredToken`.
 */
export function checkSignedCaller(req: HttpRequestParts, ctx: CallerContext): Caller {
  const now = ctx.now();
  return verifySigV4(req, { region: ctx.config.region, service: "sts", now }, (accessKeyId, sessionToken) => resolveCaller(ctx, accessKeyId, sessionToken, now)).principal;
}

/** True when the caller signed with temporary (session) credentials. */
export function isSessionCaller(caller: Caller): caller is Extract<Caller, { kind: "session" }> {
  return caller.kind === "session";
}

/** True for the account root, with its own keys or with a GetSessionToken session of them. */
export function isRootCaller(caller: Caller): boolean {
  return caller.kind === "root" || (caller.kind === "session" && caller.session.kind === "user-session" && caller.session.userName === undefined);
}

/** The IAM user name behind the caller (its own keys, or its GetSessionToken / GetFederationToken session). */
export function callerUserName(caller: Caller): string | undefined {
  if (caller.kind === "user") return caller.user.name;
  if (caller.kind === "session" && !isAssumedRoleSession(caller.session)) return caller.session.userName;
  return undefined;
}

/** GetCallerIdentity's answer for the caller (reference §4.2). */
export function callerIdentity(config: StackConfig, caller: Caller): CallerIdentity {
  if (caller.kind === "user") return { arn: userArn(config, caller.user), userId: userUniqueId(config, caller.user), account: config.account };
  if (caller.kind === "root") return { arn: rootArn(config), userId: config.account, account: config.account };
  return sessionIdentity(caller.session);
}

/**
 * The caller as a trust policy's `Principal` names it. `direct` matches only a `Principal` naming exactly this user,
 * role session or federated user (not `*`: whether real IAM counts `"AWS": "*"` as a direct grant was not found [~],
 * so the caller's own policies decide too); `full` also the caller's account (`arn:aws:iam::ACCT:root` or the bare account id)
 * and, for a role session, the role's ARN. IAM "Policy evaluation logic" (same account): a resource-based policy that
 * names the IAM user or the session principal itself grants directly; one that names the account or a role ARN
 * leaves the decision to the caller's own identity-based policies too.
 */
export function callerTrustPrincipal(config: StackConfig, caller: Caller): { direct: TrustPrincipal; full: TrustPrincipal } {
  const { arn } = callerIdentity(config, caller);
  const account = [rootArn(config), config.account];
  const roleArn = caller.kind === "session" && isAssumedRoleSession(caller.session) ? [caller.session.roleArn] : [];
  return { direct: { type: "AWS", id: arn, exact: true }, full: { type: "AWS", id: arn, aliases: [...roleArn, ...account] } };
}

/**
 * The condition keys the caller brings (for trust and permission policies) at `nowMs`: a session's keys
 * (../sts/sessions.ts `sessionContextKeys`), or for a long-term key `aws:userid`, `aws:PrincipalArn`,
 * `aws:PrincipalAccount`, `aws:PrincipalType` (`User` / `Account`), `aws:username` — and no
 * `aws:MultiFactorAuthPresent` (IAM: the key is absent for long-term credentials).
 */
export function callerContextKeys(config: StackConfig, caller: Caller, nowMs: number): ConditionValues {
  if (caller.kind === "session") return sessionContextKeys(caller.session, nowMs);
  const { arn, userId } = callerIdentity(config, caller);
  const keys: Record<string, string> = {
    "aws:userid": userId,
    "aws:PrincipalArn": arn,
    "aws:PrincipalAccount": config.account,
    "aws:PrincipalType": caller.kind === "user" ? "User" : "Account",
  };
  if (caller.kind === "user") keys["aws:username"] = caller.user.name;
  return keys;
}

/** The caller's identity-based policies and session policies (named for traces). */
export function callerPolicies(config: StackConfig, caller: Caller): { identity: readonly NamedPolicy[]; session: readonly NamedPolicy[] } {
  if (caller.kind === "session") return { identity: sessionIdentityPolicies(config, caller.session), session: sessionPolicies(caller.session) };
  return { identity: principalPolicies(config, caller.kind === "user" ? caller.user.name : undefined), session: [] };
}

/** STS operations each kind of temporary credentials may call (reference §4.3; IAM User Guide "Compare AWS STS credentials"). */
const SESSION_KIND_OPERATIONS: Readonly<Record<"federated-user" | "user-session", readonly string[]>> = {
  "federated-user": ["GetCallerIdentity"],
  "user-session": ["AssumeRole", "GetCallerIdentity"],
};

/**
 * Rule: GetFederationToken credentials may call no STS operation but GetCallerIdentity; GetSessionToken credentials
 * only AssumeRole and GetCallerIdentity (GetSessionToken / GetFederationToken themselves refuse every session
 * credential with their own texts, see ./sessionTokens.ts).
 * @throws StsFault `AccessDenied` (403) with `message` — the refusal text real STS gives here was not captured [~]; the
 *   callers pass AWS's usual `User: … is not authorized to perform: …` form.
 */
export function checkTemporaryCredentialScope(caller: Caller, operation: string, message: () => string): void {
  if (caller.kind !== "session" || isAssumedRoleSession(caller.session)) return;
  if (!SESSION_KIND_OPERATIONS[caller.session.kind].includes(operation)) throw new StsFault("AccessDenied", 403, message());
}
