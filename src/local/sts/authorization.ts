/**
 * Authorization messages: what the local stack says about a refusal by a permission policy, in the shape of AWS's
 * decoded authorization messages (STS API reference `DecodeAuthorizationMessage`: "allowed", "explicitDeny",
 * "matchedStatements", "failures", "context" with the principal, action, resource and the request's conditions), sealed
 * by the shared {@link SessionStore} into an opaque, authenticated encoded message. The S3 stand-in and the STS's own
 * permission checks encode one per refusal; it is served on the trace endpoint (a local extension, ../tracing.ts),
 * never in the AWS answer, and STS's DecodeAuthorizationMessage opens it.
 */
import type { Decision, NamedPolicy } from "../iam/policy";
import { decideWithPolicies } from "../iam/session";
import type { EvaluationTrace, StatementTrace } from "../iam/trace";
import { keysForTrace, type ConditionValues } from "../iam/variables";
import type { StackConfig } from "../config";
import { callerContextKeys, callerIdentity, callerPolicies, type Caller, type CallerContext } from "./callers";
import { StsFault } from "./faults";
import type { SessionStore } from "./sessions";

/** `{"items": [...]}` — how AWS's decoded messages write every list. */
interface Items<T> {
  items: T[];
}

/** One statement that decided, as AWS's decoded message lists it. */
export interface MatchedStatement {
  statementId: string;
  effect: "ALLOW" | "DENY";
  principals: Items<{ value: string }>;
  principalGroups: Items<{ value: string }>;
  actions: Items<{ value: string }>;
  resources: Items<{ value: string }>;
  conditions: Items<{ key: string; values: Items<{ value: string }> }>;
}

/** The decoded authorization message (the JSON text of `DecodedMessage`). */
export interface DecodedAuthorizationMessage {
  allowed: boolean;
  explicitDeny: boolean;
  matchedStatements: Items<MatchedStatement>;
  failures: Items<unknown>;
  context: {
    principal: { id: string; name?: string; arn: string };
    action: string;
    resource: string;
    conditions: Items<{ key: string; values: Items<{ value: string }> }>;
  };
}

/** What a refusal was about. */
export interface AuthorizationRequest {
  principal: { id: string; name?: string; arn: string };
  action: string;
  resource: string;
  keys: ConditionValues;
}

function statementItem(statement: StatementTrace, principalId: string): MatchedStatement {
  const values = (element: string) => statement.checks.filter((c) => c.element === element || c.element === `Not${element}`).flatMap((c) => c.expected.map((value) => ({ value })));
  return {
    statementId: statement.sid ?? "",
    effect: statement.effect === "Deny" ? "DENY" : "ALLOW",
    principals: { items: [{ value: principalId }] },
    principalGroups: { items: [] },
    actions: { items: values("Action") },
    resources: { items: values("Resource") },
    conditions: {
      items: statement.checks
        .filter((c) => c.element === "Condition")
        .map((c) => ({ key: c.key ?? "", values: { items: c.expected.map((value) => ({ value })) } })),
    },
  };
}

/**
 * The decoded message of a decision: `matchedStatements` are the Deny statements that matched (an explicit deny) or
 * the Allow statements that did (an allow); an implicit deny matched none. `conditions` are the request's keys.
 */
export function decodedAuthorizationMessage(decision: Decision, request: AuthorizationRequest, trace: EvaluationTrace | undefined): DecodedAuthorizationMessage {
  const effect = decision === "ExplicitDeny" ? "Deny" : decision === "Allow" ? "Allow" : undefined;
  const matched = effect === undefined ? [] : (trace?.policies ?? []).flatMap((p) => p.statements.filter((s) => s.matched && s.effect === effect));
  const keys = keysForTrace(request.keys);
  return {
    allowed: decision === "Allow",
    explicitDeny: decision === "ExplicitDeny",
    matchedStatements: { items: matched.map((s) => statementItem(s, request.principal.id)) },
    failures: { items: [] },
    context: {
      principal: request.principal,
      action: request.action,
      resource: request.resource,
      conditions: { items: Object.entries(keys).map(([key, values]) => ({ key, values: { items: values.map((value) => ({ value })) } })) },
    },
  };
}

/** Seal a decoded message with the shared store: the encoded authorization message. */
export function encodeAuthorizationMessage(store: SessionStore, message: DecodedAuthorizationMessage): string {
  return store.sealMessage(JSON.stringify(message));
}

/** The caller as a decoded message's `context.principal` names it: its unique id and ARN, and an IAM user's name. */
export function authorizationPrincipal(config: StackConfig, caller: Caller): AuthorizationRequest["principal"] {
  const identity = callerIdentity(config, caller);
  return { id: identity.userId, ...(caller.kind === "user" ? { name: caller.user.name } : {}), arn: identity.arn };
}

/** A permission decision for an STS caller, with the policies' trace when refused. */
export interface CallerDecision {
  decision: Decision;
  trace?: EvaluationTrace;
  keys: ConditionValues;
}

/** Decide whether the caller's own policies (identity ∩ session) allow `action` on `resource`. */
export function decideCallerPermission(ctx: CallerContext, caller: Caller, action: string, resource: string, requestKeys: ConditionValues = {}): CallerDecision {
  const keys = { ...callerContextKeys(ctx.config, caller, ctx.now()), ...requestKeys };
  const { identity, session } = callerPolicies(ctx.config, caller);
  return { ...decideWithPolicies(identity as NamedPolicy[], session as NamedPolicy[], { action, resource, keys }), keys };
}

/**
 * The `AccessDenied` fault of a refusal by the caller's own policies: `message` as AWS words it, the trace, and an
 * encoded authorization message (kept with the trace for the trace endpoint; not in the answer).
 */
export function permissionRefusal(ctx: CallerContext, caller: Caller, action: string, resource: string, refused: CallerDecision, message: string): StsFault {
  const decoded = decodedAuthorizationMessage(refused.decision, { principal: authorizationPrincipal(ctx.config, caller), action, resource, keys: refused.keys }, refused.trace);
  return new StsFault("AccessDenied", 403, message, {
    ...(refused.trace ? { trace: refused.trace } : {}),
    encodedAuthorizationMessage: encodeAuthorizationMessage(ctx.sessions, decoded),
  });
}
