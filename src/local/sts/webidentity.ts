/**
 * Web identity token checks of `AssumeRoleWithWebIdentity` for IAM OIDC providers, in the order of reference §5.3:
 * JWT shape → IAM OIDC provider for `iss` → signing algorithm → verification key (discovery + JWKS, with `jose`)
 * → signature → `aud`/`azp` in the provider's client ids → `exp` (+300 s grace) / `nbf`.
 * AWS docs: IAM User Guide "Create an OpenID Connect (OIDC) identity provider in IAM" and "Identity providers and
 * federation into AWS" (`exp` grace), STS API reference AssumeRoleWithWebIdentity (RS256/384/512, ES256/384/512).
 */
import { KeyObject, verify } from "node:crypto";
import {
  createLocalJWKSet,
  decodeProtectedHeader,
  errors,
  type CryptoKey,
  type JSONWebKeySet,
  type JWSHeaderParameters,
} from "jose";
import { providerArn, providerName, type OidcProviderConfig, type StackConfig } from "../config";
import { MESSAGES, StsFault } from "./faults";

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

/** Resolves candidate verification keys of an issuer for a JWS header. */
export interface KeySource {
  /** @throws StsFault `InvalidIdentityToken` "Couldn't retrieve verification key…" */
  candidates(issuer: string, header: JWSHeaderParameters): Promise<CryptoKey[]>;
}

// ---------------------------------------------------------------------------------------------------------------
// JWKS cache

/** Options of {@link createJwksCache}. */
export interface JwksCacheOptions {
  fetchImpl?: typeof fetch;
  /** Refetch a JWKS on an unknown `kid` only if the last fetch is at least this old (ms). Default 30 s. */
  cooldownMs?: number;
  /** Refetch a JWKS older than this (ms). Default 10 min. */
  maxAgeMs?: number;
  /** Per-fetch timeout (ms). Default 5 s. */
  timeoutMs?: number;
  /** Monotonic clock for the cache (ms); default `performance.now`. */
  clock?: () => number;
}

interface JwksEntry {
  /** Key selection over the fetched JWKS (jose caches the imported keys per set). */
  select: ReturnType<typeof createLocalJWKSet>;
  /** When this JWKS was fetched. */
  fetchedAt: number;
  /** When a fetch for this issuer was last attempted, successful or not (≥ `fetchedAt`). */
  attemptedAt: number;
}

/** At most this many issuers are cached (only configured issuers reach the cache). */
const MAX_CACHED_ISSUERS = 32;
/** IAM's practical limit of keys in a JWKS (spiffe/spire#4699). */
const MAX_JWKS_KEYS = 100;
/** Discovery documents and JWKS larger than this are refused. */
const MAX_DOCUMENT_BYTES = 512 * 1024;

function keyFault(cause?: unknown): StsFault {
  return new StsFault("InvalidIdentityToken", 400, MESSAGES.verificationKey, { cause });
}

async function fetchJson(fetchImpl: typeof fetch, url: string, timeoutMs: number): Promise<unknown> {
  const res = await fetchImpl(url, { headers: { accept: "application/json" }, redirect: "error", signal: AbortSignal.timeout(timeoutMs) });
  if (!res.ok) throw new Error(`${url} answered HTTP ${res.status}`);
  const length = Number(res.headers.get("content-length") ?? "0");
  if (length > MAX_DOCUMENT_BYTES) throw new Error(`${url} is larger than ${MAX_DOCUMENT_BYTES} bytes`);
  const text = await res.text();
  if (text.length > MAX_DOCUMENT_BYTES) throw new Error(`${url} is larger than ${MAX_DOCUMENT_BYTES} bytes`);
  return JSON.parse(text) as unknown;
}

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === "string");
}

/**
 * Load `<iss>/.well-known/openid-configuration`, then its `jwks_uri`. Like IAM, a discovery document without
 * `jwks_uri`, `response_types_supported`, `subject_types_supported` or `id_token_signing_alg_values_supported`
 * is unusable (reference §3.2).
 */
