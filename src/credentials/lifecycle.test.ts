import { describe, expect, it } from "vitest";
import type { ProviderSession } from "../auth/oidc";
import { ProviderError } from "../auth/errors";
import { AwsClientError, AwsServiceError } from "../aws/errors";
import type { Exchange } from "../aws/exchange";
import type { StsCallResult } from "../aws/sts";
import type { ExchangeInput, WebIdentityResult } from "./exchange";
import { createCredentialLifecycle, NoCredentialsError, REFRESH_RETRY_MS, type LifecycleDeps } from "./lifecycle";

const T0 = Date.parse("2026-11-23T14:00:00Z");
const INPUT: ExchangeInput = { roleArn: "arn:aws:iam::123456789012:role/R", sessionName: "alice", durationSeconds: 900 };

/** A fake device clock with timers, and an AWS clock `skewMs` ahead of it. */
function fakeWorld(opts: { skewMs?: number; tokenLifetime?: number } = {}) {
  let now = T0;
  let nextId = 1;
  const timers = new Map<number, { at: number; fn: () => void }>();
  const skewMs = opts.skewMs ?? 0;
  const calls = { exchange: [] as { token: string; input: ExchangeInput }[], renew: 0 };
  let exchangeResults: (() => Promise<StsCallResult<WebIdentityResult>>)[] = [];
  let renewResult: () => Promise<ProviderSession> = () => Promise.resolve(session(now + skewMs, "renewed"));
  let keyCounter = 0;

  const flush = async () => {
    for (let i = 0; i < 20; i++) await Promise.resolve();
  };

  function session(issuedAtServerMs: number, token = "id-token-1"): ProviderSession {
    const iat = Math.floor(issuedAtServerMs / 1000);
    return {
      providerId: "local",
      stsToken: "id_token",
      stsProviderId: undefined,
      webIdentityToken: token,
      webIdentityTokenExpiresAt: iat + (opts.tokenLifetime ?? 3600),
      webIdentityTokenIssuedAt: iat,
      subject: "alice",
      displayName: "alice",
      profile: undefined,
      idToken: token,
      accessToken: "access",
      tokenType: "Bearer",
      scope: "openid",
      expiresAt: undefined,
      hasRefreshToken: false,
      claims: { sub: "alice", iat, exp: iat + (opts.tokenLifetime ?? 3600) },
      header: {},
      obtainedBy: "sign-in",
      callbackMs: 1,
    };
  }

  /** A successful STS answer issued at AWS time now, lasting `input.durationSeconds`. */
  function success(input: ExchangeInput): StsCallResult<WebIdentityResult> {
    const serverNow = now + skewMs;
    keyCounter++;
    const exchange: Exchange = {
      request: { method: "POST", url: "https://sts.example/", headers: {}, body: "" },
      response: { status: 200, statusText: "OK", headers: { date: new Date(serverNow).toUTCString() }, body: "<xml/>" },
      startedAt: new Date(now),
      durationMs: 0,
    };
    return {
      exchange,
      metadata: { requestId: "r", httpStatus: 200, attempts: 1, totalRetryDelayMs: 0 },
      result: {
        credentials: { accessKeyId: `ASIAKEY${keyCounter}`, secretAccessKey: `secret-${keyCounter}`, sessionToken: `token-${keyCounter}`, expiration: new Date(Math.floor(serverNow / 1000) * 1000 + input.durationSeconds * 1000) },
        assumedRoleUser: { arn: "arn:aws:sts::123456789012:assumed-role/R/alice", assumedRoleId: "AROA:alice" },
        subjectFromWebIdentityToken: "alice",
        provider: "p",
        audience: "a",
        requestId: "r",
        receivedAt: now,
      },
    };
  }

  const deps: LifecycleDeps = {
    now: () => now,
    setTimer: (fn, ms) => {
      const id = nextId++;
      timers.set(id, { at: now + ms, fn });
      return id;
    },
    clearTimer: (h) => void timers.delete(h as number),
    exchange: (provider, input) => {
      calls.exchange.push({ token: provider.webIdentityToken, input });
      const next = exchangeResults.shift();
      return next ? next() : Promise.resolve(success(input));
    },
    renewToken: () => {
      calls.renew++;
      return renewResult();
    },
  };

  return {
    deps,
    calls,
    session,
    success,
    get now() {
      return now;
    },
    get pendingTimers() {
      return timers.size;
    },
    flush,
    /** Queue the next exchange answers (then the default success resumes). */
    answerNext(...results: (() => Promise<StsCallResult<WebIdentityResult>>)[]) {
      exchangeResults = results;
    },
    renewWith(fn: () => Promise<ProviderSession>) {
      renewResult = fn;
    },
    /** Move the device clock, firing due timers in order (bounded). */
    async advance(ms: number) {
      const end = now + ms;
      for (let i = 0; i < 1000; i++) {
        const due = [...timers.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
        if (!due) break;
        timers.delete(due[0]);
        now = Math.max(now, due[1].at);
        due[1].fn();
        await flush();
      }
      now = end;
      await flush();
    },
  };
}

function serviceError(code: string, status = 400): AwsServiceError {
  return new AwsServiceError({ code, message: code, type: "Sender", status, requestId: "r", body: "" });
}

/** The refresh is planned at `atMs`, give or take the ±1 s a `Date` header can tell about AWS's clock. */
function expectScheduledNear(refresh: unknown, atMs: number) {
  expect(refresh).toMatchObject({ kind: "scheduled", reuseToken: expect.any(Boolean) });
  expect(Math.abs((refresh as { atMs: number }).atMs - atMs)).toBeLessThanOrEqual(1000);
}

async function started(world: ReturnType<typeof fakeWorld>, deps: Partial<LifecycleDeps> = {}, input = INPUT) {
  const lifecycle = createCredentialLifecycle(world.session(T0), input, { ...world.deps, ...deps });
  lifecycle.start({ reason: "sign-in", input });
  await world.flush();
  return lifecycle;
}

describe("credential lifecycle: first exchange and refresh timing", () => {
  it("exchanges once on start and plans the refresh at Expiration − 10 % (60 s floor)", async () => {
    const world = fakeWorld();
    const lc = await started(world);
    const s = lc.getState();
    expect(world.calls.exchange).toHaveLength(1);
    expect(s.credentials?.sessionSeconds).toBe(900);
    expect(s.refresh).toMatchObject({ reuseToken: true }); // the 3600 s ID token outlives the 90 s margin at 810 s
    expectScheduledNear(s.refresh, T0 + 810_000);

    const long = fakeWorld();
    const lc2 = await started(long, {}, { ...INPUT, durationSeconds: 3600 });
    expectScheduledNear(lc2.getState().refresh, T0 + 3_240_000);
    expect(lc2.getState().refresh).toMatchObject({ reuseToken: false }); // 360 s left then: not more than the margin
  });

  it("uses the configured margin", async () => {
    const world = fakeWorld();
    const lc = await started(world, { marginSeconds: 120 });
    expectScheduledNear(lc.getState().refresh, T0 + 780_000);
  });

  it("refreshes at the planned time reusing the ID token, with the same choices, and says so once", async () => {
    const world = fakeWorld();
    const lc = await started(world, {}, { ...INPUT, policy: "{}" });
    const first = lc.getState().credentials?.result.credentials.accessKeyId;
    await world.advance(809_000);
    expect(world.calls.exchange).toHaveLength(1);
    await world.advance(1_000);
    expect(world.calls.exchange).toHaveLength(2);
    expect(world.calls.renew).toBe(0);
    expect(world.calls.exchange[1]).toEqual({ token: "id-token-1", input: { ...INPUT, policy: "{}" } });
    const s = lc.getState();
    expect(s.credentials?.result.credentials.accessKeyId).not.toBe(first);
    expect(s.history.map((r) => [r.reason, r.ok])).toEqual([["sign-in", true], ["refresh", true]]);
    expect(s.announcement?.text).toMatch(/^AWS credentials refreshed: valid until \d\d:\d\d:\d\d\.$/);
    expect(s.expired).toBe(false);
    expectScheduledNear(s.refresh, T0 + 810_000 + 810_000);
  });

  it("converts AWS time to this device's time: a clock an hour slow still refreshes on time", async () => {
    const world = fakeWorld({ skewMs: 3_600_000 });
    const lc = await started(world);
    expect(lc.getState().clockSkew?.offsetMs).toBeGreaterThan(3_599_000);
    expect(lc.getState().clockSkew?.offsetMs).toBeLessThan(3_601_000);
    expect(lc.serverNow() - world.now).toBeGreaterThan(3_599_000);
    await world.advance(812_000);
    expect(world.calls.exchange).toHaveLength(2);
    expect(lc.getState().expired).toBe(false);
  });
});

describe("credential lifecycle: when the provider token is too old", () => {
  it("renews the ID token silently first, then exchanges the new one", async () => {
    const world = fakeWorld({ tokenLifetime: 900 }); // the ID token dies with the credentials
    const lc = await started(world);
    await world.advance(810_000);
    expect(world.calls.renew).toBe(1);
    expect(world.calls.exchange.map((c) => c.token)).toEqual(["id-token-1", "renewed"]);
    expect(lc.getState().provider.webIdentityToken).toBe("renewed");
    expect(lc.sessionKey).toEqual({ sub: "alice", iat: Math.floor(T0 / 1000) }); // the session's key survives the renewal
    expect(lc.getState().refresh.kind).toBe("scheduled");
  });

  it("keeps the old credentials and asks for a sign-in when the provider refuses; expires them on time", async () => {
    const world = fakeWorld({ tokenLifetime: 900 });
    world.renewWith(() => Promise.reject(new ProviderError("login-required", "renewal", "Local needs you to sign in again (it answered login_required).")));
    const lc = await started(world);
    const creds = lc.getState().credentials;
    await world.advance(810_000);
    let s = lc.getState();
    expect(s.refresh).toEqual({ kind: "sign-in-needed", why: "Local needs you to sign in again (it answered login_required)." });
    expect(s.credentials).toBe(creds);
    expect(s.expired).toBe(false);
    expect(world.calls.exchange).toHaveLength(1);
    await world.advance(90_000);
    s = lc.getState();
    expect(s.expired).toBe(true);
    expect(s.announcement?.text).toMatch(/^AWS credentials expired at \d\d:\d\d:\d\d\.$/);
    expect(world.calls.renew).toBe(1); // no retry loop against a refusing provider
  });

  it("renews once and retries when STS says the token expired although it looked valid", async () => {
    const world = fakeWorld();
    const lc = await started(world);
    world.answerNext(() => Promise.reject(serviceError("ExpiredTokenException")));
    await world.advance(810_000);
    expect(world.calls.renew).toBe(1);
    expect(world.calls.exchange.map((c) => c.token)).toEqual(["id-token-1", "id-token-1", "renewed"]);
    expect(lc.getState().history.map((r) => [r.reason, r.ok])).toEqual([["sign-in", true], ["refresh", false], ["refresh", true]]);
    expect(lc.getState().lastError).toBeUndefined();
  });
});

describe("credential lifecycle: failures, single flight, expiry", () => {
  it("retries a failed automatic refresh every 30 s while the credentials are valid, and never after", async () => {
    const world = fakeWorld();
    const lc = await started(world);
    const down = () => Promise.reject(new AwsClientError("cors-or-network", "down"));
    world.answerNext(down, down, down, down, down);
    await world.advance(810_000);
    const failed = lc.getState().refresh;
    expect(failed).toMatchObject({ kind: "failed", error: expect.any(AwsClientError) });
    const retryAt = (failed as { retryAtMs: number }).retryAtMs;
    expect(retryAt - world.now).toBeGreaterThan(REFRESH_RETRY_MS - 1000);
    expect(retryAt - world.now).toBeLessThanOrEqual(REFRESH_RETRY_MS);
    await world.advance(REFRESH_RETRY_MS);
    expect(world.calls.exchange).toHaveLength(3);
    await world.advance(REFRESH_RETRY_MS);
    expect(world.calls.exchange).toHaveLength(4);
    expect(lc.getState().refresh).toMatchObject({ kind: "failed", retryAtMs: undefined }); // the next try would be after expiry
    await world.advance(600_000);
    expect(world.calls.exchange).toHaveLength(4);
    expect(lc.getState().expired).toBe(true);
  });

  it("runs one refresh for many callers (single flight)", async () => {
    const world = fakeWorld();
    const lc = await started(world);
    const outcomes = await Promise.all([lc.refresh("get-new"), lc.refresh("get-new"), lc.refresh("expired-token")]);
    expect(outcomes).toEqual(["refreshed", "refreshed", "refreshed"]);
    expect(world.calls.exchange).toHaveLength(2);
  });

  it("announces 5 min, 1 min and expiry once each — not every second", async () => {
    const world = fakeWorld();
    const lc = await started(world, { marginSeconds: 10 });
    world.answerNext(() => Promise.reject(new AwsClientError("cors-or-network", "down")));
    const seen: string[] = [];
    lc.subscribe(() => {
      const a = lc.getState().announcement;
      if (a && seen.at(-1) !== `${a.id}:${a.text}`) seen.push(`${a.id}:${a.text}`);
    });
    for (let i = 0; i < 900; i++) await world.advance(1_000);
    expect(seen.map((s) => s.replace(/^\d+:/, "").replace(/\d\d:\d\d:\d\d/, "HH:MM:SS"))).toEqual([
      "AWS credentials expire in 5 minutes.",
      "AWS credentials expire in 1 minute.",
      "AWS credentials expired at HH:MM:SS.",
    ]);
  });
});

describe("credential lifecycle: signed calls", () => {
  it("refreshes once and retries once on ExpiredToken, then gives up (never a loop)", async () => {
    const world = fakeWorld();
    const lc = await started(world);
    const used: string[] = [];
    const result = await lc.withCredentials(async (c) => {
      used.push(c.accessKeyId);
      if (used.length === 1) throw serviceError("ExpiredToken", 403);
      return "ok";
    });
    expect(result).toBe("ok");
    expect(used).toEqual(["ASIAKEY1", "ASIAKEY2"]);

    const always: string[] = [];
    await expect(
      lc.withCredentials(async (c) => {
        always.push(c.accessKeyId);
        throw serviceError("ExpiredToken", 403);
      }),
    ).rejects.toMatchObject({ code: "ExpiredToken" });
    expect(always).toEqual(["ASIAKEY2", "ASIAKEY3"]);
    expect(world.calls.exchange).toHaveLength(3);
  });

  it("does not refresh for other errors, and refuses to run without credentials", async () => {
    const world = fakeWorld();
    const lc = await started(world);
    await expect(lc.withCredentials(() => Promise.reject(serviceError("AccessDenied", 403)))).rejects.toMatchObject({ code: "AccessDenied" });
    expect(world.calls.exchange).toHaveLength(1);

    const empty = fakeWorld();
    empty.answerNext(() => Promise.reject(serviceError("InvalidIdentityToken")));
    const failed = await started(empty);
    await expect(failed.withCredentials(() => Promise.resolve(1))).rejects.toBeInstanceOf(NoCredentialsError);
  });
});

describe("credential lifecycle: stop and dispose", () => {
  it("stop keeps state and restart re-arms the timers (StrictMode); dispose drops every secret and stops work", async () => {
    const world = fakeWorld();
    const lc = await started(world);
    lc.stop();
    expect(world.pendingTimers).toBe(0);
    lc.start({ reason: "sign-in", input: INPUT });
    expect(world.calls.exchange).toHaveLength(1); // not exchanged again
    expect(world.pendingTimers).toBeGreaterThan(0);

    lc.dispose();
    expect(world.pendingTimers).toBe(0);
    const s = lc.getState();
    expect(s.credentials).toBeUndefined();
    expect(s.history).toEqual([]);
    expect(s.provider.webIdentityToken).toBe("");
    expect(s.provider.idToken).toBe("");
    expect(JSON.stringify(s)).not.toMatch(/secret-|token-1|id-token/);
    expect(await lc.refresh("get-new")).toBe("failed");
    expect(world.calls.exchange).toHaveLength(1);
  });
});
