/**
 * The verification keys of OIDC issuers for the local STS: discovery document → `jwks_uri` → JWKS, fetched with
 * `jose`, cached per issuer and refetched on key rotation, as IAM does for IAM OIDC providers and the built-in Google
 * (reference §5.1, §5.3: "Couldn't retrieve verification key…").
 */
import { createLocalJWKSet, errors, type CryptoKey, type JSONWebKeySet, type JWSHeaderParameters } from "jose";
import { MESSAGES, StsFault } from "./faults";

/** Resolves candidate verification keys of an issuer for a JWS header. */
export interface KeySource {
  /** @throws StsFault `InvalidIdentityToken` "Couldn't retrieve verification key…" */
  candidates(issuer: string, header: JWSHeaderParameters): Promise<CryptoKey[]>;
}

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
  /**
   * Keys selected before, by the header members jose selects with (`alg`, `kid`): the same JWKS gives the same keys.
   * Only successful selections are kept (an unknown kid must still trigger a refetch); bounded.
   */
  selected: Map<string, CryptoKey[]>;
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
          const entry: JwksEntry = { select: createLocalJWKSet(jwks), selected: new Map(), fetchedAt: now, attemptedAt: now };
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
    const { alg, kid } = header;
    const id = typeof alg === "string" && (kid === undefined || typeof kid === "string") ? `${alg}\n${kid === undefined ? "" : `=${kid}`}` : undefined;
    const known = id === undefined ? undefined : entry.selected.get(id);
    if (known) return known;
    let keys: CryptoKey[];
    try {
      keys = [await entry.select(header)];
    } catch (e) {
      if (!(e instanceof errors.JWKSMultipleMatchingKeys)) throw e;
      keys = [];
      for await (const key of e) {
        keys.push(key);
        if (keys.length >= MAX_JWKS_KEYS) break;
      }
    }
    if (id !== undefined) {
      if (entry.selected.size >= MAX_JWKS_KEYS) entry.selected.clear();
      entry.selected.set(id, keys);
    }
    return keys;
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
