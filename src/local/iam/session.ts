/**
 * Permission decisions for requests signed with local STS session credentials (the S3 stand-in's authorizer): the
 * role's permission policies intersected with the session policies passed to AssumeRoleWithWebIdentity — the inline
 * `Policy` and the managed `PolicyArns` (IAM User Guide "Session policies": "the resulting session's permissions are
 * the intersection of the role's identity-based policies and the session policies"). Managed policy ARNs resolve to
 * documents through {@link AWS_MANAGED_POLICIES} and any extra `managed` list passed in; an ARN that resolves to
 * nothing is still a session policy, one that allows nothing (so the session can do nothing it alone would have to
 * allow), and the trace says so.
 */
import { findRole } from "./roles";
import { evaluateWithSessionPolicies, evaluateWithSessionPoliciesWithTrace, parsePolicyDocument, type Decision, type NamedPolicy } from "./policy";
import type { EvaluationTrace } from "./trace";
import type { ConditionValues } from "./variables";
import type { PolicyDocument, StackConfig } from "../config";
import { sessionContextKeys, type SessionData } from "../sts/sessions";

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
 * The session policies of a session, named for traces: `inline` for the `Policy` parameter, each managed policy by
 * its ARN (resolved in `managed`, then {@link AWS_MANAGED_POLICIES}; unknown ARNs allow nothing).
 */
export function sessionPolicies(session: Pick<SessionData, "sessionPolicy" | "policyArns">, managed: readonly ManagedPolicy[] = []): NamedPolicy[] {
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
 * Decide a request signed with session credentials: the session's role (by `roleArn`) supplies its permission
 * policies (named as in stack.json), the session its policy variables and principal keys and its session policies.
 * The hot path only decides; the trace is built for a refusal, or always with `{ trace: true }`. A session whose role
 * no longer exists is refused (no identity policy allows).
 */
export function evaluateSessionRequest(
  config: StackConfig,
  session: SessionData,
  request: SessionRequest,
  opts: { managed?: readonly ManagedPolicy[]; trace?: boolean } = {},
): SessionDecision {
  const identity: readonly NamedPolicy[] = findRole(config, session.roleArn)?.permissionPolicies ?? [];
  const sessionDocs = sessionPolicies(session, opts.managed);
  const ctx = { action: request.action, resource: request.resource, keys: { ...sessionContextKeys(session), ...request.keys } };
  const decision = evaluateWithSessionPolicies(
    identity.map((p) => p.document),
    sessionDocs.map((p) => p.document),
    ctx,
  );
  if (decision === "Allow" && !opts.trace) return { decision };
  return { decision, trace: evaluateWithSessionPoliciesWithTrace(identity, sessionDocs, ctx) };
}
