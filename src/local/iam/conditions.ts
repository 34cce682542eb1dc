/**
 * Condition operators of the local IAM evaluator, per IAM User Guide "IAM JSON policy elements: Condition operators"
 * and "Single-valued vs. multivalued context keys": String* (incl. `…IgnoreCase`, `StringLike`/`StringNotLike`),
 * Numeric*, Date* (ISO 8601 or epoch seconds), `Bool`, `BinaryEquals`, `IpAddress`/`NotIpAddress` (IPv4 and IPv6
 * CIDR), `ArnEquals`/`ArnLike`/`ArnNotEquals`/`ArnNotLike` (each of the six ARN components matched on its own), `Null`;
 * the `…IfExists` suffix; the `ForAnyValue:` / `ForAllValues:` set prefixes.
 *
 * Rules: the keys of one operator are ANDed, the values of one key ORed (for negated operators NORed: the key passes
 * when no value matches); a missing key fails positive operators and `ForAnyValue:`, and passes negated operators,
 * `ForAllValues:` and `…IfExists`; an unknown operator never matches, so its statement does not apply. Policy
 * variables are filled in for String* and Arn* values.
 */
import { checkTrace, type CheckTrace, type ValueOutcome } from "./trace";
import { compile, globMatch, missingVariables, normaliseKeys, substitute, type ConditionValues, type Glob, type Keys } from "./variables";

/** A condition operator block's values for one key, as written in the policy. */
export type ConditionBlock = Readonly<Record<string, string | string[] | boolean>>;

/** Tests one request value; built once per policy value. */
type Matcher = (requestValue: string) => boolean;

interface Operator {
  /** Negated operators pass when no policy value matches (the positive comparison is NOT-ed). */
  negated: boolean;
  /** Whether policy variables are filled in (String* and Arn* only). */
  variables: boolean;
  /** A matcher for one policy value (variables already filled in when allowed); undefined when it matches nothing. */
  prepare(policyValue: string, keys: Keys, variables: boolean): Matcher | undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Value parsers

const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

function parseNumber(text: string): number | undefined {
  const t = text.trim();
  return NUMBER.test(t) ? Number(t) : undefined;
}

/** ms since the epoch, from epoch seconds or an ISO 8601 date/time (UTC when it names no zone). */
export function parseDate(text: string): number | undefined {
  const t = text.trim();
  if (/^\d+$/.test(t)) return Number(t) * 1000;
  if (!/^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i.test(t)) return undefined;
  const zoned = t.length > 10 && !/(?:Z|[+-]\d{2}:?\d{2})$/i.test(t) ? `${t.replace(" ", "T")}Z` : t.replace(" ", "T");
  const ms = Date.parse(zoned);
  return Number.isNaN(ms) ? undefined : ms;
}

/** An IP address as a number with its width (32 or 128 bits); IPv4-mapped IPv6 addresses (`::ffff:a.b.c.d`) as IPv4. */
interface Ip {
  bits: 32 | 128;
  value: bigint;
}

function parseIpv4(text: string): bigint | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m) return undefined;
  let value = 0n;
  for (const part of m.slice(1)) {
    const n = Number(part);
    if (n > 255) return undefined;
    value = (value << 8n) | BigInt(n);
  }
  return value;
}

function parseIpv6Groups(text: string): number[] | undefined {
  if (text === "") return [];
  const groups: number[] = [];
  const parts = text.split(":");
  for (const [i, part] of parts.entries()) {
    if (i === parts.length - 1 && part.includes(".")) {
      const v4 = parseIpv4(part);
      if (v4 === undefined) return undefined;
      groups.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
    } else if (/^[0-9a-f]{1,4}$/i.test(part)) {
      groups.push(parseInt(part, 16));
    } else {
      return undefined;
    }
  }
  return groups;
}

/** Parse an IPv4 or IPv6 address (a zone id `%…` is ignored). */
export function parseIp(text: string): Ip | undefined {
  const t = text.trim().replace(/%.*$/, "");
  const v4 = parseIpv4(t);
  if (v4 !== undefined) return { bits: 32, value: v4 };
  if (!t.includes(":")) return undefined;
  const halves = t.split("::");
  if (halves.length > 2) return undefined;
  const head = parseIpv6Groups(halves[0] ?? "");
  const tail = halves.length === 2 ? parseIpv6Groups(halves[1] ?? "") : [];
  if (!head || !tail) return undefined;
  const fill = 8 - head.length - tail.length;
  if (halves.length === 2 ? fill < 1 : fill !== 0) return undefined;
  let value = 0n;
  for (const g of [...head, ...Array<number>(Math.max(fill, 0)).fill(0), ...tail]) value = (value << 16n) | BigInt(g);
  if (value >> 32n === 0xffffn) return { bits: 32, value: value & 0xffffffffn };
  return { bits: 128, value };
}

