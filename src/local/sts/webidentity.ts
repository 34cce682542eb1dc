/**
 * Web identity token checks of `AssumeRoleWithWebIdentity` for IAM OIDC providers, in the order of reference §5.3:
 * JWT shape → IAM OIDC provider for `iss` → signing algorithm → verification key (discovery + JWKS: jwks.ts)
 * → signature → `aud`/`azp` in the provider's client ids → `exp` (+300 s grace) / `nbf`.
 * AWS docs: IAM User Guide "Create an OpenID Connect (OIDC) identity provider in IAM" and "Identity providers and
 * federation into AWS" (`exp` grace), STS API reference AssumeRoleWithWebIdentity (RS256/384/512, ES256/384/512).
 */
import { KeyObject, verify } from "node:crypto";
import { decodeProtectedHeader, type CryptoKey, type JWSHeaderParameters } from "jose";
import { providerArn, providerName, type OidcProviderConfig, type StackConfig } from "../config";
import { MESSAGES, StsFault } from "./faults";
import type { KeySource } from "./jwks";

/** The signing algorithms STS accepts for OIDC ID tokens. */
export const ALLOWED_ALGORITHMS = ["RS256", "RS384", "RS512", "ES256", "ES384", "ES512"] as const;

/** IAM accepts a token up to 5 minutes after its `exp` (and, here, up to 5 minutes before its `nbf`). */
export const EXP_GRACE_SECONDS = 300;

/** JWT claims as decoded (unverified until {@link checkTokenSignature} passed). */
export type Claims = Readonly<Record<string, unknown>>;

/**
 * A web identity STS accepted, whichever way it was checked (IAM OIDC provider, Google ID token, or an OAuth 2.0 access
 * token confirmed by Login with Amazon / Facebook): what the trust policy, the answer and the session see.
 */
export interface WebIdentity {
  /**
   * `Provider` in the answer, `Principal.Federated` in trust policies and `aws:FederatedProvider`: the IAM OIDC
   * provider's ARN, or the built-in provider's name (`accounts.google.com`, `www.amazon.com`, `graph.facebook.com`).
   */
  federatedProvider: string;
  /** The condition-key prefix: host[:port]/path of an IAM OIDC provider, or the built-in provider's name. */
  providerName: string;
  /** The client id that matched (`Audience` in the response). */
  audience: string;
  /** `SubjectFromWebIdentityToken`. */
  sub: string;
  /** The ID token's claims (verified); empty for an OAuth 2.0 access token, which is opaque. */
  claims: Claims;
  /** Trust-policy condition keys, e.g. `<name>:aud`, `:oaud`, `:sub`, `:azp`, `:amr`, `www.amazon.com:user_id`. */
  conditionKeys: Record<string, string | string[]>;
}

/** An ID token that passed every check for an IAM OIDC provider: the provider, the matched audience and the claims. */
export interface VerifiedWebIdentity extends WebIdentity {
  provider: OidcProviderConfig;
  /** The IAM OIDC provider's ARN (= `federatedProvider`). */
  providerArn: string;
}


// ---------------------------------------------------------------------------------------------------------------
// Checks

/** UTF-8 that refuses malformed bytes, as jose decodes a JOSE header. */
const STRICT_UTF8 = new TextDecoder("utf-8", { fatal: true });

/**
 * A compact JWS's protected header, decoded as jose's `decodeProtectedHeader` does (base64url that a forgiving decoder
 * accepts — no `4n + 1` length —, strict UTF-8, a JSON object) without splitting the token again.
 * @throws TypeError / SyntaxError when it is not one.
 */
function decodeHeaderSegment(segment: string): JWSHeaderParameters {
  if (segment.length % 4 === 1) throw new TypeError("the protected header is not base64url");
  const header = JSON.parse(STRICT_UTF8.decode(Buffer.from(segment, "base64url"))) as unknown;
  if (typeof header !== "object" || header === null || Array.isArray(header)) throw new TypeError("the protected header is not a JSON object");
  return header as JWSHeaderParameters;
}

function decodeSegment(segment: string): unknown {
  const text = Buffer.from(segment, "base64url").toString("utf8");
  return JSON.parse(text) as unknown;
}

/** A token that passed {@link checkTokenShape}: its decoded header and (not yet verified) claims, `iss` among them. */
export interface TokenShape {
  header: JWSHeaderParameters;
  iss: string;
  /** The payload's claims, decoded once here and trusted only after {@link checkTokenSignature} passed. */
  claims: Claims;
}

function notJwt(): StsFault {
  return new StsFault("InvalidIdentityToken", 400, MESSAGES.notAJwt);
}

