import { useState } from "react";

/** Raw text (request, response, token) with a copy button: copying is always an explicit user action. */
export function Raw({ label, text, open = false }: { label: string; text: string; open?: boolean }) {
  const [copied, setCopied] = useState(false);
  return (
    <details open={open}>
      <summary>{label}</summary>
      <pre className="raw" aria-label={label}>{text}</pre>
      <button
        type="button"
        onClick={() => {
          void navigator.clipboard?.writeText(text).then(
            () => setCopied(true),
            () => setCopied(false),
          );
        }}
      >
        Copy {label.toLowerCase()}
      </button>
      <span role="status" className="status">{copied ? " Copied." : ""}</span>
    </details>
  );
}

/** Shorten long opaque values for display; the full value stays available behind an explicit action. */
export function shorten(value: string, head = 12, tail = 6): string {
  return value.length <= head + tail + 1 ? value : `${value.slice(0, head)}…${value.slice(-tail)}`;
}
