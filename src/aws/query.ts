/** A scalar Query-protocol value; `undefined` and `null` members are left out of the body. */
export type QueryScalar = string | number | boolean | undefined | null;

/** A member of a Query list: a scalar (`TransitiveTagKeys.member.1`) or a structure (`PolicyArns.member.1.arn`). */
export type QueryListItem = string | number | boolean | QueryStructure;

/** A structure's members; nested structures flatten with dots. */
export interface QueryStructure {
  readonly [member: string]: QueryScalar | QueryStructure | readonly QueryListItem[];
}

/** Top-level Query parameters, e.g. `{ Action: "AssumeRoleWithWebIdentity", Version: "2011-06-15", … }`. */
export type QueryParams = QueryStructure;

/**
 * Percent-encodes like RFC 3986 (what AWS SDKs send): everything but `A–Z a–z 0–9 - _ . ~` is encoded, including
 * `!'()*`, and a space becomes `%20` (never `+`).
 */
export function encodeRfc3986(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function scalarText(value: string | number | boolean): string {
  if (typeof value === "number" && !Number.isFinite(value)) throw new TypeError(`A Query parameter must be a finite number, not ${value}.`);
  return String(value);
}

function flatten(prefix: string, value: QueryScalar | QueryStructure | readonly QueryListItem[], out: [string, string][]): void {
  if (value === undefined || value === null) return;
  if (Array.isArray(value)) {
    const items = value as readonly QueryListItem[];
    // An empty list is sent as `Name=` (what the AWS SDK for JavaScript v3 does), so the service sees it was given.
    if (items.length === 0) out.push([prefix, ""]);
    items.forEach((item, index) => flatten(`${prefix}.member.${index + 1}`, item, out));
    return;
  }
  if (typeof value === "object") {
    for (const [member, child] of Object.entries(value as QueryStructure)) flatten(prefix === "" ? member : `${prefix}.${member}`, child, out);
    return;
  }
  out.push([prefix, scalarText(value as string | number | boolean)]);
}

/**
 * Flattens Query-protocol parameters into name/value pairs in insertion order: lists become
 * `PolicyArns.member.1.arn`, `TransitiveTagKeys.member.1`, structures join member names with dots; `undefined`/`null`
 * members are skipped. See https://docs.aws.amazon.com/AWSEC2/latest/APIReference/Query-requests.html (same protocol
 * as STS) and https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html.
 *
 * @throws {TypeError} for a non-finite number.
 */
export function flattenQuery(params: QueryParams): [string, string][] {
  const out: [string, string][] = [];
  flatten("", params, out);
  return out;
}

/**
 * Encodes Query-protocol parameters as an `application/x-www-form-urlencoded` body (or query string):
 * {@link flattenQuery} then `name=value` pairs joined by `&`, each side {@link encodeRfc3986}-encoded. Keys keep
 * insertion order (POST bodies need no sorting; put `Action` and `Version` first for readable inspector output).
 *
 * @throws {TypeError} for a non-finite number.
 */
export function encodeQuery(params: QueryParams): string {
  return flattenQuery(params)
    .map(([name, value]) => `${encodeRfc3986(name)}=${encodeRfc3986(value)}`)
    .join("&");
}
