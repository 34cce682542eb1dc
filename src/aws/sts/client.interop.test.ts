/**
 * The browser's STS client (src/aws/sts) against the local STS stand-in (src/local/sts), which shares no code with it:
 * the same answers the official SDK gets (src/local/sts/*.interop.test.ts) must read here too, every operation,
 * success and refusal, with the client's metadata, retries and clock-skew correction on a real wire.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadStackConfig, type StackConfig } from "../../local/config";
import { signInHeadless } from "../../local/idp/headless";
import { startIdp, type IdpServer } from "../../local/idp/server";
import { startSts, type StsServer } from "../../local/sts/server";
import { createSessionStore } from "../../local/sts/sessions";
import { isAwsClientError, isAwsServiceError } from "../errors";
import { parseXml, textAt } from "../xml";
import { assumeRoleWithWebIdentity, createStsClient, getCallerIdentity, type StsClient, type StsClientConfig, type TemporaryCredentials } from "./index";
import { rejection } from "../testing";

const USER_ROLE = "arn:aws:iam::123456789012:role/WebIdentityConsoleUser";
const ALICE_ROLE = "arn:aws:iam::123456789012:role/demo/AliceOnly";

let idp: IdpServer;
let sts: StsServer;
let config: StackConfig;
/** Offset of the STS clock from real time (ms), to play clock skew. */
let stsOffsetMs = 0;
/** Shared by every STS of this file: credentials issued by one are known to the others. */
const sessions = createSessionStore();

beforeAll(async () => {
  idp = await startIdp({ config: loadStackConfig(), port: 0, quiet: true });
  config = loadStackConfig(undefined, { issuer: idp.issuer });
  sts = await startSts({ config, port: 0, sessions, now: () => Date.now() + stsOffsetMs });
});

afterAll(async () => {
  await sts?.close();
  await idp?.close();
});

function client(extra: Partial<StsClientConfig> = {}): StsClient {
  return createStsClient({ region: config.region, endpoint: sts.url, retry: { retries: 0, baseMs: 0 }, ...extra });
}

async function idToken(username: string): Promise<string> {
  const tokens = await signInHeadless({ issuer: idp.issuer, clientId: "web-identity-console", redirectUri: "http://127.0.0.1:5173/", username, password: `${username}-password` });
  return tokens.idToken;
}

async function webIdentityCredentials(username: string, durationSeconds = 3600): Promise<TemporaryCredentials> {
  const { result } = await assumeRoleWithWebIdentity(client(), { roleArn: USER_ROLE, roleSessionName: username, webIdentityToken: await idToken(username), durationSeconds });
  return result.credentials;
}

