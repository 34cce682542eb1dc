import { decodeProtectedHeader, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { loadStackConfig, type StackConfig } from "../config";
import { StsFault } from "./faults";
import { createJwksCache, type KeySource } from "./jwks";
import { checkExpiry, checkNotBefore, checkTokenShape, checkTokenSignature, verifyWebIdentityToken, webIdentityConditionKeys } from "./webidentity";
import { rejectedFaultTriple as failure, thrownFaultTriple } from "./testing";

const ISSUER = "http://127.0.0.1:9400";
const NOW = Date.UTC(2025, 0, 1, 12, 0, 0);
const NOW_S = NOW / 1000;
const config: StackConfig = loadStackConfig();

let key: { privateKey: CryptoKey; publicKey: CryptoKey };
let jwk: JWK;

beforeAll(async () => {
  key = await generateKeyPair("RS256");
  jwk = { ...(await exportJWK(key.publicKey)), kid: "k1", alg: "RS256", use: "sig" };
});

/** A fetch that serves discovery + JWKS for ISSUER and counts calls. */
function fakeFetch(jwks: () => { keys: JWK[] }, discovery: Record<string, unknown> = {}) {
  const calls: string[] = [];
  const impl = (async (input: string | URL | Request) => {
    const url = String(input);
    calls.push(url);
    if (url === `${ISSUER}/.well-known/openid-configuration`) {
      return Response.json({
        issuer: ISSUER,
        jwks_uri: `${ISSUER}/jwks`,
        response_types_supported: ["code"],
        subject_types_supported: ["public"],
        id_token_signing_alg_values_supported: ["RS256"],
        ...discovery,
      });
    }
    if (url === `${ISSUER}/jwks`) return Response.json(jwks());
    return new Response("not found", { status: 404 });
  }) as typeof fetch;
  return { impl, calls };
}

async function token(claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}, signer: CryptoKey = key.privateKey) {
  return new SignJWT({ sub: "alice", aud: "web-identity-console", ...claims })
    .setProtectedHeader({ alg: "RS256", kid: "k1", ...header })
    .setIssuer(typeof claims.iss === "string" ? claims.iss : ISSUER)
    .setIssuedAt(NOW_S - 10)
    .setExpirationTime(typeof claims.exp === "number" ? claims.exp : NOW_S + 600)
    .sign(signer);
}

const KEY_MESSAGE =
  "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements";

