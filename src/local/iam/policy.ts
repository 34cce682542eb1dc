/**
 * IAM policy evaluation for the local stack — the one evaluator behind the STS (trust policies) and S3 (permission
 * and session policies) stand-ins. Follows the IAM User Guide "Policy evaluation logic" (explicit Deny wins, then any
 * Allow, else implicit deny; session policies intersect with the role's identity policies), "IAM JSON policy
 * elements" (Principal/NotPrincipal, Action/NotAction, Resource/NotResource with `*`/`?` wildcards, Condition — see
 * ./conditions.ts) and "IAM policy elements: Variables and tags" (see ./variables.ts; policies whose `Version` is not
 * `2012-10-17` take `${…}` literally). Every decision can explain itself with an {@link EvaluationTrace}
 * (./trace.ts): the `…WithTrace` variants evaluate every check of every statement, the plain ones stop early.
 */
import type { PolicyDocument, PolicyStatement } from "../config";
import { evaluateOperatorBlock } from "./conditions";
import { checkTrace, summarise, type CheckTrace, type EvaluationTrace, type PolicyTrace, type StatementTrace, type TraceDecision, type ValueOutcome } from "./trace";
import { globMatches, keysForTrace, missingVariables, normaliseKeys, substitute, type ConditionValues, type Keys } from "./variables";

export type { ConditionValues } from "./variables";
export { evaluateConditionOperator } from "./conditions";
export type { EvaluationTrace } from "./trace";

/** What a request asks for, as policies see it. */
export interface RequestContext {
  /** e.g. `sts:AssumeRoleWithWebIdentity`, `s3:GetObject` (compared case-insensitively). */
  action: string;
  /** The resource ARN; leave undefined for trust policies, which have no `Resource`. */
  resource?: string;
  /**
   * The calling principal, for resource-based policies (a role's trust policy): e.g.
   * `{ type: "Federated", id: "arn:aws:iam::123456789012:oidc-provider/…" }`. Undefined for identity policies,
   * whose `Principal` element is then ignored. `aliases` are the other values a `Principal` entry of that type may
   * name the caller by (IAM "AWS JSON policy elements: Principal"): for an IAM user its account (`arn:aws:iam::ACCT:root`
   * or the bare account id), for a role session also the role's ARN. With `exact`, a wildcard `*` does not name it
   * (used to tell a statement that names the caller itself from one that names everyone).
   */
  principal?: { type: string; id: string; aliases?: readonly string[]; exact?: boolean };
  /** Condition keys and policy-variable values. */
  keys: ConditionValues;
}

/** The result of evaluating one or more policies. */
export type Decision = TraceDecision;

/** A policy document with the name a trace shows for it (a permission policy's name, `inline`, a managed ARN…). */
export interface NamedPolicy {
  name: string;
  document: PolicyDocument;
}

/** Thrown by {@link parsePolicyDocument}: `json` when the text is not JSON, `syntax` when it is not a policy. */
export class PolicyDocumentError extends Error {
  override readonly name = "PolicyDocumentError";
  constructor(
    readonly kind: "json" | "syntax",
    message: string,
  ) {
    super(message);
  }
}

function asList<T>(value: T | readonly T[] | undefined): readonly T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? (value as readonly T[]) : [value as T];
}

const NO_KEYS: Keys = new Map();

/**
 * True when `text` matches the policy `pattern` (`*` and `?` wildcards, policy variables substituted from `keys`).
 * Use for Action (ignoreCase), Resource and `StringLike`.
 */
export function matchesPattern(pattern: string, text: string, keys: ConditionValues = {}, ignoreCase = false): boolean {
  return globMatches(pattern, text, normaliseKeys(keys), ignoreCase);
}

// ---------------------------------------------------------------------------------------------------------------
// Statements

/** One request, prepared once for all statements of an evaluation. */
interface Prepared {
  ctx: RequestContext;
  keys: Keys;
}

/**
 * A list element (Action/Resource and their Not- forms): passes when a value matches (for Not-: when none does).
 * With `sink`, every value is tried and the check traced. `match` and `resolve` are given inline (tsx wraps named
 * closures at creation, which the hot path cannot afford).
 */
