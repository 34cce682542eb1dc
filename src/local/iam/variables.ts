/**
 * Request keys, policy variables and wildcards for the local IAM evaluator. IAM User Guide "IAM policy elements:
 * Variables and tags": `${key}` is replaced by the request's single value of `key` (key names compare
 * case-insensitively; a key name may itself contain colons and a port, e.g. `${127.0.0.1:9400:sub}`), `${key,
 * 'default'}` supplies a value when the key is missing, `${*}`, `${?}` and `${$}` stand for the literal characters, and
 * a variable whose key is missing (and has no default) makes that policy value match nothing. Substituted text is
 * literal: a `*` in a user's `sub` is not a wildcard.
 */

/** Condition keys → values (a key with several values is multi-valued, e.g. `amr`, `oaud`, `aws:TagKeys`). */
export type ConditionValues = Readonly<Record<string, string | readonly string[] | undefined>>;

/** Request keys by lower-cased name (IAM compares condition key names case-insensitively). */
export type Keys = ReadonlyMap<string, readonly string[]>;

/** Index the request's keys by lower-cased name; `undefined` values are absent keys. */
export function normaliseKeys(keys: ConditionValues): Keys {
  const out = new Map<string, readonly string[]>();
  for (const [k, v] of Object.entries(keys)) {
    if (v === undefined) continue;
    out.set(k.toLowerCase(), typeof v === "string" ? [v] : v);
  }
  return out;
}

/** The request's keys as the trace shows them: names as given, every value a list. */
export function keysForTrace(keys: ConditionValues): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(keys)) {
    if (v !== undefined) out[k] = typeof v === "string" ? [v] : [...v];
  }
  return out;
}

/** A pattern compiled to code points, with `*` / `?` wildcard markers. */
export type Glob = (string | typeof STAR | typeof ONE)[];
const STAR = Symbol("*");
const ONE = Symbol("?");

const SPECIAL: Readonly<Record<string, string>> = { "*": "*", "?": "?", $: "$" };

/**
 * The value of one variable's inner text (`key` or `key, 'default'`, already without `${` `}`), or undefined when the
 * key is missing or multi-valued and there is no default.
 */
function variableValue(inner: string, keys: Keys): string | undefined {
  const trimmed = inner.trim();
  const special = SPECIAL[trimmed];
  if (special !== undefined) return special;
  const m = /^([^,]+?)\s*(?:,\s*'([^']*)')?$/.exec(trimmed);
  if (!m) return undefined;
  const values = keys.get((m[1] ?? "").toLowerCase());
  if (values && values.length === 1) return values[0];
  return m[2]; // the default, or undefined (multi-valued keys are not usable as variables)
}

/** True when a policy value contains a policy variable. */
export function hasVariable(value: string): boolean {
  return value.includes("${");
}

/**
 * Compile a policy value: substitute policy variables (their values are literal text) when `variables`, and, when
 * `wildcards`, turn the remaining `*`/`?` into wildcards. Returns undefined when a variable has no value (the value
 * then matches nothing, as in IAM). Policies of version `2008-10-17` (or none) take `${…}` literally.
 */
export function compile(pattern: string, keys: Keys, wildcards: boolean, variables = true): Glob | undefined {
  const out: Glob = [];
  let i = 0;
  // Bounded: each iteration consumes at least one character.
  while (i < pattern.length) {
    if (variables && pattern.startsWith("${", i)) {
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

/** The policy value with its variables filled in, as literal text; undefined when a variable has no value. */
export function substitute(value: string, keys: Keys, variables = true): string | undefined {
  if (!variables || !hasVariable(value)) return value;
  return compile(value, keys, false, true)?.join("");
}

/** The keys of the variables in `value` that have no value (and no default), for explanations. */
export function missingVariables(value: string, keys: Keys): string[] {
  const missing: string[] = [];
  for (const m of value.matchAll(/\$\{([^}]*)\}/g)) {
    const inner = m[1] ?? "";
    if (variableValue(inner, keys) === undefined) missing.push(inner.trim());
  }
  return missing;
}

/** Glob match over code points (`*` any run, `?` one character), iterative with single-star backtracking. */
export function globMatch(glob: Glob, text: string, ignoreCase: boolean): boolean {
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

/** True when `text` matches the policy value `pattern` (wildcards; variables substituted unless `variables` is false). */
export function globMatches(pattern: string, text: string, keys: Keys, ignoreCase: boolean, variables = true): boolean {
  const glob = compile(pattern, keys, true, variables);
  return glob !== undefined && globMatch(glob, text, ignoreCase);
}
