/**
 * The life of one signed-in session's AWS credentials (DESIGN §6): the first exchange, refresh ahead of expiry,
 * what happens when the provider token is too old or the provider refuses, expiry, and the one retry of a signed
 * call refused with `ExpiredToken`. No React and no timers of its own: time and timers come from {@link LifecycleDeps},
 * so unit tests run it on a fake clock. The UI subscribes to its state (`useSyncExternalStore`).
 *
 * Times: `deps.now()` is this device's clock; AWS's clock is `now() + clockSkew.offsetMs`, learned from the `Date` of
 * each STS answer. Expirations are AWS times, so every decision converts through the offset.
 */
import type { ProviderSession } from "../auth/oidc";
import { wipeProviderSession } from "../auth/state";
import { clockSkewFromExchange, type ClockSkew } from "../aws/clock";
import { isAwsServiceError } from "../aws/errors";
import type { Exchange } from "../aws/exchange";
import type { StsCallResult, TemporaryCredentials } from "../aws/sts";
import type { ExchangeInput, WebIdentityResult } from "./exchange";
import { formatClockTime, refreshMarginSeconds } from "./expiry";

/** Why an exchange ran: shown in the inspector's history. */
export type ExchangeReason = "sign-in" | "restore" | "manual" | "refresh" | "expired-token" | "get-new";

export const REASON_LABELS: Readonly<Record<ExchangeReason, string>> = {
  "sign-in": "after sign-in",
  restore: "session restored after reload",
  manual: "requested",
  refresh: "automatic refresh before expiry",
  "expired-token": "refresh after an ExpiredToken answer",
  "get-new": "Get new credentials",
};

/** The credentials in use and the exchange that produced them. */
export interface CredentialSet {
  readonly result: WebIdentityResult;
  readonly exchange: Exchange;
  readonly input: ExchangeInput;
  readonly reason: ExchangeReason;
  /** The session's length as issued (Expiration − AWS time of receipt), in seconds: the margin scales with it. */
  readonly sessionSeconds: number;
}

/** One exchange, successful or not, for the inspector's history. */
export interface ExchangeRecord {
  readonly id: number;
  readonly reason: ExchangeReason;
  readonly input: ExchangeInput;
  /** Present when a response (or a failure record) exists. */
  readonly exchange: Exchange | undefined;
  readonly ok: boolean;
  readonly error?: unknown;
  /** The credentials it issued (so raw views can mask them). */
  readonly credentials?: TemporaryCredentials;
}

/** Where the automatic refresh stands. */
export type RefreshStatus =
  | { readonly kind: "none" }
  /** `reuseToken`: the provider token will still outlive the margin then, so no renewal is needed. */
  | { readonly kind: "scheduled"; readonly atMs: number; readonly reuseToken: boolean }
  | { readonly kind: "running"; readonly step: "renew-token" | "exchange" }
  /** The provider would not renew silently: the old credentials stay until they expire; the user must sign in. */
  | { readonly kind: "sign-in-needed"; readonly why: string }
  /** The refresh exchange failed for another reason; retried at `retryAtMs` while that is before expiry. */
  | { readonly kind: "failed"; readonly error: unknown; readonly retryAtMs: number | undefined };

export interface LifecycleState {
  readonly provider: ProviderSession;
  readonly credentials: CredentialSet | undefined;
  /** The credentials' Expiration has passed (AWS time). */
  readonly expired: boolean;
  /** The choices the next automatic exchange reuses. */
  readonly lastInput: ExchangeInput;
  /** An exchange is in flight, and why. */
  readonly busy: ExchangeReason | undefined;
  /** The latest exchange failed (cleared by the next success). */
  readonly lastError: { readonly reason: ExchangeReason; readonly error: unknown } | undefined;
  readonly refresh: RefreshStatus;
  readonly clockSkew: ClockSkew | undefined;
  /** Newest last, at most {@link HISTORY_LIMIT}. */
  readonly history: readonly ExchangeRecord[];
  /** For the polite live region: thresholds only (5 min, 1 min, expired, refreshed). `id` changes with each. */
  readonly announcement: { readonly id: number; readonly text: string } | undefined;
}

export type RefreshOutcome = "refreshed" | "sign-in-needed" | "failed";

