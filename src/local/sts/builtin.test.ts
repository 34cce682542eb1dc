import { generateKeyPair, SignJWT, type CryptoKey, type JWSHeaderParameters } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { loadStackConfig, type StackConfig } from "../config";
import { checkGoogleAudience, checkProviderId, googleKeyIssuer, verifyIdentity, type IdentityContext } from "./builtin";
import { MESSAGES, StsFault } from "./faults";
import { rejectedFaultTriple as failure, thrownFaultTriple } from "./testing";
import type { KeySource } from "./jwks";

const GOOGLE_ISSUER = "http://127.0.0.1:9402";
const GOOGLE_CLIENT = "918273645012-webidentityconsole.apps.googleusercontent.com";
const ALICE_GOOGLE = "108602733498142750271";
const NOW = Date.UTC(2025, 0, 1, 12, 0, 0);
const NOW_S = NOW / 1000;
const KEY_MESSAGE = MESSAGES.verificationKey;

let key: { privateKey: CryptoKey; publicKey: CryptoKey };
let other: { privateKey: CryptoKey; publicKey: CryptoKey };
const config: StackConfig = loadStackConfig();

beforeAll(async () => {
  key = await generateKeyPair("RS256");
  other = await generateKeyPair("RS256");
});

/** A key source that knows GOOGLE_ISSUER's key and records which issuers were asked. */
function keysOf(known: Record<string, CryptoKey[]> = { [GOOGLE_ISSUER]: [key.publicKey] }) {
  const asked: string[] = [];
  const keys: KeySource = {
    async candidates(issuer: string, _header: JWSHeaderParameters) {
      asked.push(issuer);
      const found = known[issuer];
      if (!found) throw new StsFault("InvalidIdentityToken", 400, KEY_MESSAGE);
      return found;
    },
  };
  return { keys, asked };
}

async function googleToken(claims: Record<string, unknown> = {}, signer: CryptoKey = key.privateKey, alg = "RS256"): Promise<string> {
  return new SignJWT({ iss: GOOGLE_ISSUER, aud: GOOGLE_CLIENT, azp: GOOGLE_CLIENT, sub: ALICE_GOOGLE, iat: NOW_S - 10, exp: NOW_S + 3600, ...claims })
    .setProtectedHeader({ alg, kid: "g1", typ: "JWT" })
    .sign(signer);
}

function ctx(keys: KeySource, now = NOW, fetchImpl?: typeof fetch): IdentityContext {
  return { config, keys, now, ...(fetchImpl ? { tokenInfo: { fetchImpl } } : {}) };
}

describe("Google ID tokens (built-in accounts.google.com)", () => {
  it("verify with the Google persona's keys, without an IAM OIDC provider: Provider accounts.google.com, Audience azp", async () => {
    expect(config.oidcProviders.some((p) => p.url === GOOGLE_ISSUER)).toBe(false);
    const { keys, asked } = keysOf();
    const identity = await verifyIdentity(await googleToken(), undefined, ctx(keys));
    expect(asked).toEqual([GOOGLE_ISSUER]);
    expect([identity.federatedProvider, identity.providerName, identity.audience, identity.sub]).toEqual(["accounts.google.com", "accounts.google.com", GOOGLE_CLIENT, ALICE_GOOGLE]);
    expect(identity.conditionKeys).toEqual({
      "accounts.google.com:aud": GOOGLE_CLIENT,
      "accounts.google.com:oaud": GOOGLE_CLIENT,
      "accounts.google.com:sub": ALICE_GOOGLE,
    });
    expect(identity.claims.email).toBeUndefined();
    expect(identity.claims.sub).toBe(ALICE_GOOGLE);
  });

  it("accounts.google.com:aud is azp when present, else aud; :oaud is always aud", async () => {
    const { keys } = keysOf();
    const crossClient = await verifyIdentity(await googleToken({ aud: "other-client.apps.googleusercontent.com" }), undefined, ctx(keys));
    expect(crossClient.audience).toBe(GOOGLE_CLIENT);
    expect(crossClient.conditionKeys["accounts.google.com:aud"]).toBe(GOOGLE_CLIENT);
    expect(crossClient.conditionKeys["accounts.google.com:oaud"]).toBe("other-client.apps.googleusercontent.com");
    const noAzp = await verifyIdentity(await googleToken({ azp: undefined, aud: "only-aud" }), undefined, ctx(keys));
    expect([noAzp.audience, noAzp.conditionKeys["accounts.google.com:aud"], noAzp.conditionKeys["accounts.google.com:oaud"]]).toEqual(["only-aud", "only-aud", "only-aud"]);
  });

  it("an ID token without azp and without one aud → Incorrect token audience", () => {
    expect(thrownFaultTriple(() => checkGoogleAudience({ sub: "x" }))).toEqual(["InvalidIdentityToken", 400, "Incorrect token audience"]);
    expect(thrownFaultTriple(() => checkGoogleAudience({ aud: ["a", "b"] }))).toEqual(["InvalidIdentityToken", 400, "Incorrect token audience"]);
    expect(checkGoogleAudience({ aud: ["a"] })).toBe("a");
  });

  it("the real Google issuers are Google too: keys from https://accounts.google.com, unreachable offline", async () => {
    expect(googleKeyIssuer(config, GOOGLE_ISSUER)).toBe(GOOGLE_ISSUER);
    expect(googleKeyIssuer(config, "https://accounts.google.com")).toBe("https://accounts.google.com");
    expect(googleKeyIssuer(config, "accounts.google.com")).toBe("https://accounts.google.com");
    expect(googleKeyIssuer(config, "http://127.0.0.1:9400")).toBeUndefined();
    for (const iss of ["https://accounts.google.com", "accounts.google.com"]) {
      const { keys, asked } = keysOf();
      expect(await failure(verifyIdentity(await googleToken({ iss }), undefined, ctx(keys)))).toEqual(["InvalidIdentityToken", 400, KEY_MESSAGE]);
      expect(asked).toEqual(["https://accounts.google.com"]);
    }
  });

  it("shares the OIDC checks: signature, algorithm, claim types, exp + 300 s, nbf", async () => {
    const { keys } = keysOf();
    expect(await failure(verifyIdentity(await googleToken({}, other.privateKey), undefined, ctx(keys)))).toEqual([
      "InvalidIdentityToken",
      400,
      "The web identity token's signature is invalid",
    ]);
    const hs = await new SignJWT({ iss: GOOGLE_ISSUER, aud: GOOGLE_CLIENT, sub: ALICE_GOOGLE, exp: NOW_S + 60 }).setProtectedHeader({ alg: "HS256" }).sign(new Uint8Array(32));
    expect((await failure(verifyIdentity(hs, undefined, ctx(keys))))[2]).toMatch(/^Unsupported signing algorithm "HS256"/);
    expect(await failure(verifyIdentity(await googleToken({ exp: NOW_S + 0.5 }), undefined, ctx(keys)))).toEqual([
      "InvalidIdentityToken",
      400,
      "The web identity token's exp claim must be an integer (seconds since the epoch)",
    ]);
    expect(await failure(verifyIdentity(await googleToken({ sub: undefined }), undefined, ctx(keys)))).toEqual(["InvalidIdentityToken", 400, "The web identity token has no sub claim"]);
    const expired = await googleToken({ exp: NOW_S - 301 });
    expect(await failure(verifyIdentity(expired, undefined, ctx(keys)))).toEqual([
      "ExpiredTokenException",
      400,
      `Token expired: current date/time ${NOW_S} must be before the expiration date/time ${NOW_S - 301}`,
    ]);
    expect((await verifyIdentity(await googleToken({ exp: NOW_S - 299 }), undefined, ctx(keys))).sub).toBe(ALICE_GOOGLE);
    expect((await failure(verifyIdentity(await googleToken({ nbf: NOW_S + 301 }), undefined, ctx(keys))))[2]).toMatch(/^Token not yet valid/);
  });

  it("an IAM OIDC provider's token still takes the IAM path (Provider = its ARN, client-id list)", async () => {
    const { keys, asked } = keysOf({ "http://127.0.0.1:9400": [key.publicKey] });
    const token = await googleToken({ iss: "http://127.0.0.1:9400", aud: "web-identity-console", azp: undefined, sub: "alice" });
    const identity = await verifyIdentity(token, undefined, ctx(keys));
    expect([identity.federatedProvider, identity.audience, asked]).toEqual(["arn:aws:iam::123456789012:oidc-provider/127.0.0.1:9400", "web-identity-console", ["http://127.0.0.1:9400"]]);
    const notGoogleClient = await googleToken({ iss: "http://127.0.0.1:9400", sub: "alice" });
    expect(await failure(verifyIdentity(notGoogleClient, undefined, ctx(keys)))).toEqual(["InvalidIdentityToken", 400, "Incorrect token audience"]);
  });
});

