import { useEffect, useId, useState } from "react";
import { countdownText, formatClockTime, formatCountdown, secondsLeft } from "./expiry";

/**
 * A live countdown to an absolute expiry, labelled visibly. Time left is recomputed from `expiration` on every tick
 * against AWS time (`Date.now() + offsetMs`), so it stays right after sleep, in a background tab, and on a device
 * whose clock is off; only this component re-renders each second. The `timer` role is not announced by screen readers
 * on each change (thresholds are announced elsewhere, once each).
 */
export function Countdown({ label, expiration, totalSeconds, offsetMs = 0, now = Date.now }: {
  label: string;
  expiration: Date;
  totalSeconds: number;
  /** AWS time minus this device's time. */
  offsetMs?: number;
  now?: () => number;
}) {
  const labelId = useId();
  const [nowMs, setNowMs] = useState(now);
  useEffect(() => {
    const tick = () => setNowMs(now());
    tick();
    const id = window.setInterval(tick, 1000);
    return () => window.clearInterval(id);
  }, [now]);

  const left = secondsLeft(expiration, nowMs + offsetMs);
  const fraction = totalSeconds > 0 ? Math.min(1, left / totalSeconds) : 0;
  // The wall-clock time of expiry on this device's clock (what the user's own clock will read then).
  const localExpiry = formatClockTime(new Date(expiration.getTime() - offsetMs));
  const r = 20;
  const circumference = 2 * Math.PI * r;
  return (
    <div className={`countdown${left < 300 ? " low" : ""}`}>
      <svg viewBox="0 0 48 48" aria-hidden="true">
        <circle className="track" cx="24" cy="24" r={r} fill="none" strokeWidth="6" />
        <circle className="value" cx="24" cy="24" r={r} fill="none" strokeWidth="6" strokeDasharray={circumference} strokeDashoffset={circumference * (1 - fraction)} />
      </svg>
      <div>
        <div id={labelId} className="countdown-label">{label}</div>
        <span role="timer" aria-labelledby={labelId} className="countdown-text">
          {left > 0 ? formatCountdown(left) : `expired at ${localExpiry}`}
        </span>
        {left > 0 && (
          <>
            <span className="visually-hidden"> ({countdownText(left)})</span>
            <div className="panel-meta">
              until <time dateTime={expiration.toISOString()}>{localExpiry}</time>
            </div>
          </>
        )}
      </div>
    </div>
  );
}