describe("AssumeRoleWithWebIdentity and GetCallerIdentity on the wire", () => {
  it("exchanges a real ID token and signs GetCallerIdentity with the credentials", async () => {
    const done = await assumeRoleWithWebIdentity(client(), { roleArn: USER_ROLE, roleSessionName: "alice", webIdentityToken: await idToken("alice"), durationSeconds: 900 });
    expect(done.result.assumedRoleUser.arn).toBe("arn:aws:sts::123456789012:assumed-role/WebIdentityConsoleUser/alice");
    expect(done.result.subjectFromWebIdentityToken).toBe("alice");
    expect(done.result.audience).toBe("web-identity-console");
    expect(done.result.credentials.accessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(done.result.credentials.expiration.getTime() - Date.now()).toBeGreaterThan(890_000);
    expect(done.metadata).toMatchObject({ httpStatus: 200, attempts: 1, totalRetryDelayMs: 0 });
    expect(done.metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);

    const who = await getCallerIdentity(client({ credentials: done.result.credentials }));
    expect(who.result).toMatchObject({ account: "123456789012", arn: done.result.assumedRoleUser.arn, userId: done.result.assumedRoleUser.assumedRoleId });
    expect(who.exchange.signing?.credentialScope).toMatch(/\/us-east-1\/sts\/aws4_request$/);
    expect(who.clockSkew?.source).toBeDefined();
  });

  it("a refusal by the trust policy is AWS's AccessDenied, not retried, with the exchange and metadata", async () => {
    const error = await rejection(
      assumeRoleWithWebIdentity(client({ retry: { retries: 2, baseMs: 1 } }), { roleArn: ALICE_ROLE, roleSessionName: "bob", webIdentityToken: await idToken("bob") }),
    );
    expect(isAwsServiceError(error) && error.code).toBe("AccessDenied");
    expect(error).toMatchObject({ status: 403, message: "Not authorized to perform sts:AssumeRoleWithWebIdentity", metadata: { attempts: 1, httpStatus: 403 } });
  });

  it("a forged token is InvalidIdentityToken and never retried", async () => {
    const token = await idToken("alice");
    const [header, payload] = token.split(".");
    const forged = `${header}.${payload}.${"A".repeat(342)}`;
    const error = await rejection(assumeRoleWithWebIdentity(client({ retry: { retries: 2, baseMs: 1 } }), { roleArn: USER_ROLE, roleSessionName: "alice", webIdentityToken: forged }));
    expect(error).toMatchObject({ name: "AwsServiceError", code: "InvalidIdentityToken", metadata: { attempts: 1 } });
  });

  it("a bad session name never leaves the browser; the local STS words the same rule the same way", async () => {
    const params = { roleArn: USER_ROLE, roleSessionName: "alice smith", webIdentityToken: await idToken("alice") };
    const local = await rejection(Promise.resolve().then(() => assumeRoleWithWebIdentity(client(), params)));
    expect(isAwsClientError(local) && local.kind).toBe("invalid-parameters");
    const body = new URLSearchParams({ Action: "AssumeRoleWithWebIdentity", Version: "2011-06-15", RoleArn: params.roleArn, RoleSessionName: params.roleSessionName, WebIdentityToken: params.webIdentityToken });
    const remote = parseXml(await (await fetch(sts.url, { method: "POST", body })).text());
    expect(textAt(remote, ["ErrorResponse", "Error", "Code"])).toBe("ValidationError");
    expect(textAt(remote, ["ErrorResponse", "Error", "Message"])).toBe((local as Error).message);
  });

  it("a device clock 20 minutes slow: the refusal teaches the client AWS's time and the call is re-signed once", async () => {
    const credentials = await webIdentityCredentials("alice");
    stsOffsetMs = 20 * 60_000;
    try {
      const c = client({ credentials });
      const done = await getCallerIdentity(c);
      expect(done.metadata.attempts).toBe(2);
      expect(done.exchange.retried?.[0]?.exchange.response?.status).toBe(403);
      expect(Math.abs((c.clockSkew?.offsetMs ?? 0) - stsOffsetMs)).toBeLessThan(2_000);
      // The next call signs with the learnt offset: one attempt.
      expect((await getCallerIdentity(c)).metadata.attempts).toBe(1);
    } finally {
      stsOffsetMs = 0;
    }
  });

  it("expired credentials are ExpiredToken (403), once the clock is corrected", async () => {
    const credentials = await webIdentityCredentials("alice", 900);
    stsOffsetMs = 20 * 60_000;
    try {
      const error = await rejection(getCallerIdentity(client({ credentials })));
      expect(error).toMatchObject({ code: "ExpiredToken", status: 403, message: "The security token included in the request is expired", metadata: { attempts: 2 } });
    } finally {
      stsOffsetMs = 0;
    }
  });
});

describe("retries against a stand-in that refuses on purpose", () => {
  it("Throttling (the local STS over its configured rate) is retried with full-jitter backoff until the bucket refills", async () => {
    const throttled = await startSts({ config: { ...config, sts: { maxRequestsPerSecond: 10 } }, port: 0, sessions });
    try {
      const credentials = await webIdentityCredentials("alice");
      const waits: number[] = [];
      const c = createStsClient({
        region: config.region,
        endpoint: throttled.url,
        credentials,
        retry: { retries: 4, baseMs: 200 },
        random: () => 0.99,
        sleep: (ms) =>
          new Promise<void>((resolve) =>
            setTimeout(() => {
              waits.push(ms);
              resolve();
            }, ms),
          ),
      });
      // Empty the bucket (10 requests in well under a second), then ask once more.
      const burst = await Promise.allSettled(Array.from({ length: 12 }, () => getCallerIdentity(createStsClient({ region: config.region, endpoint: throttled.url, credentials, retry: { retries: 0, baseMs: 0 } }))));
      expect(burst.filter((r) => r.status === "rejected").length).toBeGreaterThan(0);
      const done = await getCallerIdentity(c);
      expect(done.result.arn).toBe("arn:aws:sts::123456789012:assumed-role/WebIdentityConsoleUser/alice");
      expect(done.metadata.attempts).toBeGreaterThan(1);
      expect(done.exchange.retried?.every((r) => r.why === "Throttling" && r.exchange.response?.status === 400)).toBe(true);
      // Attempt n waited within its backoff window [0, 200·2ⁿ⁻¹) ms.
      waits.forEach((ms, n) => expect(ms).toBeLessThan(200 * 2 ** n));
      expect(done.metadata.totalRetryDelayMs).toBe(waits.reduce((a, b) => a + b, 0));
    } finally {
      await throttled.close();
    }
  });
});
