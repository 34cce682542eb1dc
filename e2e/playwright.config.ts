import { existsSync } from "node:fs";
import { defineConfig, devices } from "@playwright/test";

// Debian's Chromium when present (this machine and CI cannot download Playwright's browsers);
// otherwise Playwright's own Chromium, for a user who has installed it.
const systemChromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => existsSync(p));

export default defineConfig({
  testDir: ".",
  testMatch: "**/*.spec.ts",
  outputDir: "../test-results",
  fullyParallel: true,
  workers: 2,
  retries: 0,
  timeout: 30_000,
  expect: { timeout: 7_000 },
  forbidOnly: !!process.env.CI,
  reporter: [["list"], ["json", { outputFile: process.env.PLAYWRIGHT_JSON_OUTPUT_NAME ?? "../reports/playwright.json" }]],
  projects: [
    { name: "dev", testIgnore: ["production.spec.ts", "**/*.controls.spec.ts"], use: { baseURL: "http://127.0.0.1:5173" } },
    // The production bundle served with its strict Content-Security-Policy (npm run preview).
    { name: "production", testMatch: "production.spec.ts", use: { baseURL: "http://127.0.0.1:4173" } },
    // Tests that drive the shared local stack's test controls (its clock, silent-renewal refusals): they would break
    // any test running at the same time, so they start after the other projects have finished, one at a time.
    {
      name: "stack-controls",
      testMatch: "**/*.controls.spec.ts",
      dependencies: ["dev", "production"],
      fullyParallel: false,
      workers: 1,
      use: { baseURL: "http://127.0.0.1:5173" },
    },
  ],
  use: {
    trace: "retain-on-failure",
    ...devices["Desktop Chrome"],
    launchOptions: {
      ...(systemChromium ? { executablePath: systemChromium } : {}),
      args: ["--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    },
  },
  webServer: [
    {
      // The app and the whole local stack, exactly as `npm start` runs them.
      command: "npx tsx src/local/start.ts",
      cwd: "..",
      url: "http://127.0.0.1:5173/",
      reuseExistingServer: !process.env.CI,
      timeout: 60_000,
      stdout: "pipe",
      stderr: "pipe",
    },
    {
      command: "npx vite build --logLevel warn && npx vite preview",
      cwd: "..",
      url: "http://127.0.0.1:4173/",
      reuseExistingServer: !process.env.CI,
      timeout: 120_000,
      stdout: "pipe",
      stderr: "pipe",
    },
  ],
});
