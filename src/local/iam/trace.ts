/**
 * The explanation the local IAM evaluator gives for a decision ("which check failed?"), its one-line texts, and a
 * small in-memory store of recent traces by request id. The JSON shape is a contract: the S3 and STS stand-ins serve
 * it on the loopback-only `GET /__local/trace/<requestId>` (a local-stack extension real AWS does not have) and the
 * browser app parses it independently, so field names never change. Traces carry condition keys, ARNs and policy
 * text — never access keys, secrets or session tokens.
 */

/** A decision: explicit Deny wins, then any Allow, else implicit deny (IAM User Guide "Policy evaluation logic"). */
export type TraceDecision = "Allow" | "ExplicitDeny" | "ImplicitDeny";

/** Why a request was allowed or refused. */
export interface EvaluationTrace {
  decision: TraceDecision;
  request: { action: string; resource?: string; principal?: { type: string; id: string }; keys: Record<string, string[]> };
  /** Every policy evaluated, in order. */
  policies: PolicyTrace[];
  /** One plain sentence naming the check that decided. */
  summary: string;
}

/** One policy's statements and its own decision. */
export interface PolicyTrace {
  /** The permission policy's name, the role's name for a trust policy, `inline` or the ARN for a session policy. */
  name: string;
  kind: "trust" | "identity" | "session";
  decision: TraceDecision;
  statements: StatementTrace[];
}

/** One statement: every check evaluated (none skipped), `matched` when all are ok. */
export interface StatementTrace {
  /** 1-based position in the policy's `Statement` list (as the summary names it: "statement 1"). */
  index: number;
  sid?: string;
  effect: "Allow" | "Deny";
  matched: boolean;
  checks: CheckTrace[];
}

/** One element of a statement (or one key of a condition operator) against the request. */
export interface CheckTrace {
  element: "Principal" | "NotPrincipal" | "Action" | "NotAction" | "Resource" | "NotResource" | "Condition";
  ok: boolean;
  /** The policy's values as written (e.g. "users/${127.0.0.1:9400:sub}/*") … */
  expected: string[];
  /** … with policy variables filled in, when any (a value whose variable has no value stays as written). */
  resolved?: string[];
  /** The request's values (for a condition: the key's values; [] when the key is absent). */
  actual: string[];
  /** Condition only: the operator as written (e.g. "StringLike", "ForAnyValue:StringEquals", "StringEqualsIfExists") and the key. */
  operator?: string;
  key?: string;
  /** One readable line, e.g. `StringLike 127.0.0.1:9400:sub = alice ✗ got bob`, or `Action s3:GetObject ✓`. */
  text: string;
}

// ---------------------------------------------------------------------------------------------------------------
// Building checks

/** How one policy value fared: as written, with variables filled in (undefined: a variable had no value), matched. */
export interface ValueOutcome {
  written: string;
  resolved: string | undefined;
  /** Keys of variables without a value (only when `resolved` is undefined). */
  missing?: string[];
  matched: boolean;
}

function showValue(v: ValueOutcome): string {
  if (v.resolved === undefined) return `${v.written} (${(v.missing ?? []).join(", ")} has no value)`;
  return v.resolved === v.written ? v.written : `${v.resolved} (${v.written})`;
}

/** The policy values a line shows: those that matched the request when any did, else all of them. */
function shown(values: readonly ValueOutcome[]): ValueOutcome[] {
  const matched = values.filter((v) => v.matched);
  return matched.length > 0 ? matched : [...values];
}

/** Values a line or the summary shows, joined with "or" ("(none)" when the element lists none). */
export function showValues(values: readonly ValueOutcome[]): string {
  return values.length === 0 ? "(none)" : values.map(showValue).join(" or ");
}