describe("verifyWebIdentityToken", () => {
  const verify = (t: string, keys: KeySource, now = NOW) => verifyWebIdentityToken(t, { config, keys, now });

  it("accepts a good token and derives the provider, audience and condition keys", async () => {
    const { impl } = fakeFetch(() => ({ keys: [jwk] }));
    const v = await verify(await token({ amr: ["pwd"] }), createJwksCache({ fetchImpl: impl }));
    expect(v.providerArn).toBe("arn:aws:iam::123456789012:oidc-provider/127.0.0.1:9400");
    expect(v.audience).toBe("web-identity-console");
    expect(v.conditionKeys).toEqual({
      "127.0.0.1:9400:aud": "web-identity-console",
      "127.0.0.1:9400:oaud": ["web-identity-console"],
      "127.0.0.1:9400:sub": "alice",
      "127.0.0.1:9400:amr": ["pwd"],
    });
  });

  it("rejects garbage as not a JWT, before anything is fetched", async () => {
    const { impl, calls } = fakeFetch(() => ({ keys: [jwk] }));
    expect(await failure(verify("not-a-jwt", createJwksCache({ fetchImpl: impl })))).toEqual([
      "InvalidIdentityToken",
      400,
      "The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)",
    ]);
    expect(calls).toEqual([]);
  });

  it("rejects an issuer with no IAM OIDC provider", async () => {
    const { impl } = fakeFetch(() => ({ keys: [jwk] }));
    expect(await failure(verify(await token({ iss: "https://elsewhere.example/" }), createJwksCache({ fetchImpl: impl })))).toEqual([
      "InvalidIdentityToken",
      400,
      "No OpenIDConnect provider found in your account for https://elsewhere.example/",
    ]);
  });

  it("rejects HS256 and none", async () => {
    const { impl } = fakeFetch(() => ({ keys: [jwk] }));
    const hs = await new SignJWT({ sub: "alice", aud: "web-identity-console" })
      .setProtectedHeader({ alg: "HS256" })
      .setIssuer(ISSUER)
      .setExpirationTime(NOW_S + 60)
      .sign(new Uint8Array(32));
    const [code, , message] = await failure(verify(hs, createJwksCache({ fetchImpl: impl })));
    expect([code, message]).toEqual([
      "InvalidIdentityToken",
      'Unsupported signing algorithm "HS256" in the web identity token; supported: RS256, RS384, RS512, ES256, ES384, ES512',
    ]);
  });

  it("answers the verification-key message when discovery is incomplete or unreachable", async () => {
    const incomplete = fakeFetch(() => ({ keys: [jwk] }), { subject_types_supported: undefined });
    expect(await failure(verify(await token(), createJwksCache({ fetchImpl: incomplete.impl })))).toEqual(["InvalidIdentityToken", 400, KEY_MESSAGE]);
    const down = (async () => {
      throw new TypeError("fetch failed");
    }) as typeof fetch;
    expect((await failure(verify(await token(), createJwksCache({ fetchImpl: down }))))[2]).toBe(KEY_MESSAGE);
  });

  it("caches the JWKS, refetches on an unknown kid only after the cooldown", async () => {
    let served: JWK[] = [jwk];
    const { impl, calls } = fakeFetch(() => ({ keys: served }));
    let clock = 0;
    const keys = createJwksCache({ fetchImpl: impl, cooldownMs: 1000, clock: () => clock });
    await verify(await token(), keys);
    await verify(await token(), keys);
    expect(calls).toHaveLength(2); // discovery + JWKS once

    const rotated = await generateKeyPair("ES256");
    const k2 = { ...(await exportJWK(rotated.publicKey)), kid: "k2", alg: "ES256" };
    const t2 = await new SignJWT({ sub: "alice", aud: "web-identity-console" })
      .setProtectedHeader({ alg: "ES256", kid: "k2" })
      .setIssuer(ISSUER)
      .setExpirationTime(NOW_S + 60)
      .sign(rotated.privateKey);
    served = [jwk, k2];
    expect((await failure(verify(t2, keys)))[2]).toBe(KEY_MESSAGE); // within cooldown: no refetch
    expect(calls).toHaveLength(2);
    clock = 1001;
    expect((await verify(t2, keys)).sub).toBe("alice"); // after cooldown: refetched, key rotation picked up
    expect(calls).toHaveLength(4);
  });

  it("keeps verifying with the cached keys when the periodic refetch fails; only an unknown kid then fails", async () => {
    let down = false;
    const { impl: serve, calls } = fakeFetch(() => ({ keys: [jwk] }));
    const impl = (async (input: string | URL | Request, init?: RequestInit) => {
      if (down) {
        calls.push(`down ${String(input)}`);
        throw new TypeError("fetch failed");
      }
      return serve(input, init);
    }) as typeof fetch;
    let clock = 0;
    const keys = createJwksCache({ fetchImpl: impl, maxAgeMs: 10_000, cooldownMs: 1000, clock: () => clock });
    await verify(await token(), keys);
    expect(calls).toHaveLength(2);

    down = true;
    clock = 10_001; // the JWKS is now older than maxAge: refetched, the fetch fails, the cached keys still verify
    expect((await verify(await token(), keys)).sub).toBe("alice");
    expect(calls).toEqual([`${ISSUER}/.well-known/openid-configuration`, `${ISSUER}/jwks`, `down ${ISSUER}/.well-known/openid-configuration`]);
    clock = 10_500; // within the cooldown of that failure: no new attempt on every call
    expect((await verify(await token(), keys)).sub).toBe("alice");
    expect(calls).toHaveLength(3);

    const unknownKid = await token({}, { kid: "k9" });
    expect(await failure(verify(unknownKid, keys))).toEqual(["InvalidIdentityToken", 400, KEY_MESSAGE]); // no fetch in cooldown
    expect(calls).toHaveLength(3);
    clock = 11_600; // cooldown over: one new fetch is tried and fails → the unknown kid gets the verification-key message
    expect(await failure(verify(unknownKid, keys))).toEqual(["InvalidIdentityToken", 400, KEY_MESSAGE]);
    expect(calls).toHaveLength(4);
    expect((await verify(await token(), keys)).sub).toBe("alice"); // the known kid is unaffected (and no refetch: cooldown)
    expect(calls).toHaveLength(4);

    down = false;
    clock = 12_700; // provider back, cooldown over: the stale JWKS is refreshed
    expect((await verify(await token(), keys)).sub).toBe("alice");
    expect(calls).toHaveLength(6);
    clock = 13_000; // fresh again: no fetches
    expect((await verify(await token(), keys)).sub).toBe("alice");
    expect(calls).toHaveLength(6);
  });

  it("a first fetch that fails is not hidden: the verification-key message, and the next call tries again", async () => {
    let down = true;
    const { impl: serve, calls } = fakeFetch(() => ({ keys: [jwk] }));
    const impl = (async (input: string | URL | Request, init?: RequestInit) => {
      if (down) throw new TypeError("fetch failed");
      return serve(input, init);
    }) as typeof fetch;
    const keys = createJwksCache({ fetchImpl: impl, clock: () => 0 });
    expect(await failure(verify(await token(), keys))).toEqual(["InvalidIdentityToken", 400, KEY_MESSAGE]);
    down = false;
    expect((await verify(await token(), keys)).sub).toBe("alice");
    expect(calls).toHaveLength(2);
  });

  it("rejects a signature by another key with the same kid", async () => {
    const { impl } = fakeFetch(() => ({ keys: [jwk] }));
    const other = await generateKeyPair("RS256");
    expect(await failure(verify(await token({}, {}, other.privateKey), createJwksCache({ fetchImpl: impl })))).toEqual([
      "InvalidIdentityToken",
      400,
      "The web identity token's signature is invalid",
    ]);
  });

  it("matches the audience on aud, else azp", async () => {
    const { impl } = fakeFetch(() => ({ keys: [jwk] }));
    const keys = createJwksCache({ fetchImpl: impl });
    expect((await verify(await token({ aud: ["x", "web-identity-console"] }), keys)).audience).toBe("web-identity-console");
    expect((await verify(await token({ aud: "server", azp: "web-identity-console" }), keys)).audience).toBe("web-identity-console");
    expect(await failure(verify(await token({ aud: "someone-else" }), keys))).toEqual(["InvalidIdentityToken", 400, "Incorrect token audience"]);
  });

  it("requires integer exp and a sub", async () => {
    const { impl } = fakeFetch(() => ({ keys: [jwk] }));
    const keys = createJwksCache({ fetchImpl: impl });
    expect((await failure(verify(await token({ sub: undefined }), keys)))[2]).toBe("The web identity token has no sub claim");
    const fractional = await new SignJWT({ sub: "alice", aud: "web-identity-console", exp: NOW_S + 0.5 })
      .setProtectedHeader({ alg: "RS256", kid: "k1" })
      .setIssuer(ISSUER)
      .sign(key.privateKey);
    expect((await failure(verify(fractional, keys)))[2]).toBe("The web identity token's exp claim must be an integer (seconds since the epoch)");
  });
});