/** A CIDR block (`203.0.113.0/24`, `2001:DB8:1234:5678::/64`; a bare address is a /32 or /128) as a matcher. */
function cidrMatcher(block: string): Matcher | undefined {
  const [address = "", prefixText, extra] = block.trim().split("/");
  if (extra !== undefined) return undefined;
  const net = parseIp(address);
  if (!net) return undefined;
  // A mapped address in the policy (::ffff:a.b.c.d/120) keeps its IPv6 prefix length relative to 128 bits.
  const declaredBits = address.includes(":") ? 128 : 32;
  const prefix = prefixText === undefined ? declaredBits : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
  if (!(prefix >= 0 && prefix <= declaredBits)) return undefined;
  const effective = prefix - (declaredBits - net.bits);
  if (effective < 0) return undefined;
  const shift = BigInt(net.bits - effective);
  return (requestValue) => {
    const ip = parseIp(requestValue);
    return ip !== undefined && ip.bits === net.bits && ip.value >> shift === net.value >> shift;
  };
}

/** Split a compiled pattern into its first five `:`-separated components and the rest (an ARN's six components). */
function arnComponents<T>(items: readonly T[], isColon: (item: T) => boolean): T[][] | undefined {
  const parts: T[][] = [[]];
  for (const item of items) {
    if (parts.length < 6 && isColon(item)) parts.push([]);
    else parts[parts.length - 1]?.push(item);
  }
  return parts.length === 6 ? parts : undefined;
}