async function loadJwks(fetchImpl: typeof fetch, issuer: string, timeoutMs: number): Promise<JSONWebKeySet> {
  const discovery = await fetchJson(fetchImpl, `${issuer.replace(/\/$/, "")}/.well-known/openid-configuration`, timeoutMs);
  if (typeof discovery !== "object" || discovery === null) throw new Error("discovery document is not an object");
  const d = discovery as Record<string, unknown>;
  if (typeof d.jwks_uri !== "string") throw new Error("discovery document has no jwks_uri");
  for (const field of ["response_types_supported", "subject_types_supported", "id_token_signing_alg_values_supported"]) {
    if (!isStringArray(d[field])) throw new Error(`discovery document has no ${field}`);
  }
  const jwks = await fetchJson(fetchImpl, d.jwks_uri, timeoutMs);
  if (typeof jwks !== "object" || jwks === null || !Array.isArray((jwks as { keys?: unknown }).keys)) throw new Error("JWKS has no keys array");
  const keys = (jwks as { keys: unknown[] }).keys;
  if (keys.length === 0 || keys.length > MAX_JWKS_KEYS) throw new Error(`JWKS must hold 1–${MAX_JWKS_KEYS} keys, has ${keys.length}`);
  return jwks as JSONWebKeySet;
}

/**
 * A bounded per-issuer JWKS cache: discovery + JWKS fetched on first use and refreshed once older than `maxAgeMs`;
 * an unknown `kid` refetches at once (key rotation). Fetches of one issuer are at most one per `cooldownMs` after a
 * failure or for unknown kids, and concurrent loads share one fetch. When a refresh fails, the cached keys stay in use:
 * only a token whose key is not cached fails ("Couldn't retrieve verification key…").
 */
