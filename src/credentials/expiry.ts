// Expiry maths for the credentials countdown (DESIGN §6, CONVENTIONS 6): pure functions of an absolute expiry and a
// "now" passed in, so the countdown stays right after sleep or in a background tab and tests fake time.

/**
 * Whole seconds from `nowMs` until `expiration` (floored), never negative; 0 for an invalid date.
 */
export function secondsLeft(expiration: Date, nowMs: number): number {
  const left = Math.floor((expiration.getTime() - nowMs) / 1000);
  return Number.isFinite(left) && left > 0 ? left : 0;
}

function parts(seconds: number): { h: number; m: number; s: number } {
  const total = Number.isFinite(seconds) && seconds > 0 ? Math.floor(seconds) : 0;
  return { h: Math.floor(total / 3600), m: Math.floor((total % 3600) / 60), s: total % 60 };
}

/**
 * A clock-style countdown: `m:ss` under an hour (`59:59`, `0:05`), `h:mm:ss` from an hour (`1:00:00`, `12:00:00`).
 * Negative or non-finite input shows `0:00`.
 */
export function formatCountdown(seconds: number): string {
  const { h, m, s } = parts(seconds);
  const ss = String(s).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

function unit(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/**
 * The countdown in words for screen readers: `59 minutes 59 seconds left`, `1 hour left`,
 * `1 hour 1 minute 1 second left`; zero parts are left out; `expired` at 0.
 */
export function countdownText(seconds: number): string {
  const { h, m, s } = parts(seconds);
  if (h === 0 && m === 0 && s === 0) return "expired";
  const words = [h > 0 ? unit(h, "hour") : "", m > 0 ? unit(m, "minute") : "", s > 0 ? unit(s, "second") : ""];
  return `${words.filter((w) => w !== "").join(" ")} left`;
}

/** Options of {@link refreshAt}. */
export interface RefreshTiming {
  /** Refresh this many seconds before expiry. */
  readonly marginSeconds: number;
  /** When given, the result is never earlier than this (refresh now if already inside the margin). */
  readonly nowMs?: number | undefined;
}

/**
 * When to refresh credentials that expire at `expiration`: `marginSeconds` before it (not before `nowMs`, if given).
 *
 * @throws {RangeError} for a negative or non-finite margin.
 */
export function refreshAt(expiration: Date, timing: RefreshTiming): Date {
  if (!Number.isFinite(timing.marginSeconds) || timing.marginSeconds < 0) throw new RangeError(`marginSeconds must be zero or more, not ${timing.marginSeconds}.`);
  const at = expiration.getTime() - timing.marginSeconds * 1000;
  return new Date(timing.nowMs === undefined ? at : Math.max(at, timing.nowMs));
}

/**
 * How long before expiry to refresh a session of `sessionSeconds`: `configured` when set, else 10 % of the session
 * with a 60 s floor — never more than half the session, so a short session is not refreshed the moment it arrives.
 */
export function refreshMarginSeconds(sessionSeconds: number, configured?: number): number {
  const wanted = configured ?? Math.max(60, Math.round(sessionSeconds * 0.1));
  return Math.max(0, Math.min(wanted, Math.floor(sessionSeconds / 2)));
}

/** A wall-clock time of day, 24-hour, with seconds: `14:38:50` (local time zone). */
export function formatClockTime(date: Date): string {
  if (Number.isNaN(date.getTime())) return "--:--:--";
  const two = (n: number) => String(n).padStart(2, "0");
  return `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;
}
