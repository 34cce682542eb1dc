import { describe, expect, it } from "vitest";
import { StsFault } from "./faults";
import { checkSessionCredential, createSessionStore, isAssumedRoleSession, OPENED_SESSIONS_CACHE_SIZE, sessionContextKeys } from "./sessions";

const session = {
  account: "123456789012",
  assumedRoleArn: "arn:aws:sts::123456789012:assumed-role/R/s",
  assumedRoleId: "AROAEXAMPLE:s",
  roleArn: "arn:aws:iam::123456789012:role/R",
  roleName: "R",
  roleSessionName: "s",
};

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof StsFault) return `${e.code} ${e.status} ${e.message}`;
    throw e;
  }
  return "ok";
}

describe("session tokens", () => {
  it("seals a self-contained session that only the same store opens", () => {
    const store = createSessionStore();
    const creds = store.issue(session, Date.UTC(2030, 0, 1));
    expect(creds.accessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(creds.secretAccessKey).toHaveLength(40);
    expect(creds.expiration.toISOString()).toBe("2030-01-01T00:00:00.000Z");
    const opened = store.open(creds.sessionToken);
    expect(opened).toMatchObject({ ...session, accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey });
    expect(createSessionStore().open(creds.sessionToken)).toBeUndefined();
    const flipped = Buffer.from(creds.sessionToken, "base64");
    flipped[flipped.length - 1] = (flipped[flipped.length - 1] ?? 0) ^ 1;
    expect(store.open(flipped.toString("base64"))).toBeUndefined();
    expect(store.open("not base64!")).toBeUndefined();
  });

  it("seals the session's members in order, then the key id, secret and expiry (the JSON a spread would give)", () => {
    const store = createSessionStore();
    const withIdentity = { kind: "assumed-role" as const, ...session, sessionPolicy: undefined, webIdentity: { federatedProvider: "p", providerName: "n", sub: "s\u2028\"", aud: "a", keys: { "n:aud": "a", "n:amr": ["pwd"] } } };
    const creds = store.issue(withIdentity, Date.UTC(2030, 0, 1, 0, 0, 0, 999));
    const opened = store.open(creds.sessionToken);
    const expected = JSON.parse(JSON.stringify({ ...withIdentity, accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey, expiration: Date.UTC(2030, 0, 1) / 1000 })) as object;
    expect(opened).toEqual(expected);
    expect(Object.keys(opened ?? {})).toEqual(Object.keys(expected));
    expect(creds.expiration.getTime()).toBe(Date.UTC(2030, 0, 1));
  });

  it("keeps opened sessions, frozen and shared, in a bounded cache; a token dropped from it still opens", () => {
    const store = createSessionStore();
    const tokens = Array.from({ length: OPENED_SESSIONS_CACHE_SIZE + 5 }, (_, i) => store.issue({ ...session, roleSessionName: `s${i}` }, Date.UTC(2030, 0, 1)).sessionToken);
    const first = store.open(tokens[0] ?? "");
    expect(first).toMatchObject({ roleSessionName: "s0" });
    expect(store.open(tokens[0] ?? "")).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    for (const token of tokens) expect(store.open(token)).toBeDefined();
    const again = store.open(tokens[0] ?? "");
    expect(again).toEqual(first);
    expect(again).not.toBe(first); // opened anew once the cache had dropped it
    const flipped = Buffer.from(tokens[1] ?? "", "base64");
    flipped[flipped.length - 1] = (flipped[flipped.length - 1] ?? 0) ^ 1;
    expect(store.open(flipped.toString("base64"))).toBeUndefined();
  });

  it("checks key id, token and expiry in that order", () => {
    const store = createSessionStore();
    const exp = Date.UTC(2030, 0, 1);
    const creds = store.issue(session, exp);
    expect(code(() => checkSessionCredential(store, creds.accessKeyId, creds.sessionToken, exp - 1))).toBe("ok");
    expect(code(() => checkSessionCredential(store, creds.accessKeyId, undefined, exp - 1))).toBe(
      "InvalidClientTokenId 403 The security token included in the request is invalid.",
    );
    expect(code(() => checkSessionCredential(store, "ASIAOTHER", creds.sessionToken, exp - 1))).toMatch(/^InvalidClientTokenId/);
    expect(code(() => checkSessionCredential(store, creds.accessKeyId, creds.sessionToken, exp))).toBe(
      "ExpiredToken 403 The security token included in the request is expired",
    );
  });

  it("survive the token: the web identity's keys, aws:FederatedProvider and the principal keys for later policy evaluation", () => {
    const store = createSessionStore();
    const webIdentity = {
      federatedProvider: "www.amazon.com",
      providerName: "www.amazon.com",
      sub: "amzn1.account.AF6RHO7KZU5XRVQJGXK6HB56KR2A",
      aud: "amzn1.application-oa2-client.5e1f",
      keys: { "www.amazon.com:app_id": "amzn1.application-oa2-client.5e1f", "www.amazon.com:user_id": "amzn1.account.AF6RHO7KZU5XRVQJGXK6HB56KR2A" },
    };
    const creds = store.issue({ ...session, webIdentity, sessionTags: [{ key: "Project", value: "Demo" }], sourceIdentity: "alice" }, Date.UTC(2030, 0, 1));
    const opened = store.open(creds.sessionToken);
    expect(opened && isAssumedRoleSession(opened) ? opened.webIdentity : undefined).toEqual(webIdentity);
    expect(opened && sessionContextKeys(opened)).toEqual({
      "aws:userid": "AROAEXAMPLE:s",
      "aws:PrincipalArn": "arn:aws:iam::123456789012:role/R",
      "aws:PrincipalAccount": "123456789012",
      "aws:PrincipalType": "AssumedRole",
      "www.amazon.com:app_id": "amzn1.application-oa2-client.5e1f",
      "www.amazon.com:user_id": "amzn1.account.AF6RHO7KZU5XRVQJGXK6HB56KR2A",
      "aws:FederatedProvider": "www.amazon.com",
      "aws:PrincipalTag/Project": "Demo",
      "aws:SourceIdentity": "alice",
      "aws:MultiFactorAuthPresent": "false",
    });
    const plain = store.open(store.issue(session, Date.UTC(2030, 0, 1)).sessionToken);
    expect(plain && sessionContextKeys(plain)).not.toHaveProperty("aws:FederatedProvider");
  });
});

describe("encoded authorization messages", () => {
  it("open only with the store that sealed them, unaltered; session tokens and messages do not mix", () => {
    const store = createSessionStore();
    const encoded = store.sealMessage('{"allowed":false}');
    expect(encoded).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(store.openMessage(encoded)).toBe('{"allowed":false}');
    expect(createSessionStore().openMessage(encoded)).toBeUndefined();
    expect(store.openMessage(`${encoded.slice(0, -2)}${encoded.endsWith("AA") ? "BB" : "AA"}`)).toBeUndefined();
    expect(store.openMessage("not a message")).toBeUndefined();
    const token = store.issue({ account: "123456789012", kind: "user-session", userArn: "arn:aws:iam::123456789012:root", userId: "123456789012" }, Date.UTC(2030, 0, 1)).sessionToken;
    expect(store.openMessage(token.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, ""))).toBeUndefined();
    expect(store.open(Buffer.from(encoded, "base64url").toString("base64"))).toBeUndefined();
  });
});