export function createJwksCache(opts: JwksCacheOptions = {}): KeySource {
  const fetchImpl = opts.fetchImpl ?? fetch;
  const cooldownMs = opts.cooldownMs ?? 30_000;
  const maxAgeMs = opts.maxAgeMs ?? 10 * 60_000;
  const timeoutMs = opts.timeoutMs ?? 5_000;
  const clock = opts.clock ?? (() => performance.now());
  const entries = new Map<string, JwksEntry>();
  const inflight = new Map<string, Promise<JwksEntry>>();

  function load(issuer: string): Promise<JwksEntry> {
    const pending = inflight.get(issuer);
    if (pending) return pending;
    const p = loadJwks(fetchImpl, issuer, timeoutMs)
      .then(
        (jwks) => {
          const now = clock();
          const entry: JwksEntry = { select: createLocalJWKSet(jwks), fetchedAt: now, attemptedAt: now };
          entries.delete(issuer);
          entries.set(issuer, entry);
          while (entries.size > MAX_CACHED_ISSUERS) {
            const oldest = entries.keys().next().value;
            if (oldest === undefined) break;
            entries.delete(oldest);
          }
          return entry;
        },
        (error: unknown) => {
          const stale = entries.get(issuer);
          if (stale) stale.attemptedAt = clock();
          throw error;
        },
      )
      .finally(() => inflight.delete(issuer));
    inflight.set(issuer, p);
    return p;
  }

  /** The cached entry, refreshed when too old — or, if that refresh fails, the cached entry as it is. */
  async function current(issuer: string): Promise<JwksEntry> {
    const entry = entries.get(issuer);
    if (!entry) return load(issuer);
    const now = clock();
    // Rule: a JWKS older than maxAge is refetched; after a failed attempt, not again before the cooldown.
    if (now - entry.fetchedAt <= maxAgeMs || now - entry.attemptedAt < cooldownMs) return entry;
    try {
      return await load(issuer);
    } catch {
      return entry; // the identity provider is unreachable for now: keep verifying with the keys we have
    }
  }

  async function select(entry: JwksEntry, header: JWSHeaderParameters): Promise<CryptoKey[]> {
    try {
      return [await entry.select(header)];
    } catch (e) {
      if (e instanceof errors.JWKSMultipleMatchingKeys) {
        const keys: CryptoKey[] = [];
        for await (const key of e) {
          keys.push(key);
          if (keys.length >= MAX_JWKS_KEYS) break;
        }
        return keys;
      }
      throw e;
    }
  }

  return {
    async candidates(issuer, header) {
      try {
        const entry = await current(issuer);
        try {
          return await select(entry, header);
        } catch (e) {
          // Rule: an unknown kid refetches the JWKS (key rotation), at most once per cooldown.
          if (!(e instanceof errors.JWKSNoMatchingKey) || clock() - entry.attemptedAt < cooldownMs) throw e;
          return await select(await load(issuer), header);
        }
      } catch (cause) {
        throw keyFault(cause);
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Checks

function decodeSegment(segment: string): unknown {
  const text = Buffer.from(segment, "base64url").toString("utf8");
  return JSON.parse(text) as unknown;
}

/**
 * Rule: an OIDC ID token is a compact JWS of three base64url segments whose header and payload are JSON objects,
 * with a string `iss`.
 * @throws StsFault `InvalidIdentityToken` (400) "The ID Token provided is not a valid JWT. …".
 */
export function checkTokenShape(token: string): { header: JWSHeaderParameters; iss: string } {
  const notJwt = () => new StsFault("InvalidIdentityToken", 400, MESSAGES.notAJwt);
  const parts = token.split(".");
  if (parts.length !== 3 || !/^[A-Za-z0-9_-]+$/.test(parts[0] ?? "") || !/^[A-Za-z0-9_-]+$/.test(parts[1] ?? "") || !/^[A-Za-z0-9_-]*$/.test(parts[2] ?? "")) {
    throw notJwt();
  }
  let header: JWSHeaderParameters;
  let payload: unknown;
  try {
    header = decodeProtectedHeader(token) as JWSHeaderParameters;
    payload = decodeSegment(parts[1] ?? "");
  } catch (cause) {
    throw new StsFault("InvalidIdentityToken", 400, MESSAGES.notAJwt, { cause });
  }
  if (typeof payload !== "object" || payload === null || Array.isArray(payload)) throw notJwt();
  const iss = (payload as Claims).iss;
  if (typeof iss !== "string" || iss === "") throw notJwt();
  return { header, iss };
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
 * Rule: the token's signature verifies under one of the issuer's keys.
 * @throws StsFault `InvalidIdentityToken` (400) "The web identity token's signature is invalid".
 */
export async function checkTokenSignature(token: string, keys: readonly CryptoKey[]): Promise<Claims> {
  const [h = "", p = "", sig = ""] = token.split(".");
  let header: JWSHeaderParameters;
  try {
    header = decodeProtectedHeader(token);
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
 * algorithm → verification key from `keyIssuer`'s discovery + JWKS → signature → claim types.
 * @throws StsFault `InvalidIdentityToken` (see {@link checkAlgorithm}, {@link KeySource.candidates},
 *   {@link checkTokenSignature}, {@link checkClaimTypes}).
 */
export async function checkSignedToken(
  token: string,
  header: JWSHeaderParameters,
  keyIssuer: string,
  keys: KeySource,
): Promise<{ claims: Claims; sub: string; exp: number }> {
  checkAlgorithm(header);
  const candidates = await keys.candidates(keyIssuer, header);
  const claims = await checkTokenSignature(token, candidates);
  return { claims, ...checkClaimTypes(claims) };
}

/**
 * The time checks of a verified ID token: {@link checkExpiry} (`exp` + 300 s) then {@link checkNotBefore}.
 * @throws StsFault `ExpiredTokenException` (400); `InvalidIdentityToken` (400) before `nbf`.
 */
export function checkTokenTimes(claims: Claims, exp: number, nowMs: number): void {
  checkExpiry(exp, nowMs);
  checkNotBefore(claims, nowMs);
}

/** Trust-policy condition keys of a verified token (IAM "Available keys for AWS web identity federation"). */
export function webIdentityConditionKeys(name: string, claims: Claims, audience: string, sub: string): Record<string, string | string[]> {
  const keys: Record<string, string | string[]> = {
    [`${name}:aud`]: audience,
    [`${name}:oaud`]: audiences(claims),
    [`${name}:sub`]: sub,
  };
  if (typeof claims.azp === "string") keys[`${name}:azp`] = claims.azp;
  const amr = claims.amr;
  if (typeof amr === "string") keys[`${name}:amr`] = amr;
  else if (Array.isArray(amr)) keys[`${name}:amr`] = amr.filter((a): a is string => typeof a === "string");
  return keys;
}

/**
 * Verify a web identity token (OIDC ID token) as STS does for IAM OIDC providers, in reference §5.3's order.
 * @throws StsFault `InvalidIdentityToken` (shape, provider, algorithm, key, signature, claims, audience, nbf) and
 *   `ExpiredTokenException` (exp + 300 s passed).
 */
export async function verifyWebIdentityToken(
  token: string,
  ctx: { config: StackConfig; keys: KeySource; now: number },
): Promise<VerifiedWebIdentity> {
  const { header, iss } = checkTokenShape(token);
  const provider = checkProvider(ctx.config, iss);
  const { claims, sub, exp } = await checkSignedToken(token, header, provider.url, ctx.keys);
  const audience = checkAudience(provider, claims);
  checkTokenTimes(claims, exp, ctx.now);
  const name = providerName(provider.url);
  const arn = providerArn(ctx.config, provider.url);
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