/** What the lifecycle needs from the outside world. */
export interface LifecycleDeps {
  /** This device's clock, epoch ms. */
  now(): number;
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
  /** One AssumeRoleWithWebIdentity (with its own bounded retries) using `provider`'s token. */
  exchange(provider: ProviderSession, input: ExchangeInput, signal: AbortSignal): Promise<StsCallResult<WebIdentityResult>>;
  /** Fresh provider tokens without a visible page; throws (a ProviderError) when the provider refuses. */
  renewToken(): Promise<ProviderSession>;
  /** Configured refresh margin in seconds (config.json `refreshMarginSeconds`), if any. */
  marginSeconds?: number | undefined;
  /** Told after each successful exchange (to remember the choices for a reload). */
  onCredentials?: ((input: ExchangeInput) => void) | undefined;
}

export const HISTORY_LIMIT = 20;
/** After a failed automatic refresh, try again this much later (while the credentials are still valid). */
export const REFRESH_RETRY_MS = 30_000;
/** Thresholds announced before expiry, in seconds. */
export const ANNOUNCE_AT_SECONDS = [300, 60] as const;

/** Thrown by {@link CredentialLifecycle.withCredentials} when no credentials exist yet (or any more). */
export class NoCredentialsError extends Error {
  override readonly name = "NoCredentialsError";
  constructor() {
    super("There are no AWS credentials yet: get credentials first.");
  }
}

function describeRenewalFailure(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message || "The identity provider did not renew the sign-in.";
}

export interface CredentialLifecycle {
  /**
   * Identifies this signed-in session for query keys: the subject and when the sign-in's token was issued (never a token).
   * Stable across refreshes and silent renewals, which change the ID token but not the session.
   */
  readonly sessionKey: { readonly sub: string; readonly iat: number };
  getState(): LifecycleState;
  subscribe(listener: () => void): () => void;
  /** AWS's current time by this device's clock and the learned offset. */
  serverNow(): number;
  /**
   * Start timers (and the first exchange, when `initial` is given and nothing ran yet). Idempotent. Returns the first
   * exchange's outcome when this call started it.
   */
  start(initial?: { reason: ExchangeReason; input: ExchangeInput }): Promise<boolean> | undefined;
  /** Stop timers; the state stays (StrictMode restarts). */
  stop(): void;
  /** Stop for good and drop every token and credential this object holds. */
  dispose(): void;
  /** An exchange with the current provider token (single flight: joins one in flight). */
  exchange(input: ExchangeInput, reason: ExchangeReason): Promise<boolean>;
  /** Refresh now: reuse the provider token if it lives past the margin, else renew it silently (single flight). */
  refresh(reason: ExchangeReason): Promise<RefreshOutcome>;
  /**
   * Run a signed call with the current credentials. If AWS answers `ExpiredToken`, refresh once and retry once —
   * never a loop. Throws what the call threw, or {@link NoCredentialsError}.
   */
  withCredentials<T>(call: (credentials: TemporaryCredentials, skew: ClockSkew | undefined) => Promise<T>): Promise<T>;
  /** A signed call measured the clock offset: use it from now on. */
  noteClockSkew(skew: ClockSkew | undefined): void;
}

