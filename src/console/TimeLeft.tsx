import { useEffect, useState } from "react";
import { formatCountdown, secondsLeft } from "../credentials/expiry";

/** Inline `mm:ss` left until `expiration` (AWS time), ticking by itself so its parent does not re-render each second. */
export function TimeLeft({ expiration, offsetMs }: { expiration: Date; offsetMs: number }) {
  const [nowMs, setNowMs] = useState(() => Date.now());
  useEffect(() => {
    const id = window.setInterval(() => setNowMs(Date.now()), 1000);
    return () => window.clearInterval(id);
  }, []);
  return <span className="tabular">{formatCountdown(secondsLeft(expiration, nowMs + offsetMs))}</span>;
}