describe("token lifetime checks", () => {
  it("gives exp a 300 s grace", () => {
    expect(() => checkExpiry(NOW_S - 300, NOW)).not.toThrow();
    let f: unknown;
    try {
      checkExpiry(NOW_S - 301, NOW);
    } catch (e) {
      f = e;
    }
    expect(f).toBeInstanceOf(StsFault);
    expect([(f as StsFault).code, (f as StsFault).status, (f as StsFault).message]).toEqual([
      "ExpiredTokenException",
      400,
      `Token expired: current date/time ${NOW_S} must be before the expiration date/time ${NOW_S - 301}`,
    ]);
  });

  it("honours nbf with the same tolerance", () => {
    expect(() => checkNotBefore({ nbf: NOW_S + 300 }, NOW)).not.toThrow();
    expect(() => checkNotBefore({ nbf: NOW_S + 301 }, NOW)).toThrow(
      `Token not yet valid: current date/time ${NOW_S} must be after the not-before date/time ${NOW_S + 301}`,
    );
  });

  it("derives azp and a single-string amr as condition keys", () => {
    expect(webIdentityConditionKeys("h", { aud: "a", azp: "z", amr: "pwd" }, "a", "s")).toEqual({
      "h:aud": "a",
      "h:oaud": ["a"],
      "h:sub": "s",
      "h:azp": "z",
      "h:amr": "pwd",
    });
  });
});

