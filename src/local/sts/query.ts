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

/**
 * Form-decode one component of `application/x-www-form-urlencoded` text: `+` is a space, then percent-decoding.
 * @throws URIError when a percent-escape is malformed (or encodes invalid UTF-8).
 */
export function formDecode(raw: string): string {
  if (!raw.includes("%") && !raw.includes("+")) return raw;
  return decodeURIComponent(raw.replace(/\+/g, " "));
}

/**
 * The `name=value` pairs of form-encoded text, in order, repeats kept and empty segments skipped. Each name and value
 * is passed through `decode`; `value` is undefined for a segment without `=`. The one splitter of the local STS: the
 * Query parameters ({@link parseForm}), the SigV4 canonical query and the presigned `X-Amz-*` parameters all use it.
 */
export function formPairs(text: string, decode: (raw: string) => string): [name: string, value: string | undefined][] {
  const pairs: [string, string | undefined][] = [];
  if (text === "") return pairs;
  for (const segment of text.split("&")) {
    if (segment === "") continue;
    const eq = segment.indexOf("=");
    pairs.push(eq < 0 ? [decode(segment), undefined] : [decode(segment.slice(0, eq)), decode(segment.slice(eq + 1))]);
  }
  return pairs;
}

/** True when `text` has more than `max` `&`-separated segments (counted without splitting). */
function segmentsOver(text: string, max: number): boolean {
  let segments = 1;
  for (let at = text.indexOf("&"); at >= 0; at = text.indexOf("&", at + 1)) if (++segments > max) return true;
  return false;
}

/** Per `what`: {@link formDecode} that fails with `MalformedQueryString` (built once, not per request). */
const strictDecoders = new Map<string, (raw: string) => string>();
function strictDecoder(what: string): (raw: string) => string {
  let decoder = strictDecoders.get(what);
  if (!decoder) {
    decoder = function decodeStrictly(raw: string): string {
      try {
        return formDecode(raw);
      } catch (cause) {
        throw new StsFault("MalformedQueryString", 400, `The ${what} contains an invalid percent-encoding: ${raw.slice(0, 64)}`, { cause });
      }
    };
    if (strictDecoders.size < 16) strictDecoders.set(what, decoder);
  }
  return decoder;
}

/**
 * Parse `application/x-www-form-urlencoded` text (a POST body or a URL query without `?`). Both `+` and `%20`
 * decode to a space: browsers' `URLSearchParams` emit `+`, the AWS SDKs `%20`.
 * @throws StsFault `MalformedQueryString` (400) on a bad percent-escape or more than {@link MAX_PARAMETERS} pairs.
 */
export function parseForm(text: string, what = "request body"): Map<string, string> {
  const params = new Map<string, string>();
  if (text === "") return params;
  // Rule: a bounded number of parameters.
  if (segmentsOver(text, MAX_PARAMETERS)) {
    throw new StsFault("MalformedQueryString", 400, `The ${what} has more than ${MAX_PARAMETERS} parameters`);
  }
  for (const [name, value] of formPairs(text, strictDecoder(what))) {
    if (!params.has(name)) params.set(name, value ?? "");
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
