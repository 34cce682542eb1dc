/**
 * Authorization of S3 requests by the local IAM evaluator, with the same policies and keys the STS uses for the same
 * caller (../sts/authorization.ts `decideCallerPermission`): an IAM user's own permission policies (long-term key), the
 * account root's unlimited permissions in its own account — every bucket here belongs to stack.json's `account`, and
 * there are no bucket policies or SCPs — or a session's identity policies (its role's, or those of the IAM user or
 * root behind GetSessionToken / GetFederationToken credentials) intersected with its session policies. Action and
 * resource per the Service Authorization Reference "Actions, resources, and condition keys for Amazon S3":
 * `s3:ListBucket` on `arn:aws:s3:::<bucket>` with `s3:prefix`, `s3:delimiter`, `s3:max-keys`; `s3:GetObject` /
 * `s3:PutObject` / `s3:DeleteObject` on `arn:aws:s3:::<bucket>/<key>`. Keys: the caller's (`aws:username`,
 * `aws:userid`, `aws:PrincipalArn`, … usable as policy variables) and the request's global keys
 * (`aws:SecureTransport`, `aws:SourceIp`, `aws:CurrentTime`, `aws:EpochTime`, and S3's `s3:authType`,
 * `s3:signatureversion`, `s3:signatureAge`, `s3:x-amz-content-sha256`). Every refusal records its trace under the
 * request id, and for a signed caller an encoded authorization message that STS's DecodeAuthorizationMessage decodes —
 * served on the trace endpoint only, as real S3's `AccessDenied` carries none.
 */
import type { StackConfig } from "../config";
import { evaluatePoliciesWithTrace, type ConditionValues } from "../iam/policy";
import type { TraceStore } from "../iam/trace";
import type { S3Caller } from "./sigv4";
import { accessDenied } from "./errors";
import { authorizationPrincipal, decideCallerPermission, decodedAuthorizationMessage, encodeAuthorizationMessage } from "../sts/authorization";

/** What a request asks of IAM. */
export interface S3Permission {
  /** e.g. `s3:GetObject`. */
  action: string;
  /** e.g. `arn:aws:s3:::web-identity-console-demo/users/alice/notes.txt`. */
  resource: string;
  /** The operation's own condition keys (e.g. `s3:prefix`). */
  keys?: Record<string, string>;
}

/** Where and when a request was made. */
export interface RequestCircumstances {
  requestId: string;
  /** The client's address as the socket reports it (IPv4-mapped addresses are unwrapped). */
  sourceIp: string;
  now: number;
}

/** `arn:aws:s3:::<bucket>` or `arn:aws:s3:::<bucket>/<key>`. */
export function s3Arn(partition: string, bucket: string, key?: string): string {
  return `arn:${partition}:s3:::${bucket}${key === undefined ? "" : `/${key}`}`;
}

/** The request-level condition keys (never credentials: they end up in traces). */
export function requestKeys(caller: S3Caller, at: RequestCircumstances): Record<string, string> {
  const keys: Record<string, string> = {
    "aws:SecureTransport": "false",
    "aws:SourceIp": at.sourceIp.replace(/^::ffff:/i, ""),
    "aws:CurrentTime": new Date(at.now).toISOString().replace(/\.\d{3}Z$/, "Z"),
    "aws:EpochTime": String(Math.floor(at.now / 1000)),
  };
  if (caller.kind === "signed") {
    keys["s3:authType"] = caller.authType;
    keys["s3:signatureversion"] = "AWS4-HMAC-SHA256";
    keys["s3:signatureAge"] = String(caller.signatureAgeMs);
    keys["s3:x-amz-content-sha256"] = caller.payloadHash;
  }
  return keys;
}

/**
 * Rule: the caller's policies allow the action on the resource (anonymous callers have none: buckets here have no
 * bucket policy).
 * @throws S3Fault `AccessDenied` (403) "Access Denied", after recording the evaluation trace under the request id.
 */
export function checkPermission(config: StackConfig, traces: TraceStore, caller: S3Caller, permission: S3Permission, at: RequestCircumstances): void {
  const keys: ConditionValues = { ...requestKeys(caller, at), ...permission.keys };
  if (caller.kind === "anonymous") {
    traces.record(at.requestId, evaluatePoliciesWithTrace([], "identity", { action: permission.action, resource: permission.resource, keys }));
    throw accessDenied();
  }
  const ctx = { config, sessions: caller.sessions, now: () => at.now };
  const decided = decideCallerPermission(ctx, caller.principal, permission.action, permission.resource, keys);
  if (decided.decision === "Allow") return;
  if (decided.trace) {
    const request = { principal: authorizationPrincipal(config, caller.principal), action: permission.action, resource: permission.resource, keys: decided.keys };
    traces.record(at.requestId, decided.trace, encodeAuthorizationMessage(caller.sessions, decodedAuthorizationMessage(decided.decision, request, decided.trace)));
  }
  throw accessDenied();
}
