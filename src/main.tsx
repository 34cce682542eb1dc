import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";
import { loadConfig } from "./config";
import { ConfigProblems } from "./ui/ConfigProblems";
import "./ui/styles.css";

const root = createRoot(document.getElementById("root") as HTMLElement);

void loadConfig().then((result) => {
  root.render(<StrictMode>{result.ok ? <App config={result.config} /> : <ConfigProblems problems={result.problems} />}</StrictMode>);
});
