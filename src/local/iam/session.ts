/**
 * Permission decisions for requests signed with local STS session credentials (the S3 stand-in's authorizer, the STS's
 * own permission checks): the identity's permission policies intersected with the session policies — the inline
 * `Policy` and the managed `PolicyArns` (IAM User Guide "Session policies": "the resulting session's permissions are
 * the intersection of the role's identity-based policies and the session policies"). The identity is the session's
 * role (assumed-role sessions), the IAM user or root who called GetSessionToken (same permissions, no session policy:
 * "Permissions for GetSessionToken"), or who called GetFederationToken (its permissions ∩ the session policies, and
 * nothing at all without one: "Permissions for GetFederationToken"). Managed policy ARNs resolve to
 * documents through {@link AWS_MANAGED_POLICIES} and any extra `managed` list passed in; an ARN that resolves to
 * nothing is still a session policy, one that allows nothing (so the session can do nothing it alone would have to
 * allow), and the trace says so.
 */
import { findRole } from "./roles";
import { findUser } from "./users";
import { evaluateWithSessionPolicies, evaluateWithSessionPoliciesWithTrace, parsePolicyDocument, type Decision, type NamedPolicy } from "./policy";
import type { EvaluationTrace } from "./trace";
import type { ConditionValues } from "./variables";
import type { PolicyDocument, StackConfig } from "../config";
import { isAssumedRoleSession, sessionContextKeys, type SessionData } from "../sts/sessions";

/** A managed policy the local IAM model knows: its ARN and document. */
export interface ManagedPolicy {
  arn: string;
  document: PolicyDocument;
}

/**
 * AWS managed policies useful as session policies with the S3 stand-in, with their documents as AWS publishes them
 * (AWS Managed Policy Reference: `AmazonS3ReadOnlyAccess` v3, `AmazonS3FullAccess` v2).
 */
export const AWS_MANAGED_POLICIES: readonly ManagedPolicy[] = [
  {
    arn: "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
    document: {
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: ["s3:Get*", "s3:List*", "s3-object-lambda:Get*", "s3-object-lambda:List*"], Resource: "*" }],
    },
  },
  {
    arn: "arn:aws:iam::aws:policy/AmazonS3FullAccess",
    document: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["s3:*", "s3-object-lambda:*"], Resource: "*" }] },
  },
];

/** A policy with no statement: what an unknown managed ARN (or an unreadable inline policy) contributes. */
const NOTHING: PolicyDocument = { Version: "2012-10-17", Statement: [] };

/**
 * What the account root may do in its own account: everything (IAM User Guide "AWS account root user"; no
 * organization SCPs in the local stack). A policy the local model stands in for the root's unlimited permissions.
 */
export const ROOT_PERMISSIONS: NamedPolicy = {
  name: "account root (may perform every action in its own account)",
  document: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] },
};

/** The session policy a federated user without `Policy`/`PolicyArns` gets: none that allows anything. */
export const NO_FEDERATION_POLICY: NamedPolicy = { name: "(none passed to GetFederationToken: a federated user without a session policy may do nothing)", document: NOTHING };

/** The permission policies of an IAM user (by name), or of the account root when `userName` is undefined. */
export function principalPolicies(config: StackConfig, userName: string | undefined): readonly NamedPolicy[] {
  if (userName === undefined) return [ROOT_PERMISSIONS];
  return findUser(config, userName)?.permissionPolicies ?? [];
}

/** The identity-based policies behind a session: its role's, or those of the user (or root) who asked for it. */
export function sessionIdentityPolicies(config: StackConfig, session: SessionData): readonly NamedPolicy[] {
  if (isAssumedRoleSession(session)) return findRole(config, session.roleArn)?.permissionPolicies ?? [];
  return principalPolicies(config, session.userName);
}

/**
 * The session policies of a session, named for traces: `inline` for the `Policy` parameter, each managed policy by
 * its ARN (resolved in `managed`, then {@link AWS_MANAGED_POLICIES}; unknown ARNs allow nothing).
 */
export function sessionPolicies(session: Pick<SessionData, "sessionPolicy" | "policyArns" | "kind">, managed: readonly ManagedPolicy[] = []): NamedPolicy[] {
  const out: NamedPolicy[] = [];
  if (session.sessionPolicy !== undefined) {
    let document = NOTHING;
    try {
      document = parsePolicyDocument(session.sessionPolicy);
    } catch {
      // STS refused malformed policies (MalformedPolicyDocument) before issuing the session; nothing to allow here.
    }
    out.push({ name: "inline", document });
  }
  for (const arn of session.policyArns ?? []) {
    const known = managed.find((m) => m.arn === arn) ?? AWS_MANAGED_POLICIES.find((m) => m.arn === arn);
    out.push({ name: arn, document: known?.document ?? NOTHING });
  }
  if (session.kind === "federated-user" && out.length === 0) out.push(NO_FEDERATION_POLICY);
  return out;
}

/** What a signed request asks of the session's permissions. */
export interface SessionRequest {
  /** e.g. `s3:GetObject`. */
  action: string;
  /** e.g. `arn:aws:s3:::web-identity-console-demo/users/alice/notes.txt`. */
  resource: string;
  /**
   * The request's own condition keys (e.g. `s3:prefix`, `s3:delimiter`, `s3:max-keys`, `aws:SourceIp`,
   * `aws:SecureTransport`, `aws:CurrentTime`, `aws:EpochTime`), added to the session's (see `sessionContextKeys`).
   * Never put credentials here: keys end up in traces.
   */
  keys?: ConditionValues;
}

/** A session request's decision, and its trace when refused or when asked for. */
export interface SessionDecision {
  decision: Decision;
  trace?: EvaluationTrace;
}

/**
 * Decide a request signed with session credentials: the session's identity (its role by `roleArn`, or the user or
 * root behind a GetSessionToken / GetFederationToken session) supplies the permission policies (named as in
 * stack.json), the session its policy variables and principal keys (at `opts.now`, default the current time) and its
 * session policies. The hot path only decides; the trace is built for a refusal, or always with `{ trace: true }`. A
 * session whose role or user no longer exists is refused (no identity policy allows).
 */
export function evaluateSessionRequest(
  config: StackConfig,
  session: SessionData,
  request: SessionRequest,
  opts: { managed?: readonly ManagedPolicy[]; trace?: boolean; now?: number } = {},
): SessionDecision {
  const identity = sessionIdentityPolicies(config, session);
  const ctx = { action: request.action, resource: request.resource, keys: { ...sessionContextKeys(session, opts.now), ...request.keys } };
  return decideWithPolicies(identity, sessionPolicies(session, opts.managed), ctx, opts.trace === true);
}

/**
 * Decide a request against identity policies intersected with session policies (none: the identity policies alone);
 * the trace only for a refusal unless `trace`.
 */
export function decideWithPolicies(
  identity: readonly NamedPolicy[],
  session: readonly NamedPolicy[],
  ctx: { action: string; resource: string; keys: ConditionValues },
  trace = false,
): SessionDecision {
  const decision = evaluateWithSessionPolicies(
    identity.map((p) => p.document),
    session.map((p) => p.document),
    ctx,
  );
  if (decision === "Allow" && !trace) return { decision };
  return { decision, trace: evaluateWithSessionPoliciesWithTrace(identity, session, ctx) };
}
