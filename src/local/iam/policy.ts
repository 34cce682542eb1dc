/**
 * IAM policy evaluation for the local stack: trust policies (STS) now, permission and session policies (S3) later.
 * Follows the IAM User Guide "Policy evaluation logic" (explicit Deny wins, then any Allow, else implicit deny),
 * "IAM JSON policy elements: Condition operators" (String*, `…IfExists`, `Null`, `Bool`, the `ForAnyValue:` /
 * `ForAllValues:` set operators) and "IAM policy elements: Variables and tags" (`${key}`, `${key, 'default'}`,
 * `${*}`, `${?}`, `${$}`). Condition key names compare case-insensitively, values case-sensitively (except the
 * `…IgnoreCase` operators); an unknown operator makes its statement not match.
 */
import type { PolicyDocument, PolicyStatement } from "../config";

/** Condition keys → values (a key with several values is multi-valued, e.g. `amr`, `oaud`). */
export type ConditionValues = Readonly<Record<string, string | readonly string[] | undefined>>;

/** What a request asks for, as policies see it. */
export interface RequestContext {
  /** e.g. `sts:AssumeRoleWithWebIdentity`, `s3:GetObject` (compared case-insensitively). */
  action: string;
  /** The resource ARN; leave undefined for trust policies, which have no `Resource`. */
  resource?: string;
  /**
   * The calling principal, for resource-based policies (a role's trust policy): e.g.
   * `{ type: "Federated", id: "arn:aws:iam::123456789012:oidc-provider/…" }`. Undefined for identity policies,
   * whose `Principal` element is then ignored.
   */
  principal?: { type: string; id: string };
  /** Condition keys and policy-variable values. */
  keys: ConditionValues;
}

/** The result of evaluating one or more policies. */
export type Decision = "Allow" | "ExplicitDeny" | "ImplicitDeny";

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

type Keys = Map<string, readonly string[]>;

function normaliseKeys(keys: ConditionValues): Keys {
  const out: Keys = new Map();
  for (const [k, v] of Object.entries(keys)) {
    if (v === undefined) continue;
    out.set(k.toLowerCase(), typeof v === "string" ? [v] : v);
  }
  return out;
}

function asList<T>(value: T | readonly T[] | undefined): readonly T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? (value as readonly T[]) : [value as T];
}

// ---------------------------------------------------------------------------------------------------------------
// Wildcards and policy variables

/** A pattern compiled to code points, with `*` / `?` wildcard markers. */
type Glob = (string | typeof STAR | typeof ONE)[];
const STAR = Symbol("*");
const ONE = Symbol("?");

/**
 * Compile a policy value: substitute policy variables (their values are literal text) and, when `wildcards`,
 * turn the remaining `*`/`?` into wildcards. Returns undefined when a variable has no value (the value then
 * matches nothing, as in IAM).
 */
function compile(pattern: string, keys: Keys, wildcards: boolean): Glob | undefined {
  const out: Glob = [];
  let i = 0;
  // Bounded: each iteration consumes at least one character.
  while (i < pattern.length) {
    if (pattern.startsWith("${", i)) {
      const end = pattern.indexOf("}", i + 2);
      if (end > 0) {
        const value = variableValue(pattern.slice(i + 2, end), keys);
        if (value === undefined) return undefined;
        out.push(...Array.from(value));
        i = end + 1;
        continue;
      }
    }
    const c = String.fromCodePoint(pattern.codePointAt(i) ?? 0);
    out.push(wildcards && c === "*" ? STAR : wildcards && c === "?" ? ONE : c);
    i += c.length;
  }
  return out;
}

function variableValue(inner: string, keys: Keys): string | undefined {
  const special: Record<string, string> = { "*": "*", "?": "?", $: "$" };
  const trimmed = inner.trim();
  if (trimmed in special) return special[trimmed];
  const m = /^([^,]+?)\s*(?:,\s*'([^']*)')?$/.exec(trimmed);
  if (!m) return undefined;
  const values = keys.get((m[1] ?? "").toLowerCase());
  if (values && values.length === 1) return values[0];
  return m[2]; // the default, or undefined (multi-valued keys are not usable as variables)
}

