import { useId, useState } from "react";
import { useAuth } from "../auth/AuthProvider";
import type { AppConfig } from "../config";

/** Step 1 before sign-in: pick a provider and go to its login page. */
export function SignIn({ config }: { config: AppConfig }) {
  const { state, signIn } = useAuth();
  const [providerId, setProviderId] = useState(config.providers[0]?.id ?? "");
  const selectId = useId();
  const busy = state.status === "redirecting" || state.status === "completing";

  return (
    <section className="panel" aria-labelledby="signin-heading">
      <h2 id="signin-heading">1. Sign in with an identity provider</h2>
      <p>
        The provider's token is exchanged with AWS STS for temporary credentials. Tokens and credentials stay in this tab's memory:
        reloading the page signs you out.
      </p>
      {state.status === "signed-out" && state.error && (
        <div className="alert" role="alert">
          <h3>Sign-in did not complete</h3>
          <p>{state.error.message}</p>
        </div>
      )}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          signIn(providerId);
        }}
      >
        {config.providers.length > 1 && (
          <>
            <label htmlFor={selectId}>Identity provider</label>
            <select id={selectId} value={providerId} onChange={(e) => setProviderId(e.target.value)}>
              {config.providers.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.label}
                </option>
              ))}
            </select>
          </>
        )}
        <p className="row">
          <button type="submit" className="primary" disabled={busy}>
            Sign in
          </button>
          {config.providers.length === 1 && <span className="status">with {config.providers[0]?.label}</span>}
        </p>
        <p role="status" className="status">
          {state.status === "redirecting" ? "Going to the identity provider…" : state.status === "completing" ? "Finishing sign-in…" : ""}
        </p>
      </form>
    </section>
  );
}
