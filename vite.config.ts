/// <reference types="vitest/config" />
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { defineConfig, type Plugin } from "vite";
import react from "@vitejs/plugin-react";
import { stsEndpoint } from "./src/aws/endpoint.ts";
import { parseConfig, providerOrigins } from "./src/config.ts";
import { SERVED_APP_CONFIG, type ServedAppConfigApi } from "./src/local/appConfig.ts";
import { DEFAULT_APP_PORT, DEFAULT_PREVIEW_PORT } from "./src/local/ports.ts";

/**
 * The production bundle's Content-Security-Policy (copy it to your static host): scripts and styles from self only,
 * fetches only to self and the endpoints named in the served config.json.
 */
function contentSecurityPolicy(configFile: string, served?: ServedAppConfigApi): string {
  const text = readFileSync(configFile, "utf8");
  const parsed = parseConfig(JSON.parse(served ? served.transform(text) : text));
  if (!parsed.ok) throw new Error(`${configFile} is invalid:\n- ${parsed.problems.join("\n- ")}`);
  const app = parsed.config;
  const providers = app.providers.flatMap(providerOrigins);
  // Only OpenID providers renew silently in a hidden frame; OAuth 2.0 providers (Amazon, Facebook) have no such flow.
  const framed = app.providers.flatMap((p) => (p.type === "oidc" ? [new URL(p.authority).origin] : []));
  const sts = new URL(stsEndpoint(app.region, app.stsEndpoint).url).origin;
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src ${[...new Set(["'self'", sts, ...providers, ...app.connectOrigins])].join(" ")}`,
    // Silent renewal: a hidden frame goes to the provider and comes back to the app itself.
    `frame-src ${[...new Set(["'self'", ...framed])].join(" ")}`,
    "form-action 'self'",
    "base-uri 'none'",
    "object-src 'none'",
    "frame-ancestors 'self'",
  ].join("; ");
}

/**
 * `vite preview` (npm run preview) serves the build with its security headers, derived when the server starts from
 * config.json as it is served: `npm start --preview` moves the local stack's origins in it (src/local/appConfig.ts).
 */
function previewSecurityHeaders(): Plugin {
  return {
    name: "wic-preview-security-headers",
    configurePreviewServer(server) {
      const served = server.config.plugins.find((p) => p.name === SERVED_APP_CONFIG)?.api as ServedAppConfigApi | undefined;
      const csp = contentSecurityPolicy(resolve(server.config.root, server.config.build.outDir, "config.json"), served);
      server.middlewares.use((_req, res, next) => {
        res.setHeader("Content-Security-Policy", csp);
        res.setHeader("Referrer-Policy", "no-referrer");
        res.setHeader("X-Content-Type-Options", "nosniff");
        next();
      });
    },
  };
}

/**
 * Two parts of fast-xml-parser that src/aws/xml.ts never uses, replaced in the production bundle (1.8 KB gzip of the
 * 125 KB budget): the DTD reader (xml.ts refuses every DOCTYPE before parsing; src/aws/doctypeRefused.cjs) and the
 * `strnum` number parser (xml.ts pins parseTagValue/parseAttributeValue to false; src/aws/numbersStayText.cjs).
 */
function dropUnusedXmlParts(): Plugin {
  const replacements: Record<string, string> = {
    "./DocTypeReader": resolve(import.meta.dirname, "src/aws/doctypeRefused.cjs"),
    strnum: resolve(import.meta.dirname, "src/aws/numbersStayText.cjs"),
  };
  return {
    name: "wic-drop-unused-xml-parts",
    enforce: "pre",
    apply: "build",
    resolveId(source, importer) {
      return importer?.includes("/fast-xml-parser/") ? (replacements[source] ?? null) : null;
    },
  };
}

// The app is what src/main.tsx reaches; src/local (Node-only local stack) is never bundled.
export default defineConfig({
  plugins: [react(), previewSecurityHeaders(), dropUnusedXmlParts()],
  // The default ports; `npm start -- --base-port N` / `--app-port P` move the app (src/local/ports.ts, README "Ports").
  server: { host: "127.0.0.1", port: DEFAULT_APP_PORT, strictPort: true },
  preview: {
    host: "127.0.0.1",
    port: DEFAULT_PREVIEW_PORT,
    strictPort: true,
  },
  build: {
    target: "es2022",
    sourcemap: true,
    // V8's explicit compile hint (Chrome 136+; a plain comment elsewhere): compile every function of a chunk while it
    // streams in, on a background thread, instead of on first call on the main thread. On the sign-in callback that
    // lazy compilation sat between the token answer and the credentials (`npm run bench`, issue 5's closing note).
    rollupOptions: { output: { postBanner: "//# allFunctionsCalledOnLoad\n" } },
    // Every browser the app targets (ES2022, WebCrypto, Clipboard API) supports <link rel="modulepreload"> natively.
    modulePreload: { polyfill: false },
  },
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
