import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App, preloadConsole } from "./App";
import { loadConfig } from "./config";
import { ConfigProblems } from "./ui/ConfigProblems";
import "./ui/styles.css";

// Landing on a sign-in callback: fetch the sign-in library and the console while config.json loads.
const params = new URLSearchParams(window.location.search);
if (params.has("state") && (params.has("code") || params.has("error"))) {
  void import("./auth/oidc").catch(() => undefined);
  void preloadConsole().catch(() => undefined);
}

const root = createRoot(document.getElementById("root") as HTMLElement);

void loadConfig().then((result) => {
  root.render(<StrictMode>{result.ok ? <App config={result.config} /> : <ConfigProblems problems={result.problems} />}</StrictMode>);
});
