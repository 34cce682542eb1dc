import { useEffect, useId, useState } from "react";

/** How long "Copied." stays before the status clears. */
const COPIED_MS = 2000;

/**
 * Copy `value` to the clipboard on an explicit click, with a short-lived status. `value === null` means what is shown
 * is not the real value (shortened or masked): the button is then inert and says why, so nothing wrong is ever copied.
 */
export function CopyButton({ label, value, unavailable = "Shown shortened — show the full value to copy" }: { label: string; value: string | null; unavailable?: string }) {
  const [status, setStatus] = useState("");
  const why = useId();
  useEffect(() => {
    if (status === "") return undefined;
    const timer = window.setTimeout(() => setStatus(""), COPIED_MS);
    return () => window.clearTimeout(timer);
  }, [status]);
  return (
    <>
      <button
        type="button"
        aria-disabled={value === null || undefined}
        aria-describedby={value === null ? why : undefined}
        onClick={() => {
          if (value === null) return;
          const clipboard = navigator.clipboard as Clipboard | undefined;
          if (!clipboard) return setStatus("Copying needs a secure context (https or localhost).");
          clipboard.writeText(value).then(
            () => setStatus("Copied."),
            () => setStatus("Copying was refused by the browser."),
          );
        }}
      >
        {label}
      </button>
      {value === null && (
        <span id={why} className="status">
          {" "}
          {unavailable}
        </span>
      )}
      <span role="status" className="status">
        {status ? ` ${status}` : ""}
      </span>
    </>
  );
}

/**
 * Raw text (request, response, token) with a copy button. `copy` is what the button copies: by default the text shown;
 * `null` when the text shown is shortened or masked (the button then says so instead of copying the wrong thing).
 *
 * The pane scrolls inside itself, so it takes keyboard focus (arrow keys scroll it) and needs a name: a named group,
 * since `aria-label` on a bare <pre> is not allowed, and not a region, which would add a landmark per pane.
 */
export function Raw({ label, text, open = false, copy }: { label: string; text: string; open?: boolean; copy?: string | null }) {
  return (
    <details open={open}>
      <summary>{label}</summary>
      <pre className="raw" role="group" aria-label={label} tabIndex={0}>
        {text}
      </pre>
      <CopyButton label={`Copy ${label.toLowerCase()}`} value={copy === undefined ? text : copy} />
    </details>
  );
}

/** The mark inside a shortened value: visible, so a shortened value is never mistaken for the whole one. */
export const SHORTENED_MARK = "…[shortened]…";

/**
 * Shorten long opaque values for display; the full value stays available behind an explicit action. At most a third
 * of the value is shown, so a short secret (a 46-character access token) is never shown nearly whole.
 */
export function shorten(value: string, head = 12, tail = 6): string {
  const third = Math.floor(value.length / 3);
  const h = Math.min(head, Math.ceil(third / 2));
  const t = Math.min(tail, third - h);
  return `${value.slice(0, h)}${SHORTENED_MARK}${t > 0 ? value.slice(-t) : ""}`;
}