/** Create the lifecycle of a session signed in with `provider`. Nothing runs until {@link CredentialLifecycle.start}. */
export function createCredentialLifecycle(provider: ProviderSession, defaultInput: ExchangeInput, deps: LifecycleDeps): CredentialLifecycle {
  let state: LifecycleState = {
    provider,
    credentials: undefined,
    expired: false,
    lastInput: defaultInput,
    busy: undefined,
    lastError: undefined,
    refresh: { kind: "none" },
    clockSkew: undefined,
    history: [],
    announcement: undefined,
  };
  const listeners = new Set<() => void>();
  let running = false;
  let disposed = false;
  let started = false;
  let refreshTimer: unknown;
  let milestoneTimer: unknown;
  let nextRecordId = 1;
  let nextAnnouncementId = 1;
  let inflightExchange: Promise<boolean> | undefined;
  let inflightRefresh: Promise<RefreshOutcome> | undefined;
  const abort = new AbortController();

  const set = (patch: Partial<LifecycleState>): void => {
    if (disposed) return;
    state = { ...state, ...patch };
    for (const listener of listeners) listener();
  };
  const offset = (): number => state.clockSkew?.offsetMs ?? 0;
  const serverNow = (): number => deps.now() + offset();
  const expirationMs = (): number | undefined => state.credentials?.result.credentials.expiration.getTime();
  const announce = (text: string): void => set({ announcement: { id: nextAnnouncementId++, text } });

  const clearTimers = (): void => {
    if (refreshTimer !== undefined) deps.clearTimer(refreshTimer);
    if (milestoneTimer !== undefined) deps.clearTimer(milestoneTimer);
    refreshTimer = undefined;
    milestoneTimer = undefined;
  };

  /** Timer at the next threshold (5 min, 1 min, expiry) of the current credentials. */
  const scheduleMilestones = (): void => {
    if (milestoneTimer !== undefined) deps.clearTimer(milestoneTimer);
    milestoneTimer = undefined;
    const expiration = expirationMs();
    if (!running || expiration === undefined) return;
    const nowServer = serverNow();
    const upcoming = [...ANNOUNCE_AT_SECONDS.map((s) => expiration - s * 1000), expiration].filter((t) => t > nowServer).sort((a, b) => a - b);
    const next = upcoming[0];
    if (next === undefined) {
      if (!state.expired) {
        set({ expired: true });
        announce(`AWS credentials expired at ${formatClockTime(new Date(expiration - offset()))}.`);
      }
      return;
    }
    milestoneTimer = deps.setTimer(() => {
      milestoneTimer = undefined;
      const left = expiration - serverNow();
      if (left > 1000 && next - serverNow() > 1000) return scheduleMilestones(); // woke early (clock changed)
      if (next < expiration) {
        const minutes = Math.round((expiration - next) / 60_000);
        announce(`AWS credentials expire in ${minutes} minute${minutes === 1 ? "" : "s"}.`);
      }
      scheduleMilestones();
    }, Math.max(0, next - nowServer));
  };

  const scheduleRefresh = (atLocalMs: number): void => {
    if (refreshTimer !== undefined) deps.clearTimer(refreshTimer);
    refreshTimer = undefined;
    if (!running) return;
    refreshTimer = deps.setTimer(() => {
      refreshTimer = undefined;
      if (deps.now() < atLocalMs - 1000) return scheduleRefresh(atLocalMs); // woke early (clock changed)
      void refresh("refresh");
    }, Math.max(0, atLocalMs - deps.now()));
  };

  /** The refresh margin in ms: scaled to the session as issued (or, before any, as asked for). */
  const marginMs = (): number => refreshMarginSeconds(state.credentials?.sessionSeconds ?? state.lastInput.durationSeconds, deps.marginSeconds) * 1000;

  /** The provider token is still valid a margin after `atServerMs` (AWS time), so an exchange then may reuse it. */
  const tokenOutlivesMargin = (atServerMs: number): boolean => {
    const exp = state.provider.webIdentityTokenExpiresAt;
    return exp === undefined || exp * 1000 - atServerMs > marginMs();
  };

  /** After new credentials: refresh at Expiration − margin. */
  const planRefresh = (): void => {
    const creds = state.credentials;
    if (!creds) return;
    const atServer = creds.result.credentials.expiration.getTime() - marginMs();
    const atLocal = atServer - offset();
    set({ refresh: { kind: "scheduled", atMs: atLocal, reuseToken: tokenOutlivesMargin(atServer) } });
    scheduleRefresh(atLocal);
  };

  const record = (reason: ExchangeReason, input: ExchangeInput, exchange: Exchange | undefined, outcome: { credentials: TemporaryCredentials } | { error: unknown }): ExchangeRecord[] => {
    const entry: ExchangeRecord = { id: nextRecordId++, reason, input, exchange, ok: "credentials" in outcome, ...outcome };
    return [...state.history, entry].slice(-HISTORY_LIMIT);
  };

  const runExchange = async (input: ExchangeInput, reason: ExchangeReason): Promise<boolean> => {
    set({ busy: reason });
    try {
      const done = await deps.exchange(state.provider, input, abort.signal);
      if (disposed) return false;
      const clockSkew = clockSkewFromExchange(done.exchange) ?? state.clockSkew;
      const expiration = done.result.credentials.expiration.getTime();
      const sessionSeconds = Math.max(1, Math.round((expiration - (done.result.receivedAt + (clockSkew?.offsetMs ?? 0))) / 1000));
      const credentials: CredentialSet = { result: done.result, exchange: done.exchange, input, reason, sessionSeconds };
      set({ credentials, expired: false, lastInput: input, lastError: undefined, clockSkew, history: record(reason, input, done.exchange, { credentials: done.result.credentials }) });
      if (reason !== "sign-in" && reason !== "manual") {
        announce(`AWS credentials refreshed: valid until ${formatClockTime(new Date(credentials.result.credentials.expiration.getTime() - offset()))}.`);
      }
      deps.onCredentials?.(input);
      planRefresh();
      scheduleMilestones();
      return true;
    } catch (error) {
      if (disposed) return false;
      const exchange = (error as { exchange?: Exchange } | null)?.exchange;
      set({
        lastError: { reason, error },
        history: record(reason, input, exchange, { error }),
        clockSkew: (exchange && clockSkewFromExchange(exchange)) ?? state.clockSkew,
      });
      return false;
    } finally {
      set({ busy: undefined });
    }
  };

  const exchange = (input: ExchangeInput, reason: ExchangeReason): Promise<boolean> => {
    if (disposed) return Promise.resolve(false);
    inflightExchange ??= runExchange(input, reason).finally(() => {
      inflightExchange = undefined;
    });
    return inflightExchange;
  };

  const renew = async (): Promise<boolean> => {
    set({ refresh: { kind: "running", step: "renew-token" } });
    try {
      const fresh = await deps.renewToken();
      if (disposed) return false;
      set({ provider: fresh });
      return true;
    } catch (error) {
      if (disposed) return false;
      set({ refresh: { kind: "sign-in-needed", why: describeRenewalFailure(error) } });
      return false;
    }
  };

  const runRefresh = async (reason: ExchangeReason): Promise<RefreshOutcome> => {
    if (refreshTimer !== undefined) deps.clearTimer(refreshTimer);
    refreshTimer = undefined;
    const input = state.credentials?.input ?? state.lastInput;
    let renewed = false;
    if (!tokenOutlivesMargin(serverNow())) {
      if (!(await renew())) return "sign-in-needed";
      renewed = true;
    }
    set({ refresh: { kind: "running", step: "exchange" } });
    if (await exchange(input, reason)) return "refreshed";
    // STS says the provider token expired (clocks disagree, or it was older than it looked), or the provider rejected
    // it: renew once, then retry.
    const error = state.lastError?.error;
    // IDPRejectedClaim: the provider says the access token is expired or revoked — the same remedy.
    if (!renewed && isAwsServiceError(error) && (error.code === "ExpiredTokenException" || error.code === "IDPRejectedClaim")) {
      if (!(await renew())) return "sign-in-needed";
      set({ refresh: { kind: "running", step: "exchange" } });
      if (await exchange(input, reason)) return "refreshed";
    }
    if (disposed) return "failed";
    const expiration = expirationMs();
    const retryAt = deps.now() + REFRESH_RETRY_MS;
    const retryBeforeExpiry = expiration !== undefined && retryAt + offset() < expiration;
    set({ refresh: { kind: "failed", error: state.lastError?.error, retryAtMs: retryBeforeExpiry ? retryAt : undefined } });
    if (retryBeforeExpiry) scheduleRefresh(retryAt);
    return "failed";
  };

  const refresh = (reason: ExchangeReason): Promise<RefreshOutcome> => {
    if (disposed) return Promise.resolve("failed");
    inflightRefresh ??= runRefresh(reason).finally(() => {
      inflightRefresh = undefined;
    });
    return inflightRefresh;
  };

  const sessionKey = Object.freeze({ sub: provider.subject, iat: provider.webIdentityTokenIssuedAt });

  return {
    sessionKey,
    getState: () => state,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    serverNow,
    start(initial) {
      if (disposed || running) return undefined;
      running = true;
      if (!started && initial) {
        started = true;
        return exchange(initial.input, initial.reason);
      }
      started = true;
      if (state.credentials && state.refresh.kind === "scheduled") scheduleRefresh(state.refresh.atMs);
      scheduleMilestones();
      return undefined;
    },
    stop() {
      running = false;
      clearTimers();
    },
    dispose() {
      running = false;
      clearTimers();
      abort.abort();
      listeners.clear();
      disposed = true;
      // Drop every reference to tokens and credentials this object holds, and empty the provider sessions themselves
      // (a React fiber may still point at them).
      wipeProviderSession(provider);
      wipeProviderSession(state.provider);
      state = { ...state, credentials: undefined, history: [], lastError: undefined, refresh: { kind: "none" } };
    },
    exchange,
    refresh,
    async withCredentials(call) {
      const before = state.credentials?.result.credentials;
      if (!before) throw new NoCredentialsError();
      try {
        return await call(before, state.clockSkew);
      } catch (error) {
        if (!isAwsServiceError(error) || error.code !== "ExpiredToken") throw error;
        const outcome = await refresh("expired-token");
        const fresh = state.credentials?.result.credentials;
        if (outcome !== "refreshed" || !fresh || fresh === before) throw error;
        return call(fresh, state.clockSkew);
      }
    },
    noteClockSkew(skew) {
      if (!skew || disposed) return;
      set({ clockSkew: skew });
      // Timers were set by the old offset: re-plan them by the new one.
      if (state.refresh.kind === "scheduled") planRefresh();
      scheduleMilestones();
    },
  };
}
