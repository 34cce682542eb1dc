// Lint rules are the project's boundaries (CONVENTIONS 10):
// - browser code (what src/main.tsx reaches) never imports node:* or the Node-only local stack;
// - the local stack never imports browser code — the SDK interop tests keep both honest;
// - src/aws imports no React; each third-party library is wrapped in exactly one module;
// - no secret storage APIs in the browser (redirect state is the one exception, in src/auth).
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import reactHooks from "eslint-plugin-react-hooks";
import globals from "globals";
import { builtinModules } from "node:module";

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];
const browserFiles = ["src/**/*.{ts,tsx}"];
const nodeFiles = ["src/local/**/*.ts", "src/tools/**/*.ts", "e2e/**/*.ts", "vite.config.ts", "**/*.test.{ts,tsx}"];

const wrapped = [
  { name: "fast-xml-parser", message: "Only src/aws/xml.ts imports fast-xml-parser (options are pinned there)." },
  { name: "aws4fetch", message: "Only src/aws/signer.ts imports aws4fetch (service, region and retries are pinned there)." },
  { name: "oidc-client-ts", message: "Only src/auth/ imports oidc-client-ts." },
];
/** Deep imports of a wrapped library are as restricted as the library itself. */
const wrappedDeep = [
  { group: ["fast-xml-parser/*"], message: "Only src/aws/xml.ts imports fast-xml-parser (options are pinned there)." },
  { group: ["aws4fetch/*"], message: "Only src/aws/signer.ts imports aws4fetch." },
  { group: ["oidc-client-ts/*"], message: "Only src/auth/ imports oidc-client-ts." },
];
const noLocalStack = {
  regex: "^(\\.{1,2}/)+(.*/)?local(/|$)",
  message: "Browser code must not import the Node-only local stack (src/local).",
};

/** src/aws: browser wire code — no Node, no React, no query library; each wrapped library only in its own module. */
function awsRestrictions(allowed) {
  return {
    paths: [
      ...nodeBuiltins.map((name) => ({ name, message: "src/aws runs in the browser." })),
      { name: "react", message: "src/aws is wire code: no React." },
      ...wrapped.filter((w) => w.name !== allowed),
    ],
    patterns: [
      noLocalStack,
      ...wrappedDeep.filter((w) => !w.group[0].startsWith(`${allowed}/`)),
      { group: ["@tanstack/*", "react-dom", "react-dom/*"], message: "src/aws is wire code: no React or query library." },
    ],
  };
}

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "test-results/**", "playwright-report/**", "reports/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
    },
  },
  {
    files: browserFiles,
    ignores: nodeFiles,
    languageOptions: { globals: { ...globals.browser } },
    plugins: { "react-hooks": reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      "no-restricted-imports": ["error", { paths: [...nodeBuiltins.map((name) => ({ name, message: "Browser code must not import Node built-ins." })), ...wrapped], patterns: [noLocalStack, ...wrappedDeep] }],
      "no-restricted-globals": [
        "error",
        { name: "localStorage", message: "Secrets stay in memory: no localStorage." },
        { name: "sessionStorage", message: "Secrets stay in memory: only src/auth may keep the PKCE redirect state in sessionStorage." },
        { name: "indexedDB", message: "Secrets stay in memory: no IndexedDB." },
        { name: "caches", message: "Secrets stay in memory: no Cache API." },
        { name: "process", message: "Browser code has no process." },
        { name: "Buffer", message: "Browser code has no Buffer." },
      ],
      "no-restricted-properties": [
        "error",
        { object: "document", property: "cookie", message: "Secrets stay in memory: no cookies." },
        { object: "window", property: "localStorage", message: "Secrets stay in memory: no localStorage." },
        { object: "window", property: "indexedDB", message: "Secrets stay in memory: no IndexedDB." },
      ],
    },
  },
  {
    files: ["src/aws/**/*.ts"],
    ignores: ["**/*.test.ts"],
    rules: { "no-restricted-imports": ["error", awsRestrictions()] },
  },
  { files: ["src/aws/xml.ts", "src/aws/fast-xml-parser.d.ts"], rules: { "no-restricted-imports": ["error", awsRestrictions("fast-xml-parser")] } },
  // Build-time replacements for unused fast-xml-parser modules (vite.config.ts): CommonJS, required by the library.
  { files: ["src/aws/*.cjs"], languageOptions: { sourceType: "commonjs", globals: { module: "writable" } } },
  { files: ["src/aws/signer.ts"], rules: { "no-restricted-imports": ["error", awsRestrictions("aws4fetch")] } },
  {
    files: ["src/auth/**/*.{ts,tsx}"],
    rules: {
      "no-restricted-imports": ["error", { paths: [...nodeBuiltins.map((name) => ({ name, message: "Browser code must not import Node built-ins." })), wrapped[0], wrapped[1]], patterns: [noLocalStack, wrappedDeep[0], wrappedDeep[1]] }],
    },
  },
  {
    files: nodeFiles,
    languageOptions: { globals: { ...globals.node } },
  },
  {
    files: ["src/local/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", {
        patterns: [{
          regex: "^(\\.{1,2}/)+(.*/)?(aws|auth|credentials|console|ui)(/|$)",
          message: "The local stack shares no code with the browser client (src/local imports only src/local).",
        }],
      }],
    },
  },
);