/**
 * Rule: an OIDC ID token is a compact JWS of three base64url segments whose header and payload are JSON objects,
 * with a string `iss`.
 * @throws StsFault `InvalidIdentityToken` (400) "The ID Token provided is not a valid JWT. …".
 */
export function checkTokenShape(token: string): TokenShape {
  const parts = token.split(".");
  if (parts.length !== 3 || !/^[A-Za-z0-9_-]+$/.test(parts[0] ?? "") || !/^[A-Za-z0-9_-]+$/.test(parts[1] ?? "") || !/^[A-Za-z0-9_-]*$/.test(parts[2] ?? "")) {
    throw notJwt();
  }
  let header: JWSHeaderParameters;
  let payload: unknown;
  try {
    header = decodeHeaderSegment(parts[0] ?? "");
    payload = decodeSegment(parts[1] ?? "");
  } catch (cause) {
    throw new StsFault("InvalidIdentityToken", 400, MESSAGES.notAJwt, { cause });
  }
  if (typeof payload !== "object" || payload === null || Array.isArray(payload)) throw notJwt();
  const iss = (payload as Claims).iss;
  if (typeof iss !== "string" || iss === "") throw notJwt();
  return { header, iss, claims: payload as Claims };
}

/**
 * Rule: `iss` must be exactly the URL of an IAM OIDC provider of the account.
 * @throws StsFault `InvalidIdentityToken` (400) `No OpenIDConnect provider found in your account for <iss>`.
 */
export function checkProvider(config: StackConfig, iss: string): OidcProviderConfig {
  const provider = config.oidcProviders.find((p) => p.url === iss);
  if (!provider) throw new StsFault("InvalidIdentityToken", 400, `No OpenIDConnect provider found in your account for ${iss}`);
  return provider;
}

/**
 * Rule: only RS256/384/512 and ES256/384/512 signatures are accepted (never `none` or HMAC).
 * @throws StsFault `InvalidIdentityToken` (400).
 */
export function checkAlgorithm(header: JWSHeaderParameters): string {
  const alg = header.alg;
  if (typeof alg !== "string" || !(ALLOWED_ALGORITHMS as readonly string[]).includes(alg)) {
    throw new StsFault(
      "InvalidIdentityToken",
      400,
      `Unsupported signing algorithm ${JSON.stringify(alg ?? null)} in the web identity token; supported: ${ALLOWED_ALGORITHMS.join(", ")}`,
    );
  }
  return alg;
}

/**
 * Rule: the token's signature verifies under one of the issuer's keys. Pass the token's {@link checkTokenShape} result
 * to skip decoding the header and payload again (the claims returned are then those, now verified).
 * @throws StsFault `InvalidIdentityToken` (400) "The web identity token's signature is invalid".
 */
export async function checkTokenSignature(token: string, keys: readonly CryptoKey[], shape?: Pick<TokenShape, "header" | "claims">): Promise<Claims> {
  const [h = "", p = "", sig = ""] = token.split(".");
  let header: JWSHeaderParameters;
  try {
    header = shape?.header ?? decodeProtectedHeader(token);
  } catch (cause) {
    throw new StsFault("InvalidIdentityToken", 400, "The web identity token's signature is invalid", { cause });
  }
  const alg = header.alg as (typeof ALLOWED_ALGORITHMS)[number];
  // Unknown critical header parameters, or an unencoded payload (RFC 7797), cannot be honoured: refuse like jose does.
  if (!ALLOWED_ALGORITHMS.includes(alg) || header.crit !== undefined || header.b64 !== undefined) {
    throw new StsFault("InvalidIdentityToken", 400, "The web identity token's signature is invalid");
  }
  const signingInput = Buffer.from(`${h}.${p}`, "ascii");
  const signature = Buffer.from(sig, "base64url");
  for (const key of keys) {
    const keyObject = verificationKey(key, alg);
    if (!keyObject) continue;
    const ok = verify(ALG_HASH[alg], signingInput, alg.startsWith("ES") ? { key: keyObject, dsaEncoding: "ieee-p1363" } : keyObject, signature);
    if (ok) {
      if (shape) return shape.claims;
      try {
        return JSON.parse(Buffer.from(p, "base64url").toString("utf8")) as Claims;
      } catch (cause) {
        throw new StsFault("InvalidIdentityToken", 400, "The web identity token's payload is not JSON", { cause });
      }
    }
  }
  throw new StsFault("InvalidIdentityToken", 400, "The web identity token's signature is invalid");
}

const ALG_HASH = { RS256: "sha256", RS384: "sha384", RS512: "sha512", ES256: "sha256", ES384: "sha384", ES512: "sha512" } as const;
const ALG_CURVE: Partial<Record<string, string>> = { ES256: "P-256", ES384: "P-384", ES512: "P-521" };
const keyObjects = new WeakMap<CryptoKey, KeyObject>();