function listCheck(
  element: CheckTrace["element"],
  values: readonly string[],
  actual: string,
  match: (value: string) => boolean,
  resolve: ((value: string) => string | undefined) | undefined,
  keys: Keys,
  sink: CheckTrace[] | undefined,
): boolean {
  const negated = element === "NotAction" || element === "NotResource";
  if (!sink) return values.some(match) !== negated;
  const outcomes = values.map((written) => {
    const resolved = resolve ? resolve(written) : written;
    return { written, resolved, matched: match(written), ...(resolved === undefined ? { missing: missingVariables(written, keys) } : {}) };
  });
  const ok = outcomes.some((o) => o.matched) !== negated;
  sink.push(checkTrace(element, ok, outcomes, [actual]));
  return ok;
}

/** Whether a Principal entry (`type`, `id` as written) names the calling principal (`AWS: "*"` names anyone). */
function principalNamed(type: string, id: string, principal: NonNullable<RequestContext["principal"]>): boolean {
  if (id === "*") return principal.exact !== true && (type === "AWS" || type === principal.type);
  return type === principal.type && (id === principal.id || (principal.aliases !== undefined && principal.aliases.includes(id)));
}

function principalCheck(statement: PolicyStatement, principal: NonNullable<RequestContext["principal"]>, sink: CheckTrace[] | undefined): boolean {
  const negated = statement.NotPrincipal !== undefined;
  const listed = negated ? statement.NotPrincipal : statement.Principal;
  if (!sink) {
    return (listed === "*" || Object.entries(listed ?? {}).some(([type, ids]) => asList(ids).some((id) => principalNamed(type, id, principal)))) !== negated;
  }
  const entries: ValueOutcome[] = [];
  if (listed === "*") entries.push({ written: "*", resolved: "*", matched: true });
  else {
    for (const [type, ids] of Object.entries(listed ?? {})) {
      for (const id of asList(ids)) entries.push({ written: `${type} ${id}`, resolved: `${type} ${id}`, matched: principalNamed(type, id, principal) });
    }
  }
  const ok = entries.some((e) => e.matched) !== negated;
  sink.push(checkTrace(negated ? "NotPrincipal" : "Principal", ok, entries, [`${principal.type} ${principal.id}`]));
  return ok;
}

/**
 * Whether a statement applies (principal, action, resource and every condition match). Without `sink` it stops at
 * the first failing element; with it, every element is checked and traced.
 */
function statementApplies(statement: PolicyStatement, req: Prepared, variables: boolean, sink?: CheckTrace[]): boolean {
  const { ctx, keys } = req;
  let ok = true;
  // Rule: Principal applies to resource-based policies (trust policies) only.
  if (ctx.principal !== undefined && !principalCheck(statement, ctx.principal, sink)) {
    if (!sink) return false;
    ok = false;
  }
  const actionNot = statement.NotAction !== undefined;
  const actions = asList(actionNot ? statement.NotAction : statement.Action);
  if (!listCheck(actionNot ? "NotAction" : "Action", actions, ctx.action, (a) => globMatches(a, ctx.action, NO_KEYS, true, false), undefined, keys, sink)) {
    if (!sink) return false;
    ok = false;
  }
  // Rule: trust policies have no Resource; for the others, Resource/NotResource values take policy variables.
  const resource = ctx.resource;
  if (resource !== undefined) {
    const resourceNot = statement.NotResource !== undefined;
    const resources = asList(resourceNot ? statement.NotResource : statement.Resource);
    const element = resourceNot ? "NotResource" : "Resource";
    if (!listCheck(element, resources, resource, (r) => globMatches(r, resource, keys, false, variables), (r) => substitute(r, keys, variables), keys, sink)) {
      if (!sink) return false;
      ok = false;
    }
  }
  for (const [operator, block] of Object.entries(statement.Condition ?? {})) {
    if (!evaluateOperatorBlock(operator, block, keys, variables, sink)) {
      if (!sink) return false;
      ok = false;
    }
  }
  return ok;
}

/** True when the statement applies to the request (principal, action, resource and every condition match). */
export function statementMatches(statement: PolicyStatement, ctx: RequestContext): boolean {
  return statementApplies(statement, { ctx, keys: normaliseKeys(ctx.keys) }, true);
}