/**
 * A check's trace and its readable line: `<element or operator key => <values> ✓|✗`, then `got <request values>` unless
 * the line already says it (a ✓ on exactly the request's value), e.g. `StringLike 127.0.0.1:9400:sub = alice ✗ got
 * bob`, `Action s3:GetObject ✓`, `Resource arn:…/users/alice/* (arn:…/users/${127.0.0.1:9400:sub}/*) ✗ got arn:…`.
 */
export function checkTrace(
  element: CheckTrace["element"],
  ok: boolean,
  values: readonly ValueOutcome[],
  actual: readonly string[],
  condition?: { operator: string; key: string },
): CheckTrace {
  const expected = values.map((v) => v.written);
  const withVariables = values.some((v) => v.resolved !== v.written);
  const lineValues = shown(values);
  const head = condition ? `${condition.operator} ${condition.key} = ` : `${element} `;
  const echoes = ok && lineValues.length === 1 && actual.length === 1 && lineValues[0]?.resolved === actual[0];
  const got = echoes ? "" : ` got ${actual.length === 0 ? "nothing (key absent)" : actual.join(", ")}`;
  return {
    element,
    ok,
    expected,
    ...(withVariables ? { resolved: values.map((v) => v.resolved ?? v.written) } : {}),
    actual: [...actual],
    ...(condition ? { operator: condition.operator, key: condition.key } : {}),
    text: `${head}${showValues(lineValues)} ${ok ? "✓" : "✗"}${got}`,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The summary sentence

/** How a failed check reads inside the summary, e.g. `condition StringLike 127.0.0.1:9400:sub = alice is not met (got bob)`. */
function failurePhrase(check: CheckTrace): string {
  const values = check.expected.map((written, i) => {
    const resolved = check.resolved?.[i];
    return resolved !== undefined && resolved !== written ? `${resolved} (${written})` : written;
  });
  const list = values.length === 0 ? "(none)" : values.join(" or ");
  if (check.element === "Condition") {
    const got = check.actual.length === 0 ? "the key is absent" : `got ${check.actual.join(", ")}`;
    return `condition ${check.operator ?? ""} ${check.key ?? ""} = ${list} is not met (${got})`;
  }
  if (check.element.startsWith("Not")) return `${check.element} ${list} covers ${check.actual.join(", ")}`;
  if (check.element === "Principal") return `Principal ${list} does not match ${check.actual.join(", ")}`;
  return `${check.element} ${list} does not match`;
}

function statementName(s: StatementTrace): string {
  return `statement ${s.index}${s.sid ? ` (${s.sid})` : ""}`;
}

function policyPlace(p: PolicyTrace): string {
  if (p.kind === "trust") return `the trust policy of ${p.name}`;
  if (p.kind === "session") return `session policy ${p.name}`;
  return p.name;
}

/**
 * Why no statement of these policies allowed: the Allow statements that came closest. A statement about the requested
 * action is closer than any statement about other actions (a statement for sts:GetAccessKeyInfo says nothing about an
 * S3 refusal); among those, the fewest failed checks win.
 */
function whyNoAllow(policies: readonly PolicyTrace[]): string {
  if (policies.length === 0) return "there are no policies to allow it";
  let best = Number.POSITIVE_INFINITY;
  const closest: { policy: PolicyTrace; statement: StatementTrace; failed: CheckTrace[] }[] = [];
  for (const policy of policies) {
    for (const statement of policy.statements) {
      if (statement.effect !== "Allow") continue;
      const failed = statement.checks.filter((c) => !c.ok);
      const otherAction = failed.some((c) => c.element === "Action" || c.element === "NotAction");
      // Rank: other-action statements after every statement about this action, then by the number of failed checks.
      const rank = (otherAction ? 1000 : 0) + failed.length;
      if (rank > best) continue;
      if (rank < best) closest.length = 0;
      best = rank;
      closest.push({ policy, statement, failed });
    }
  }
  if (closest.length === 0) return `${policies.map(policyPlace).join(", ")} ${policies.length === 1 ? "has" : "have"} no Allow statement`;
  return closest
    .map(({ policy, statement, failed }) => `in ${policyPlace(policy)}, ${statementName(statement)}'s ${failed.map(failurePhrase).join(" and its ")}`)
    .join("; ");
}

function what(request: EvaluationTrace["request"]): string {
  if (request.resource !== undefined) return `${request.action} on ${request.resource}`;
  if (request.principal) return `${request.action} for ${request.principal.type} ${request.principal.id}`;
  return request.action;
}

function firstMatch(policies: readonly PolicyTrace[], effect: "Allow" | "Deny"): string {
  for (const policy of policies) {
    const statement = policy.statements.find((s) => s.effect === effect && s.matched);
    if (statement) return `in ${policyPlace(policy)}, ${statementName(statement)}`;
  }
  return "";
}

/**
 * The summary of a decision over identity (or trust) policies and, when `session` policies were passed, their
 * intersection (IAM User Guide "Session policies"): names the matching Deny, the Allow(s) that decided, or the checks
 * that kept the closest Allow statements from matching.
 */
export function summarise(decision: TraceDecision, request: EvaluationTrace["request"], policies: readonly PolicyTrace[]): string {
  const primary = policies.filter((p) => p.kind !== "session");
  const session = policies.filter((p) => p.kind === "session");
  if (decision === "ExplicitDeny") return `Explicitly denied: ${firstMatch(policies, "Deny")} denies ${what(request)}.`;
  if (decision === "Allow") {
    const also = session.length > 0 ? `, and ${firstMatch(session, "Allow")} allows it too` : "";
    return `Allowed: ${firstMatch(primary, "Allow")} allows ${what(request)}${also}.`;
  }
  const primaryAllows = primary.some((p) => p.decision === "Allow");
  if (primaryAllows && session.length > 0) {
    const allowing = firstMatch(primary, "Allow");
    return `${allowing.charAt(0).toUpperCase()}${allowing.slice(1)} allows ${what(request)}, but no session policy does: ${whyNoAllow(session)}.`;
  }
  return `No statement allows ${what(request)}: ${whyNoAllow(primary)}.`;
}

// ---------------------------------------------------------------------------------------------------------------
// Recent traces

/** Recent traces by request id, bounded (the oldest is evicted first). */
export interface TraceStore {
  /**
   * Keep `trace` under `requestId` (recording an id again replaces it and makes it the newest), with the encoded
   * authorization message of the refusal when there is one (DecodeAuthorizationMessage decodes it).
   */
  record(requestId: string, trace: EvaluationTrace, encodedAuthorizationMessage?: string): void;
  /** The trace recorded under `requestId`, if still kept. */
  get(requestId: string): EvaluationTrace | undefined;
  /** The encoded authorization message recorded with the trace under `requestId`, if any. */
  encodedMessage(requestId: string): string | undefined;
  /** How many traces are kept. */
  readonly size: number;
}

/** An in-memory {@link TraceStore} keeping at most `max` traces (default 200). */
export function createTraceStore(opts: { max?: number } = {}): TraceStore {
  const max = opts.max ?? 200;
  if (!Number.isInteger(max) || max < 1) throw new RangeError("max must be a positive integer");
  const traces = new Map<string, { trace: EvaluationTrace; encoded?: string }>();
  return {
    record(requestId, trace, encodedAuthorizationMessage) {
      traces.delete(requestId);
      traces.set(requestId, encodedAuthorizationMessage === undefined ? { trace } : { trace, encoded: encodedAuthorizationMessage });
      while (traces.size > max) {
        const oldest = traces.keys().next();
        if (oldest.done) break;
        traces.delete(oldest.value);
      }
    },
    get: (requestId) => traces.get(requestId)?.trace,
    encodedMessage: (requestId) => traces.get(requestId)?.encoded,
    get size() {
      return traces.size;
    },
  };
}