/** Glob match over code points (`*` any run, `?` one character), iterative with single-star backtracking. */
function globMatch(glob: Glob, text: string, ignoreCase: boolean): boolean {
  const t = Array.from(ignoreCase ? text.toLowerCase() : text);
  const p = ignoreCase ? glob.map((g) => (typeof g === "string" ? g.toLowerCase() : g)) : glob;
  let ti = 0;
  let pi = 0;
  let starP = -1;
  let starT = 0;
  while (ti < t.length) {
    const g = p[pi];
    if (pi < p.length && (g === ONE || g === t[ti])) {
      ti++;
      pi++;
    } else if (pi < p.length && g === STAR) {
      starP = pi++;
      starT = ti;
    } else if (starP >= 0) {
      pi = starP + 1;
      ti = ++starT;
    } else {
      return false;
    }
  }
  while (pi < p.length && p[pi] === STAR) pi++;
  return pi === p.length;
}

/**
 * True when `text` matches the policy `pattern` (`*` and `?` wildcards, policy variables substituted from `keys`).
 * Use for Action (ignoreCase), Resource and `StringLike`.
 */
export function matchesPattern(pattern: string, text: string, keys: ConditionValues = {}, ignoreCase = false): boolean {
  const glob = compile(pattern, normaliseKeys(keys), true);
  return glob !== undefined && globMatch(glob, text, ignoreCase);
}

// ---------------------------------------------------------------------------------------------------------------
// Condition operators

type Comparator = (requestValue: string, policyValue: string, keys: Keys) => boolean;

function literal(policyValue: string, keys: Keys): string | undefined {
  const glob = compile(policyValue, keys, false);
  return glob?.map((g) => (typeof g === "string" ? g : "")).join("");
}

/** Base operators as positive comparators; `negated` ones are evaluated as NOT of the positive comparison. */
const OPERATORS: Record<string, { compare: Comparator; negated: boolean }> = {
  StringEquals: { compare: (r, p, k) => literal(p, k) === r, negated: false },
  StringNotEquals: { compare: (r, p, k) => literal(p, k) === r, negated: true },
  StringEqualsIgnoreCase: { compare: (r, p, k) => literal(p, k)?.toLowerCase() === r.toLowerCase(), negated: false },
  StringNotEqualsIgnoreCase: { compare: (r, p, k) => literal(p, k)?.toLowerCase() === r.toLowerCase(), negated: true },
  StringLike: { compare: (r, p, k) => matchGlob(p, r, k), negated: false },
  StringNotLike: { compare: (r, p, k) => matchGlob(p, r, k), negated: true },
  Bool: { compare: (r, p) => r.toLowerCase() === p.toLowerCase(), negated: false },
};

function matchGlob(policyValue: string, requestValue: string, keys: Keys): boolean {
  const glob = compile(policyValue, keys, true);
  return glob !== undefined && globMatch(glob, requestValue, false);
}

function policyValues(value: string | string[] | boolean): string[] {
  if (typeof value === "boolean") return [String(value)];
  return typeof value === "string" ? [value] : value.map(String);
}

/**
 * Evaluate one condition operator block (`{"StringEquals": {"key": ["v1", "v2"]}, …}` entry): every key must
 * pass (AND); a key passes when any of its policy values matches (OR). Unknown operators do not match.
 */
export function evaluateConditionOperator(
  operator: string,
  block: Readonly<Record<string, string | string[] | boolean>>,
  keys: ConditionValues,
): boolean {
  return conditionOperator(operator, block, normaliseKeys(keys));
}