describe("checkTokenSignature", () => {
  const algs = ["RS256", "RS384", "RS512", "ES256", "ES384", "ES512"] as const;

  async function sign(alg: string, signer: CryptoKey, payload: Record<string, unknown> = { sub: "alice" }) {
    return new SignJWT(payload).setProtectedHeader({ alg }).sign(signer);
  }

  it.each(algs)("verifies %s with its own key and refuses a key of the same type that did not sign", async (alg) => {
    const a = await generateKeyPair(alg);
    const b = await generateKeyPair(alg);
    const t = await sign(alg, a.privateKey);
    expect(await checkTokenSignature(t, [b.publicKey, a.publicKey])).toEqual({ sub: "alice" });
    expect(await failure(checkTokenSignature(t, [b.publicKey]))).toEqual(["InvalidIdentityToken", 400, "The web identity token's signature is invalid"]);
  });

  it("refuses a key whose type, curve or hash does not fit the token's alg", async () => {
    const rsa = await generateKeyPair("RS256");
    const p256 = await generateKeyPair("ES256");
    const p384 = await generateKeyPair("ES384");
    const invalid = ["InvalidIdentityToken", 400, "The web identity token's signature is invalid"];
    // RS256-imported key (hash pinned to SHA-256) cannot verify an RS512 token even from the same private key material.
    const rs512 = await generateKeyPair("RS512");
    expect(await failure(checkTokenSignature(await sign("RS512", rs512.privateKey), [rsa.publicKey]))).toEqual(invalid);
    expect(await failure(checkTokenSignature(await sign("ES256", p256.privateKey), [p384.publicKey, rsa.publicKey]))).toEqual(invalid);
    expect(await failure(checkTokenSignature(await sign("RS256", rsa.privateKey), [p256.publicKey]))).toEqual(invalid);
  });

  it("refuses RSA keys under 2048 bits, critical headers and tampered payloads", async () => {
    const invalid = ["InvalidIdentityToken", 400, "The web identity token's signature is invalid"];
    const rsa1024 = (await crypto.subtle.generateKey(
      { name: "RSASSA-PKCS1-v1_5", modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
      true,
      ["sign", "verify"],
    )) as CryptoKeyPair;
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
    const signRaw = async (header: Record<string, unknown>, signer: globalThis.CryptoKey) => {
      const input = `${b64(header)}.${b64({ sub: "alice" })}`;
      const sig = await crypto.subtle.sign("RSASSA-PKCS1-v1_5", signer, new TextEncoder().encode(input));
      return `${input}.${Buffer.from(sig).toString("base64url")}`;
    };
    const smallToken = await signRaw({ alg: "RS256" }, rsa1024.privateKey);
    expect(await failure(checkTokenSignature(smallToken, [rsa1024.publicKey as unknown as CryptoKey]))).toEqual(invalid);
    const critToken = await signRaw({ alg: "RS256", crit: ["x-custom"], "x-custom": 1 }, key.privateKey as unknown as globalThis.CryptoKey);
    expect(await failure(checkTokenSignature(critToken, [key.publicKey]))).toEqual(invalid);
    // Same header and key, no crit: verifies — so the refusal above is the crit rule, not a signing mistake.
    expect(await checkTokenSignature(await signRaw({ alg: "RS256" }, key.privateKey as unknown as globalThis.CryptoKey), [key.publicKey])).toEqual({ sub: "alice" });
    const good = await sign("RS256", key.privateKey);
    const [h, , s] = good.split(".");
    const forged = `${h}.${Buffer.from(JSON.stringify({ sub: "bob" })).toString("base64url")}.${s}`;
    expect(await failure(checkTokenSignature(forged, [key.publicKey]))).toEqual(invalid);
  });
});

describe("checkTokenShape", () => {
  const b64 = (text: string | Buffer) => Buffer.from(text).toString("base64url");
  const payload = b64(JSON.stringify({ iss: ISSUER, sub: "alice" }));

  it("accepts the header jose accepts and refuses the rest as not a valid JWT, decoding the payload once", () => {
    const headers = [
      b64('{"alg":"RS256","kid":"k1"}'),
      b64(Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d])), // {"a":"<0xff>"}: not UTF-8
      `${b64('{"alg":"RS256"}')}A`, // a base64url length of 4n + 1
      b64("[1]"),
      b64("null"),
      b64("{"),
    ];
    for (const header of headers) {
      const token = `${header}.${payload}.c2ln`;
      const joseAccepts = (() => {
        try {
          decodeProtectedHeader(token);
          return true;
        } catch {
          return false;
        }
      })();
      if (joseAccepts) expect(checkTokenShape(token)).toEqual({ header: decodeProtectedHeader(token), iss: ISSUER, claims: { iss: ISSUER, sub: "alice" } });
      else expect(thrownFaultTriple(() => checkTokenShape(token))).toEqual(["InvalidIdentityToken", 400, "The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)"]);
    }
  });
});

describe("createJwksCache key selection", () => {
  it("selects by alg and kid once per JWKS and serves the same keys after; a kid of another type is no match", async () => {
    const other = { ...(await exportJWK((await generateKeyPair("RS256")).publicKey)), kid: "1", alg: "RS256", use: "sig" };
    const { impl, calls } = fakeFetch(() => ({ keys: [jwk, other] }));
    const cache = createJwksCache({ fetchImpl: impl });
    const first = await cache.candidates(ISSUER, { alg: "RS256", kid: "k1" });
    expect(first).toHaveLength(1);
    expect(await cache.candidates(ISSUER, { alg: "RS256", kid: "k1" })).toBe(first);
    const second = await cache.candidates(ISSUER, { alg: "RS256", kid: "1" });
    expect(second).toHaveLength(1);
    expect(second[0]).not.toBe(first[0]);
    expect(await cache.candidates(ISSUER, { alg: "RS256" })).toHaveLength(2);
    expect(await failure(cache.candidates(ISSUER, { alg: "RS256", kid: 1 } as unknown as { alg: string; kid: string }))).toEqual(["InvalidIdentityToken", 400, KEY_MESSAGE]);
    expect(calls).toHaveLength(2);
  });
});
