/// <reference types="vitest/config" />
import { readFileSync } from "node:fs";
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";
import { stsEndpoint } from "./src/aws/endpoint.ts";
import { parseConfig } from "./src/config.ts";

/**
 * The production bundle's Content-Security-Policy (served by `npm run preview`; copy it to your static host):
 * scripts and styles from self only, fetches only to self and the endpoints named in public/config.json.
 */
function contentSecurityPolicy(): string {
  const parsed = parseConfig(JSON.parse(readFileSync(new URL("./public/config.json", import.meta.url), "utf8")));
  if (!parsed.ok) throw new Error(`public/config.json is invalid:\n- ${parsed.problems.join("\n- ")}`);
  const app = parsed.config;
  const providers = app.providers.map((p) => new URL(p.authority).origin);
  const sts = new URL(stsEndpoint(app.region, app.stsEndpoint).url).origin;
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src ${[...new Set(["'self'", sts, ...providers, ...app.connectOrigins])].join(" ")}`,
    `frame-src ${["'self'", ...providers].join(" ")}`,
    "form-action 'self'",
    "base-uri 'none'",
    "object-src 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
}

// The app is what src/main.tsx reaches; src/local (Node-only local stack) is never bundled.
export default defineConfig({
  plugins: [react()],
  server: { host: "127.0.0.1", port: 5173, strictPort: true },
  preview: {
    host: "127.0.0.1",
    port: 4173,
    strictPort: true,
    headers: { "Content-Security-Policy": contentSecurityPolicy(), "Referrer-Policy": "no-referrer", "X-Content-Type-Options": "nosniff" },
  },
  build: { target: "es2022", sourcemap: true },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          environment: "node",
          include: ["src/**/*.test.{ts,tsx}"],
          exclude: ["src/**/*.interop.test.ts", "node_modules/**"],
        },
      },
      {
        extends: true,
        test: {
          name: "interop",
          environment: "node",
          include: ["src/**/*.interop.test.ts"],
          testTimeout: 20_000,
          hookTimeout: 30_000,
        },
      },
    ],
  },
});