function conditionOperator(operator: string, block: Readonly<Record<string, string | string[] | boolean>>, keys: Keys): boolean {
  let set: "any" | "all" | undefined;
  let name = operator;
  if (name.startsWith("ForAnyValue:")) {
    set = "any";
    name = name.slice("ForAnyValue:".length);
  } else if (name.startsWith("ForAllValues:")) {
    set = "all";
    name = name.slice("ForAllValues:".length);
  }
  const ifExists = name.endsWith("IfExists") && name !== "IfExists";
  if (ifExists) name = name.slice(0, -"IfExists".length);

  for (const [key, raw] of Object.entries(block)) {
    const wanted = policyValues(raw);
    const present = keys.get(key.toLowerCase()) ?? [];
    if (name === "Null") {
      // Rule: Null "true" means the key is absent, "false" that it is present.
      if (set !== undefined || ifExists) return false;
      if (!wanted.some((w) => (w.toLowerCase() === "true") === (present.length === 0))) return false;
      continue;
    }
    const op = OPERATORS[name];
    if (!op) return false; // Rule: an unknown operator never matches.
    const matchesAny = (r: string) => wanted.some((w) => op.compare(r, w, keys));
    let ok: boolean;
    if (present.length === 0) {
      // Rule: a missing key fails positive operators, passes negated ones, ForAllValues and …IfExists.
      ok = ifExists || (set === undefined ? op.negated : set === "all");
    } else if (set === "any") {
      ok = op.negated ? present.some((r) => !matchesAny(r)) : present.some(matchesAny);
    } else if (set === "all") {
      ok = op.negated ? present.every((r) => !matchesAny(r)) : present.every(matchesAny);
    } else {
      const positive = present.some(matchesAny);
      ok = op.negated ? !positive : positive;
    }
    if (!ok) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------------------------
// Statements and documents

function principalMatches(statement: PolicyStatement, principal: RequestContext["principal"]): boolean {
  if (principal === undefined) return true; // identity-based: Principal does not apply
  const listed = (p: PolicyStatement["Principal"]): boolean => {
    if (p === undefined) return false;
    if (p === "*") return true;
    for (const [type, ids] of Object.entries(p)) {
      const list = asList(ids);
      if (type === "AWS" && list.includes("*")) return true;
      if (type === principal.type && list.some((id) => id === "*" || id === principal.id)) return true;
    }
    return false;
  };
  if (statement.NotPrincipal !== undefined) return !listed(statement.NotPrincipal);
  return listed(statement.Principal);
}

function actionMatches(statement: PolicyStatement, action: string): boolean {
  if (statement.NotAction !== undefined) return !asList(statement.NotAction).some((a) => matchesPattern(a, action, {}, true));
  return asList(statement.Action).some((a) => matchesPattern(a, action, {}, true));
}

function resourceMatches(statement: PolicyStatement, resource: string | undefined, keys: Keys): boolean {
  if (resource === undefined) return true; // trust policies have no Resource
  const match = (r: string) => {
    const glob = compile(r, keys, true);
    return glob !== undefined && globMatch(glob, resource, false);
  };
  if (statement.NotResource !== undefined) return !asList(statement.NotResource).some(match);
  return asList(statement.Resource).some(match);
}

function conditionsMatch(statement: PolicyStatement, keys: Keys): boolean {
  for (const [operator, block] of Object.entries(statement.Condition ?? {})) {
    if (!conditionOperator(operator, block, keys)) return false;
  }
  return true;
}

/** True when the statement applies to the request (principal, action, resource and every condition match). */
export function statementMatches(statement: PolicyStatement, ctx: RequestContext): boolean {
  const keys = normaliseKeys(ctx.keys);
  return (
    principalMatches(statement, ctx.principal) &&
    actionMatches(statement, ctx.action) &&
    resourceMatches(statement, ctx.resource, keys) &&
    conditionsMatch(statement, keys)
  );
}

/**
 * Evaluate policies together: any matching Deny → `ExplicitDeny`; else any matching Allow → `Allow`; else
 * `ImplicitDeny`.
 */
export function evaluatePolicies(documents: readonly PolicyDocument[], ctx: RequestContext): Decision {
  let allowed = false;
  for (const doc of documents) {
    for (const statement of asList(doc.Statement)) {
      if (!statementMatches(statement, ctx)) continue;
      if (statement.Effect === "Deny") return "ExplicitDeny";
      if (statement.Effect === "Allow") allowed = true;
    }
  }
  return allowed ? "Allow" : "ImplicitDeny";
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
  const identity = evaluatePolicies(identityPolicies, ctx);
  if (identity === "ExplicitDeny") return identity;
  if (sessionPolicies.length === 0) return identity;
  const session = evaluatePolicies(sessionPolicies, ctx);
  if (session === "ExplicitDeny") return session;
  return identity === "Allow" && session === "Allow" ? "Allow" : "ImplicitDeny";
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