function arnMatcher(policyValue: string, keys: Keys, variables: boolean): Matcher | undefined {
  const glob = compile(policyValue, keys, true, variables);
  if (!glob) return undefined;
  const wanted = arnComponents<Glob[number]>(glob, (g) => g === ":");
  if (!wanted) return (r) => globMatch(glob, r, false); // not an ARN pattern: match it whole
  return (requestValue) => {
    const got = arnComponents(Array.from(requestValue), (c) => c === ":");
    return got !== undefined && wanted.every((component, i) => globMatch(component, (got[i] ?? []).join(""), false));
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Operators

function literalMatcher(compare: (request: string, policy: string) => boolean): Operator["prepare"] {
  return (p, keys, variables) => {
    const value = substitute(p, keys, variables);
    return value === undefined ? undefined : (r) => compare(r, value);
  };
}

function parsedMatcher(parse: (text: string) => number | undefined, compare: (request: number, policy: number) => boolean): Operator["prepare"] {
  return (p) => {
    const policy = parse(p);
    if (policy === undefined) return undefined;
    return (r) => {
      const request = parse(r);
      return request !== undefined && compare(request, policy);
    };
  };
}

const stringEquals = literalMatcher((r, p) => r === p);
const stringEqualsIgnoreCase = literalMatcher((r, p) => r.toLowerCase() === p.toLowerCase());
const stringLike: Operator["prepare"] = (p, keys, variables) => {
  const glob = compile(p, keys, true, variables);
  return glob === undefined ? undefined : (r) => globMatch(glob, r, false);
};
const binaryEquals: Operator["prepare"] = (p) => {
  const policy = Buffer.from(p, "base64");
  return (r) => policy.equals(Buffer.from(r, "base64"));
};

const op = (prepare: Operator["prepare"], negated = false, variables = false): Operator => ({ prepare, negated, variables });

/** The six ordered comparisons of a family (`Numeric…`, `Date…`) over parsed values; unparsable values match nothing. */
function ordered(family: string, parse: (text: string) => number | undefined): Record<string, Operator> {
  const equals = parsedMatcher(parse, (r, p) => r === p);
  return {
    [`${family}Equals`]: op(equals),
    [`${family}NotEquals`]: op(equals, true),
    [`${family}LessThan`]: op(parsedMatcher(parse, (r, p) => r < p)),
    [`${family}LessThanEquals`]: op(parsedMatcher(parse, (r, p) => r <= p)),
    [`${family}GreaterThan`]: op(parsedMatcher(parse, (r, p) => r > p)),
    [`${family}GreaterThanEquals`]: op(parsedMatcher(parse, (r, p) => r >= p)),
  };
}

/** The base operators (without `ForAnyValue:`/`ForAllValues:` and `IfExists`), except `Null`. */
const OPERATORS: Readonly<Record<string, Operator>> = {
  StringEquals: op(stringEquals, false, true),
  StringNotEquals: op(stringEquals, true, true),
  StringEqualsIgnoreCase: op(stringEqualsIgnoreCase, false, true),
  StringNotEqualsIgnoreCase: op(stringEqualsIgnoreCase, true, true),
  StringLike: op(stringLike, false, true),
  StringNotLike: op(stringLike, true, true),
  ...ordered("Numeric", parseNumber),
  ...ordered("Date", parseDate),
  Bool: op(literalMatcher((r, p) => r.toLowerCase() === p.toLowerCase())),
  BinaryEquals: op(binaryEquals),
  IpAddress: op((p) => cidrMatcher(p)),
  NotIpAddress: op((p) => cidrMatcher(p), true),
  ArnEquals: op(arnMatcher, false, true),
  ArnLike: op(arnMatcher, false, true),
  ArnNotEquals: op(arnMatcher, true, true),
  ArnNotLike: op(arnMatcher, true, true),
};

/** An operator name split into its set prefix, base name and `IfExists` suffix. */
interface ParsedOperator {
  set: "any" | "all" | undefined;
  name: string;
  ifExists: boolean;
}

function parseOperator(operator: string): ParsedOperator {
  let set: ParsedOperator["set"];
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
  return { set, name, ifExists };
}

function policyValues(value: string | string[] | boolean): string[] {
  if (typeof value === "boolean") return [String(value)];
  return typeof value === "string" ? [value] : value.map(String);
}

/** True when any prepared policy value matches the request value. */
function anyMatches(matchers: readonly (Matcher | undefined)[], requestValue: string): boolean {
  for (const m of matchers) if (m !== undefined && m(requestValue)) return true;
  return false;
}

/** Whether one key passes, given the prepared policy values and the request's values. */
function keyPasses(parsed: ParsedOperator, negated: boolean, present: readonly string[], matchers: readonly (Matcher | undefined)[]): boolean {
  // Rule: a missing key fails positive operators, passes negated ones, ForAllValues and …IfExists.
  if (present.length === 0) return parsed.ifExists || (parsed.set === undefined ? negated : parsed.set === "all");
  if (parsed.set === "any") return negated ? present.some((r) => !anyMatches(matchers, r)) : present.some((r) => anyMatches(matchers, r));
  if (parsed.set === "all") return negated ? present.every((r) => !anyMatches(matchers, r)) : present.every((r) => anyMatches(matchers, r));
  const positive = present.some((r) => anyMatches(matchers, r));
  return negated ? !positive : positive;
}

/**
 * One key of an operator block: pass or not, and (when `sink`) its check trace. No named closures on this path: it
 * runs for every condition key of every request (and tsx wraps each named closure at creation).
 */
function evaluateKey(
  operator: string,
  parsed: ParsedOperator,
  key: string,
  wanted: readonly string[],
  keys: Keys,
  variables: boolean,
  sink: CheckTrace[] | undefined,
): boolean {
  const present = keys.get(key.toLowerCase()) ?? [];
  if (parsed.name === "Null") {
    // Rule: Null "true" means the key is absent, "false" that it is present (no set operator, no IfExists).
    const hit = wanted.map((w) => (w.toLowerCase() === "true") === (present.length === 0));
    const ok = parsed.set === undefined && !parsed.ifExists && hit.some(Boolean);
    if (sink) sink.push(checkTrace("Condition", ok, wanted.map((written, i) => ({ written, resolved: written, matched: hit[i] === true })), present, { operator, key }));
    return ok;
  }
  const base = OPERATORS[parsed.name];
  if (!base) {
    if (sink) {
      const check = checkTrace("Condition", false, wanted.map((written) => ({ written, resolved: written, matched: false })), present, { operator, key });
      sink.push({ ...check, text: `${check.text} (unknown operator: never matches)` });
    }
    return false;
  }
  const substituted = variables && base.variables;
  const matchers = wanted.map((w) => base.prepare(w, keys, substituted));
  const ok = keyPasses(parsed, base.negated, present, matchers);
  if (sink) {
    const values: ValueOutcome[] = wanted.map((written, i) => {
      const resolved = substituted ? substitute(written, keys) : written;
      return {
        written,
        resolved,
        matched: present.some((r) => matchers[i]?.(r) === true),
        ...(resolved === undefined ? { missing: missingVariables(written, keys) } : {}),
      };
    });
    sink.push(checkTrace("Condition", ok, values, present, { operator, key }));
  }
  return ok;
}

/**
 * Evaluate one operator block of a statement's `Condition` (all its keys; with `sink`, every key is evaluated and
 * its {@link CheckTrace} pushed, without, evaluation stops at the first failing key). `variables` is false for
 * policies whose version takes `${…}` literally.
 */
export function evaluateOperatorBlock(operator: string, block: ConditionBlock, keys: Keys, variables: boolean, sink?: CheckTrace[]): boolean {
  const parsed = parseOperator(operator);
  let all = true;
  for (const [key, raw] of Object.entries(block)) {
    if (evaluateKey(operator, parsed, key, policyValues(raw), keys, variables, sink)) continue;
    all = false;
    if (!sink) return false;
  }
  return all;
}

/**
 * Evaluate one condition operator block (`{"StringEquals": {"key": ["v1", "v2"]}, …}` entry): every key must pass
 * (AND); a key passes when any of its policy values matches (OR; negated operators: none matches). Unknown operators
 * do not match.
 */
export function evaluateConditionOperator(operator: string, block: ConditionBlock, keys: ConditionValues): boolean {
  return evaluateOperatorBlock(operator, block, normaliseKeys(keys), true);
}