/**
 * The node:crypto key for a JWKS key, when it may verify `alg`: RSASSA-PKCS1-v1_5 (≥ 2048-bit, same hash when the key
 * pins one) for RS*, ECDSA on the matching curve for ES*. Keys come from jose (JWKS fetch, `kid`/`alg` selection);
 * the signature itself is checked synchronously with node:crypto, which costs a fraction of WebCrypto's async job
 * per call (measured by `npm run bench`).
 */
function verificationKey(key: CryptoKey, alg: (typeof ALLOWED_ALGORITHMS)[number]): KeyObject | undefined {
  const algorithm = key.algorithm as { name: string; hash?: { name: string }; namedCurve?: string; modulusLength?: number };
  if (alg.startsWith("RS")) {
    if (algorithm.name !== "RSASSA-PKCS1-v1_5" || (algorithm.modulusLength ?? 0) < 2048) return undefined;
    if (algorithm.hash && algorithm.hash.name !== `SHA-${alg.slice(2)}`) return undefined;
  } else if (algorithm.name !== "ECDSA" || algorithm.namedCurve !== ALG_CURVE[alg]) {
    return undefined;
  }
  let keyObject = keyObjects.get(key);
  if (!keyObject) {
    keyObject = KeyObject.from(key as unknown as globalThis.CryptoKey);
    keyObjects.set(key, keyObject);
  }
  return keyObject;
}

/**
 * Rule: `exp` is required; `exp`, `nbf`, `iat` are integers (STS: "Timestamps must be integers"); `sub` is a
 * non-empty string.
 * @throws StsFault `InvalidIdentityToken` (400).
 */
export function checkClaimTypes(claims: Claims): { sub: string; exp: number } {
  for (const name of ["exp", "nbf", "iat"]) {
    const v = claims[name];
    if (v !== undefined && !Number.isSafeInteger(v)) {
      throw new StsFault("InvalidIdentityToken", 400, `The web identity token's ${name} claim must be an integer (seconds since the epoch)`);
    }
  }
  if (claims.exp === undefined) throw new StsFault("InvalidIdentityToken", 400, "The web identity token has no exp claim");
  if (typeof claims.sub !== "string" || claims.sub === "") {
    throw new StsFault("InvalidIdentityToken", 400, "The web identity token has no sub claim");
  }
  return { sub: claims.sub, exp: claims.exp as number };
}

/** The `aud` claim as a list (a string or an array of strings). */
export function audiences(claims: Claims): string[] {
  const aud = claims.aud;
  if (typeof aud === "string") return [aud];
  return Array.isArray(aud) ? aud.filter((a): a is string => typeof a === "string") : [];
}

/**
 * Rule: an `aud` value (or else `azp`) is among the provider's client ids; that one is the `Audience`.
 * @throws StsFault `InvalidIdentityToken` (400) `Incorrect token audience`.
 */
export function checkAudience(provider: OidcProviderConfig, claims: Claims): string {
  const match = audiences(claims).find((a) => provider.clientIds.includes(a));
  if (match !== undefined) return match;
  if (typeof claims.azp === "string" && provider.clientIds.includes(claims.azp)) return claims.azp;
  throw new StsFault("InvalidIdentityToken", 400, MESSAGES.incorrectAudience);
}

/**
 * Rule: the token is not past `exp` + 300 s.
 * @throws StsFault `ExpiredTokenException` (400)
 *   `Token expired: current date/time <now s> must be before the expiration date/time <exp>`.
 */
export function checkExpiry(exp: number, nowMs: number): void {
  const now = Math.floor(nowMs / 1000);
  if (now > exp + EXP_GRACE_SECONDS) {
    throw new StsFault("ExpiredTokenException", 400, `Token expired: current date/time ${now} must be before the expiration date/time ${exp}`);
  }
}

/**
 * Rule: the token is not used before `nbf` (same 300 s tolerance).
 * @throws StsFault `InvalidIdentityToken` (400) `Token not yet valid: current date/time <now s> must be after the not-before date/time <nbf>`.
 */
export function checkNotBefore(claims: Claims, nowMs: number): void {
  const nbf = claims.nbf;
  if (typeof nbf !== "number") return;
  const now = Math.floor(nowMs / 1000);
  if (now + EXP_GRACE_SECONDS < nbf) {
    throw new StsFault("InvalidIdentityToken", 400, `Token not yet valid: current date/time ${now} must be after the not-before date/time ${nbf}`);
  }
}