// ---------------------------------------------------------------------------------------------------------------
// Documents

/** Rule: policy variables are substituted only in policies of version 2012-10-17. */
function usesVariables(doc: PolicyDocument): boolean {
  return doc.Version === "2012-10-17";
}

/** Fast decision of several documents together: the first matching Deny ends it. */
function decide(documents: readonly PolicyDocument[], req: Prepared): Decision {
  let allowed = false;
  for (const doc of documents) {
    const variables = usesVariables(doc);
    for (const statement of asList(doc.Statement)) {
      if (!statementApplies(statement, req, variables)) continue;
      if (statement.Effect === "Deny") return "ExplicitDeny";
      allowed = true;
    }
  }
  return allowed ? "Allow" : "ImplicitDeny";
}

/** Every statement of one policy, every check traced. */
function tracePolicy(policy: NamedPolicy, kind: PolicyTrace["kind"], req: Prepared): PolicyTrace {
  const variables = usesVariables(policy.document);
  const statements: StatementTrace[] = asList(policy.document.Statement).map((statement, i) => {
    const checks: CheckTrace[] = [];
    const matched = statementApplies(statement, req, variables, checks);
    return { index: i + 1, ...(statement.Sid !== undefined ? { sid: statement.Sid } : {}), effect: statement.Effect, matched, checks };
  });
  const deny = statements.some((s) => s.matched && s.effect === "Deny");
  const allow = statements.some((s) => s.matched && s.effect === "Allow");
  return { name: policy.name, kind, decision: deny ? "ExplicitDeny" : allow ? "Allow" : "ImplicitDeny", statements };
}

/** Explicit Deny in any → ExplicitDeny; else Allow when every group has an Allow; else ImplicitDeny. */
function combine(groups: readonly (readonly PolicyTrace[])[]): Decision {
  const all = groups.flat();
  if (all.some((p) => p.decision === "ExplicitDeny")) return "ExplicitDeny";
  return groups.every((g) => g.some((p) => p.decision === "Allow")) ? "Allow" : "ImplicitDeny";
}

function traceOf(ctx: RequestContext, policies: PolicyTrace[], decision: Decision): EvaluationTrace {
  const request: EvaluationTrace["request"] = {
    action: ctx.action,
    ...(ctx.resource !== undefined ? { resource: ctx.resource } : {}),
    ...(ctx.principal ? { principal: { type: ctx.principal.type, id: ctx.principal.id } } : {}),
    keys: keysForTrace(ctx.keys),
  };
  return { decision, request, policies, summary: summarise(decision, request, policies) };
}

/**
 * Evaluate policies together: any matching Deny → `ExplicitDeny`; else any matching Allow → `Allow`; else
 * `ImplicitDeny`. Stops at the first matching Deny (no trace; see {@link evaluatePoliciesWithTrace}).
 */
export function evaluatePolicies(documents: readonly PolicyDocument[], ctx: RequestContext): Decision {
  return decide(documents, { ctx, keys: normaliseKeys(ctx.keys) });
}

/**
 * {@link evaluatePolicies} with its explanation: every statement of every policy, each check ✓/✗ against the
 * request's values, and a summary naming what decided. `kind` is `trust` for a role's trust policy (resource-based:
 * pass `ctx.principal`), `identity` for permission policies.
 */
export function evaluatePoliciesWithTrace(policies: readonly NamedPolicy[], kind: "trust" | "identity", ctx: RequestContext): EvaluationTrace {
  const req = { ctx, keys: normaliseKeys(ctx.keys) };
  const traces = policies.map((p) => tracePolicy(p, kind, req));
  return traceOf(ctx, traces, combine([traces]));
}

/**
 * Identity policies intersected with session policies (IAM "Session policies"): allowed only when nothing denies,
 * an identity policy allows, and — when session policies were passed — a session policy allows too.
 */