describe("ProviderId", () => {
  it("www.amazon.com and graph.facebook.com are the only ones; anything else → InvalidIdentityToken naming them", () => {
    expect(checkProviderId("www.amazon.com")).toBe("www.amazon.com");
    expect(checkProviderId("graph.facebook.com")).toBe("graph.facebook.com");
    for (const id of ["accounts.google.com", "https://www.amazon.com", "WWW.AMAZON.COM", "www.amazon.com:443", "cognito-identity.amazonaws.com"]) {
      expect(thrownFaultTriple(() => checkProviderId(id))).toEqual([
        "InvalidIdentityToken",
        400,
        `ProviderId ${id} is not supported: www.amazon.com and graph.facebook.com are the only supported identity providers for OAuth 2.0 access tokens. Omit ProviderId for OpenID Connect ID tokens.`,
      ]);
    }
  });

  it("an unsupported ProviderId is refused before any provider is called", async () => {
    const calls: string[] = [];
    const fetchImpl = (async (input: string | URL | Request) => {
      calls.push(String(input));
      return Response.json({});
    }) as typeof fetch;
    expect((await failure(verifyIdentity(await googleToken(), "accounts.google.com", ctx(keysOf().keys, NOW, fetchImpl))))[0]).toBe("InvalidIdentityToken");
    expect(calls).toEqual([]);
  });

  it("a JWT sent with ProviderId goes to that provider like any token, which refuses it → IDPRejectedClaim", async () => {
    const calls: URL[] = [];
    const fetchImpl = (async (input: string | URL | Request) => {
      calls.push(new URL(String(input)));
      return Response.json({ error: "invalid_token" }, { status: 400 });
    }) as typeof fetch;
    const { keys, asked } = keysOf();
    const token = await googleToken();
    expect(await failure(verifyIdentity(token, "www.amazon.com", ctx(keys, NOW, fetchImpl)))).toEqual([
      "IDPRejectedClaim",
      403,
      "www.amazon.com: www.amazon.com responded with HTTP/1.1 400 Bad Request",
    ]);
    expect(calls.map((u) => u.searchParams.get("access_token"))).toEqual([token]);
    expect(asked).toEqual([]);
  });

  it("an access token without ProviderId is not a JWT (AWS's text hints at the access token)", async () => {
    expect(await failure(verifyIdentity("Atza|IQEBLjAsAhRFiXuWpUXuRvQ9PZL3GMFcYevydwIU", undefined, ctx(keysOf().keys)))).toEqual([
      "InvalidIdentityToken",
      400,
      "The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)",
    ]);
  });
});
