import type { Exchange } from "./exchange";

/**
 * What this device knows about its clock versus AWS's: a value object the caller keeps (in memory) and passes to
 * signed calls, which sign with `local now + offsetMs`. STS refuses signatures more than 15 minutes off
 * (`SignatureDoesNotMatch`, "Signature expired: …"), see reference/sts.md §0.1 and §7.
 */
export interface ClockSkew {
  /** AWS time minus local time, in milliseconds: positive when this device's clock is behind. */
  readonly offsetMs: number;
  /** Half-width of the estimate, in milliseconds (the `Date` header has 1 s resolution, plus half the round trip). */
  readonly uncertaintyMs: number;
  /** Local time (epoch ms) of the measurement. */
  readonly measuredAtMs: number;
  /** Where the estimate came from. */
  readonly source: "none" | "date-header" | "error-message";
}

/** No correction: sign with the local clock. */
export const NO_CLOCK_SKEW: ClockSkew = Object.freeze({ offsetMs: 0, uncertaintyMs: 0, measuredAtMs: 0, source: "none" });

const HTTP_DATE = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;

/**
 * Parses an HTTP `Date` header (IMF-fixdate, RFC 9110 §5.6.7: `Thu, 18 Jan 2024 14:20:16 GMT`) to epoch ms;
 * `undefined` for a missing or malformed value (a cross-origin response hides `Date` unless it is exposed).
 */
export function parseHttpDate(value: string | null | undefined): number | undefined {
  if (value === null || value === undefined) return undefined;
  const trimmed = value.trim();
  if (!HTTP_DATE.test(trimmed)) return undefined;
  const ms = Date.parse(trimmed);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Inputs of {@link measureClockSkew}. */
export interface ClockSample {
  /** The response's `Date` header. */
  readonly serverDate: string | null | undefined;
  /** Local epoch ms when the request was sent. */
  readonly sentAtMs: number;
  /** Local epoch ms when the response arrived. */
  readonly receivedAtMs: number;
}

/**
 * Estimates the clock offset from one round trip: the server stamped `Date` somewhere between sending and receiving,
 * truncated to the second, so AWS time ≈ `Date + 500 ms` at local time ≈ the midpoint of the round trip.
 * Returns `undefined` when the header is missing/malformed or the times are inconsistent.
 */
export function measureClockSkew(sample: ClockSample): ClockSkew | undefined {
  const serverMs = parseHttpDate(sample.serverDate);
  const { sentAtMs, receivedAtMs } = sample;
  if (serverMs === undefined || !Number.isFinite(sentAtMs) || !Number.isFinite(receivedAtMs) || receivedAtMs < sentAtMs) return undefined;
  const localMidpoint = (sentAtMs + receivedAtMs) / 2;
  return {
    offsetMs: Math.round(serverMs + 500 - localMidpoint),
    uncertaintyMs: Math.round((receivedAtMs - sentAtMs) / 2 + 500),
    measuredAtMs: receivedAtMs,
    source: "date-header",
  };
}

/** {@link measureClockSkew} from an exchange record's response `Date` header and timing. */
export function clockSkewFromExchange(exchange: Exchange): ClockSkew | undefined {
  if (exchange.response === undefined) return undefined;
  const sentAtMs = exchange.startedAt.getTime();
  return measureClockSkew({ serverDate: exchange.response.headers["date"], sentAtMs, receivedAtMs: sentAtMs + exchange.durationMs });
}

function parseAmzDate(value: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (m === null) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  return Number.isNaN(ms) ? undefined : ms;
}

/** The two times in an STS clock-skew message. */
export interface SkewMessageTimes {
  /** The request's signing time (`x-amz-date`), epoch ms. */
  readonly signedAtMs: number;
  /** AWS's time when it checked the request, epoch ms. */
  readonly serverNowMs: number;
}

/**
 * Reads the times out of STS's clock-skew wording (reference/sts.md §0.1):
 * `Signature expired: 20220127T001427Z is now earlier than 20220127T014428Z (20220127T015928Z - 15 min.)` or
 * `Signature not yet current: 20210112T194419Z is still later than 20210112T072625Z (20210112T071125Z + 15 min.)`.
 * `undefined` for any other message.
 */
export function parseSkewMessage(message: string): SkewMessageTimes | undefined {
  const m = /Signature (?:expired|not yet current): (\d{8}T\d{6}Z) is (?:now earlier|still later) than \d{8}T\d{6}Z \((\d{8}T\d{6}Z) [+-] \d+ min\.\)/.exec(message);
  if (m === null) return undefined;
  const signedAtMs = parseAmzDate(m[1] ?? "");
  const serverNowMs = parseAmzDate(m[2] ?? "");
  return signedAtMs === undefined || serverNowMs === undefined ? undefined : { signedAtMs, serverNowMs };
}

/**
 * Learns the offset from an STS clock-skew error message when no `Date` header is visible. The signing time in the
 * message already included `previous.offsetMs`, so the new offset is `previous + (AWS now − signed at)`.
 * `undefined` when the message has no times.
 */
export function clockSkewFromMessage(message: string, previous: ClockSkew, nowMs: number): ClockSkew | undefined {
  const times = parseSkewMessage(message);
  if (times === undefined) return undefined;
  return {
    offsetMs: previous.offsetMs + (times.serverNowMs - times.signedAtMs),
    uncertaintyMs: 1000,
    measuredAtMs: nowMs,
    source: "error-message",
  };
}

/** The time to sign with: local `nowMs` corrected by the skew. */
export function correctedNow(skew: ClockSkew, nowMs: number): Date {
  return new Date(nowMs + skew.offsetMs);
}

/** Whether the offset is larger than both its uncertainty and `thresholdMs` (default one minute): worth showing. */
export function isSignificantSkew(skew: ClockSkew, thresholdMs = 60_000): boolean {
  return Math.abs(skew.offsetMs) > Math.max(thresholdMs, skew.uncertaintyMs);
}

function duration(ms: number): string {
  const total = Math.round(Math.abs(ms) / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const parts = [h > 0 ? `${h} h` : "", m > 0 ? `${m} min` : "", s > 0 || total === 0 ? `${s} s` : ""];
  return parts.filter((p) => p !== "").join(" ");
}

/** A sentence for the UI: `This device's clock is 3 min 12 s behind AWS time.` (or ahead / matches). */
export function describeClockSkew(skew: ClockSkew): string {
  if (skew.source === "none") return "The clock offset to AWS is not known yet.";
  const margin = `±${duration(skew.uncertaintyMs)}`;
  if (Math.abs(skew.offsetMs) <= skew.uncertaintyMs) return `This device's clock matches AWS time (${margin}).`;
  const direction = skew.offsetMs > 0 ? "behind" : "ahead of";
  return `This device's clock is ${duration(skew.offsetMs)} ${direction} AWS time (${margin}).`;
}

/**
 * The offset as the user should hear it, only when it is 1 s or more (less is within what a `Date` header can tell):
 * `Your clock is 3 s behind AWS; signatures use AWS time.` `undefined` otherwise.
 */
export function describeClockSkewNotice(skew: ClockSkew): string | undefined {
  if (skew.source === "none" || Math.abs(skew.offsetMs) < 1000) return undefined;
  return `Your clock is ${duration(skew.offsetMs)} ${skew.offsetMs > 0 ? "behind" : "ahead of"} AWS; signatures use AWS time.`;
}
