import { useId, type ReactNode } from "react";
import { BusyButton } from "../../ui/BusyButton";

/**
 * One call of the "More STS calls" panel: what it does and what to expect, its inputs, one button, and its outcome.
 * The form is `noValidate`: the STS client checks inputs against AWS's limits and says what is wrong.
 */
export function CallCard({ title, about, action, busy, onRun, inputs, children }: { title: string; about: ReactNode; action: string; busy: boolean; onRun: () => void; inputs?: ReactNode; children: ReactNode }) {
  const id = useId();
  return (
    <section className="call" aria-labelledby={id}>
      <h3 id={id}>{title}</h3>
      <p className="panel-meta">{about}</p>
      <form
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          if (!busy) onRun();
        }}
      >
        {inputs}
        <p className="row">
          <BusyButton type="submit" busy={busy}>
            {action}
          </BusyButton>
          <span role="status" className="status">
            {busy ? "Calling STS…" : ""}
          </span>
        </p>
      </form>
      {children}
    </section>
  );
}
