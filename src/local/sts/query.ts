/**
 * The AWS Query protocol's request side: form-encoded parameters in a POST body or a GET query string, `Action`
 * and `Version=2011-06-15` (reference §1; STS API reference "Making Query Requests").
 */
import { StsFault } from "./faults";

/** The only STS API version. */
export const STS_VERSION = "2011-06-15";

/** Upper bound on parameters per request; STS requests carry a handful (≤ 10 policy ARNs + 7 members). */
export const MAX_PARAMETERS = 256;

/** Request parameters by name; the first occurrence of a repeated name wins. */
export type QueryParams = ReadonlyMap<string, string>;

function decodeComponent(text: string, what: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, " "));
  } catch (cause) {
    throw new StsFault("MalformedQueryString", 400, `The ${what} contains an invalid percent-encoding: ${text.slice(0, 64)}`, { cause });
  }
}

/**
 * Parse `application/x-www-form-urlencoded` text (a POST body or a URL query without `?`). Both `+` and `%20`
 * decode to a space: browsers' `URLSearchParams` emit `+`, the AWS SDKs `%20`.
 * @throws StsFault `MalformedQueryString` (400) on a bad percent-escape or more than {@link MAX_PARAMETERS} pairs.
 */
export function parseForm(text: string, what = "request body"): Map<string, string> {
  const params = new Map<string, string>();
  if (text === "") return params;
  const pairs = text.split("&");
  // Rule: a bounded number of parameters.
  if (pairs.length > MAX_PARAMETERS) {
    throw new StsFault("MalformedQueryString", 400, `The ${what} has more than ${MAX_PARAMETERS} parameters`);
  }
  for (const pair of pairs) {
    if (pair === "") continue;
    const eq = pair.indexOf("=");
    const name = decodeComponent(eq < 0 ? pair : pair.slice(0, eq), what);
    const value = eq < 0 ? "" : decodeComponent(pair.slice(eq + 1), what);
    if (!params.has(name)) params.set(name, value);
  }
  return params;
}

/**
 * The parameters of a request: the URL query merged with the form body (body wins), as STS accepts `POST /` with a
 * form body and `GET /?Action=…`.
 * @throws StsFault `MalformedQueryString` (400), see {@link parseForm}.
 */
export function requestParams(rawQuery: string, body: string): Map<string, string> {
  const merged = parseForm(rawQuery, "query string");
  for (const [k, v] of parseForm(body)) merged.set(k, v);
  return merged;
}

/**
 * Rule: every Query request names its operation in `Action`.
 * @throws StsFault `MissingAction` (400).
 */
export function checkAction(params: QueryParams): string {
  const action = params.get("Action");
  if (action === undefined || action === "") {
    throw new StsFault("MissingAction", 400, "The request is missing an action or a required parameter.");
  }
  return action;
}

/**
 * Rule: `Version` is required and must be `2011-06-15`; another version has no operations.
 * @throws StsFault `MissingParameter` (400) without `Version`; `InvalidAction` (400)
 *   `Could not find operation <Op> for version <v>` for another version.
 */
export function checkVersion(params: QueryParams, action: string): void {
  const version = params.get("Version");
  if (version === undefined || version === "") {
    throw new StsFault("MissingParameter", 400, "The request must contain the parameter Version.");
  }
  if (version !== STS_VERSION) {
    throw new StsFault("InvalidAction", 400, `Could not find operation ${action} for version ${version}`);
  }
}

/** A list parameter `Name.member.N[.suffix]` read in order from N = 1 until the first gap (at most `max + 1` read). */
export function listParam(params: QueryParams, name: string, suffix: string, max: number): string[] {
  const out: string[] = [];
  for (let i = 1; i <= max + 1; i++) {
    const v = params.get(`${name}.member.${i}${suffix}`);
    if (v === undefined) break;
    out.push(v);
  }
  return out;
}
