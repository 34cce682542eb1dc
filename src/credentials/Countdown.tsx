import { useEffect, useState } from "react";
import { countdownText, formatCountdown, secondsLeft } from "./expiry";

/**
 * A live countdown to an absolute expiry. Time left is recomputed from `expiration` on every tick, so it stays right
 * after sleep or in a background tab; only this component re-renders each second.
 */
export function Countdown({ label, expiration, totalSeconds, now = Date.now }: { label: string; expiration: Date; totalSeconds: number; now?: () => number }) {
  const [nowMs, setNowMs] = useState(now);
  useEffect(() => {
    const tick = () => setNowMs(now());
    tick();
    const id = window.setInterval(tick, 1000);
    return () => window.clearInterval(id);
  }, [now]);

  const left = secondsLeft(expiration, nowMs);
  const fraction = totalSeconds > 0 ? Math.min(1, left / totalSeconds) : 0;
  const r = 20;
  const circumference = 2 * Math.PI * r;
  return (
    <div className={`countdown${left < 300 ? " low" : ""}`}>
      <svg viewBox="0 0 48 48" aria-hidden="true">
        <circle className="track" cx="24" cy="24" r={r} fill="none" strokeWidth="6" />
        <circle className="value" cx="24" cy="24" r={r} fill="none" strokeWidth="6" strokeDasharray={circumference} strokeDashoffset={circumference * (1 - fraction)} />
      </svg>
      <div>
        <span role="timer" aria-label={label} aria-describedby={undefined} className="countdown-text">
          {left > 0 ? formatCountdown(left) : "expired"}
        </span>
        <span className="visually-hidden">{left > 0 ? countdownText(left) : "expired"}</span>
        <div className="panel-meta">
          until <time dateTime={expiration.toISOString()}>{expiration.toLocaleString()}</time>
        </div>
      </div>
    </div>
  );
}
