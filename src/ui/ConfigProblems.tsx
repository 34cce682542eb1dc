/** Shown instead of the app when config.json is missing or invalid: every problem at once. */
export function ConfigProblems({ problems }: { problems: string[] }) {
  return (
    <main>
      <section className="panel" aria-labelledby="config-problems">
        <h1 id="config-problems">The app's configuration needs fixing</h1>
        <div className="alert" role="alert">
          <p>config.json has {problems.length === 1 ? "a problem" : `${problems.length} problems`}:</p>
          <ul>
            {problems.map((p) => (
              <li key={p}>{p}</li>
            ))}
          </ul>
        </div>
        <p>Edit public/config.json (or the deployed config.json) and reload; no rebuild is needed.</p>
      </section>
    </main>
  );
}