export function evaluateWithSessionPolicies(
  identityPolicies: readonly PolicyDocument[],
  sessionPolicies: readonly PolicyDocument[],
  ctx: RequestContext,
): Decision {
  const req = { ctx, keys: normaliseKeys(ctx.keys) };
  const identity = decide(identityPolicies, req);
  if (identity === "ExplicitDeny" || sessionPolicies.length === 0) return identity;
  const session = decide(sessionPolicies, req);
  if (session === "ExplicitDeny") return session;
  return identity === "Allow" && session === "Allow" ? "Allow" : "ImplicitDeny";
}

/**
 * {@link evaluateWithSessionPolicies} with its explanation: the role's identity policies (kind `identity`) then the
 * session policies (kind `session`: the inline policy and the managed policies passed to AssumeRoleWithWebIdentity),
 * all evaluated in full.
 */
export function evaluateWithSessionPoliciesWithTrace(
  identityPolicies: readonly NamedPolicy[],
  sessionPolicies: readonly NamedPolicy[],
  ctx: RequestContext,
): EvaluationTrace {
  const req = { ctx, keys: normaliseKeys(ctx.keys) };
  const identity = identityPolicies.map((p) => tracePolicy(p, "identity", req));
  const session = sessionPolicies.map((p) => tracePolicy(p, "session", req));
  const decision = combine(session.length > 0 ? [identity, session] : [identity]);
  return traceOf(ctx, [...identity, ...session], decision);
}

// ---------------------------------------------------------------------------------------------------------------
// Parsing

function isStringOrStrings(v: unknown): boolean {
  return typeof v === "string" || (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === "string"));
}

/**
 * Parse and structurally check a policy document (`Statement` object or non-empty array; each statement has
 * `Effect` Allow/Deny, `Action` or `NotAction`, well-typed optional elements).
 * @throws PolicyDocumentError `json` when not JSON, `syntax` when not a policy.
 */
export function parsePolicyDocument(text: string, opts: { allowPrincipal?: boolean } = {}): PolicyDocument {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new PolicyDocumentError("json", "The policy is not in the valid JSON format.");
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new PolicyDocumentError("syntax", "Syntax errors in policy.");
  const doc = raw as Record<string, unknown>;
  if (doc.Version !== undefined && doc.Version !== "2012-10-17" && doc.Version !== "2008-10-17") {
    throw new PolicyDocumentError("syntax", "The policy must contain a valid version string");
  }
  const statements = Array.isArray(doc.Statement) ? doc.Statement : doc.Statement === undefined ? [] : [doc.Statement];
  if (statements.length === 0) throw new PolicyDocumentError("syntax", "Syntax errors in policy.");
  for (const s of statements as unknown[]) {
    if (typeof s !== "object" || s === null || Array.isArray(s)) throw new PolicyDocumentError("syntax", "Syntax errors in policy.");
    const st = s as Record<string, unknown>;
    if (st.Effect !== "Allow" && st.Effect !== "Deny") throw new PolicyDocumentError("syntax", "Syntax errors in policy.");
    if ((st.Action === undefined) === (st.NotAction === undefined)) throw new PolicyDocumentError("syntax", "Syntax errors in policy.");
    for (const el of ["Action", "NotAction", "Resource", "NotResource"]) {
      if (st[el] !== undefined && !isStringOrStrings(st[el])) throw new PolicyDocumentError("syntax", "Syntax errors in policy.");
    }
    if (!opts.allowPrincipal && (st.Principal !== undefined || st.NotPrincipal !== undefined)) {
      throw new PolicyDocumentError("syntax", "Policy document should not specify a principal.");
    }
    if (st.Condition !== undefined) {
      if (typeof st.Condition !== "object" || st.Condition === null || Array.isArray(st.Condition)) {
        throw new PolicyDocumentError("syntax", "Syntax errors in policy.");
      }
      for (const block of Object.values(st.Condition as Record<string, unknown>)) {
        if (typeof block !== "object" || block === null || Array.isArray(block)) throw new PolicyDocumentError("syntax", "Syntax errors in policy.");
        for (const v of Object.values(block as Record<string, unknown>)) {
          if (typeof v !== "boolean" && !isStringOrStrings(v)) throw new PolicyDocumentError("syntax", "Syntax errors in policy.");
        }
      }
    }
  }
  return raw as PolicyDocument;
}
