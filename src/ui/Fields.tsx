import type { ReactNode } from "react";

/** A definition list of label → value pairs; empty values are left out. */
export function Fields({ label, items }: { label: string; items: [string, ReactNode][] }) {
  return (
    <dl className="fields" aria-label={label}>
      {items
        .filter(([, v]) => v !== undefined && v !== null && v !== "")
        .map(([k, v]) => (
          <div key={k} className="contents">
            <dt>{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
    </dl>
  );
}