/**
 * The checks every signed ID token goes through once its issuer is known, in reference §5.3's order: signing
 * algorithm → verification key from `keyIssuer`'s discovery + JWKS → signature → claim types. `claims` are the
 * payload {@link checkTokenShape} decoded, if the caller has it (else the payload is decoded after the signature).
 * @throws StsFault `InvalidIdentityToken` (see {@link checkAlgorithm}, {@link KeySource.candidates},
 *   {@link checkTokenSignature}, {@link checkClaimTypes}).
 */
export async function checkSignedToken(
  token: string,
  header: JWSHeaderParameters,
  keyIssuer: string,
  keys: KeySource,
  claims?: Claims,
): Promise<{ claims: Claims; sub: string; exp: number }> {
  checkAlgorithm(header);
  const candidates = await keys.candidates(keyIssuer, header);
  const verified = await checkTokenSignature(token, candidates, claims ? { header, claims } : undefined);
  return { claims: verified, ...checkClaimTypes(verified) };
}

/**
 * The time checks of a verified ID token: {@link checkExpiry} (`exp` + 300 s) then {@link checkNotBefore}.
 * @throws StsFault `ExpiredTokenException` (400); `InvalidIdentityToken` (400) before `nbf`.
 */
export function checkTokenTimes(claims: Claims, exp: number, nowMs: number): void {
  checkExpiry(exp, nowMs);
  checkNotBefore(claims, nowMs);
}

/** Per provider name, its condition-key names (built and interned once, not per request); bounded. */
const keyNames = new Map<string, { aud: string; oaud: string; sub: string; azp: string; amr: string }>();

function conditionKeyNames(name: string): { aud: string; oaud: string; sub: string; azp: string; amr: string } {
  let names = keyNames.get(name);
  if (!names) {
    names = { aud: `${name}:aud`, oaud: `${name}:oaud`, sub: `${name}:sub`, azp: `${name}:azp`, amr: `${name}:amr` };
    if (keyNames.size >= 256) keyNames.clear();
    keyNames.set(name, names);
  }
  return names;
}

/** Trust-policy condition keys of a verified token (IAM "Available keys for AWS web identity federation"). */
export function webIdentityConditionKeys(name: string, claims: Claims, audience: string, sub: string): Record<string, string | string[]> {
  const k = conditionKeyNames(name);
  const keys: Record<string, string | string[]> = {};
  keys[k.aud] = audience;
  keys[k.oaud] = audiences(claims);
  keys[k.sub] = sub;
  if (typeof claims.azp === "string") keys[k.azp] = claims.azp;
  const amr = claims.amr;
  if (typeof amr === "string") keys[k.amr] = amr;
  else if (Array.isArray(amr)) keys[k.amr] = amr.filter((a): a is string => typeof a === "string");
  return keys;
}

/** An IAM OIDC provider's name and ARN (both parse its URL), by partition, account and URL; bounded. */
const providerIds = new Map<string, { name: string; arn: string }>();
const MAX_CACHED_PROVIDER_IDS = 256;

function providerIdentifiers(config: StackConfig, url: string): { name: string; arn: string } {
  const key = `${config.partition}\n${config.account}\n${url}`;
  let ids = providerIds.get(key);
  if (!ids) {
    ids = { name: providerName(url), arn: providerArn(config, url) };
    if (providerIds.size >= MAX_CACHED_PROVIDER_IDS) providerIds.clear();
    providerIds.set(key, ids);
  }
  return ids;
}

/**
 * Verify a web identity token (OIDC ID token) as STS does for IAM OIDC providers, in reference §5.3's order. Pass the
 * token's {@link checkTokenShape} result when the caller already has it (it is not decoded twice).
 * @throws StsFault `InvalidIdentityToken` (shape, provider, algorithm, key, signature, claims, audience, nbf) and
 *   `ExpiredTokenException` (exp + 300 s passed).
 */
export async function verifyWebIdentityToken(
  token: string,
  ctx: { config: StackConfig; keys: KeySource; now: number },
  shape: TokenShape = checkTokenShape(token),
): Promise<VerifiedWebIdentity> {
  const provider = checkProvider(ctx.config, shape.iss);
  const { claims, sub, exp } = await checkSignedToken(token, shape.header, provider.url, ctx.keys, shape.claims);
  const audience = checkAudience(provider, claims);
  checkTokenTimes(claims, exp, ctx.now);
  const { name, arn } = providerIdentifiers(ctx.config, provider.url);
  return {
    provider,
    providerArn: arn,
    federatedProvider: arn,
    providerName: name,
    audience,
    sub,
    claims,
    conditionKeys: webIdentityConditionKeys(name, claims, audience, sub),
  };
}
