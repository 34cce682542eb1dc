/**
 * `npm run bench`: measures the budgets of DESIGN §10 on this machine, in one run, and prints them.
 *   - first-load JS (entry chunk + its static imports) and whole-app JS, gzip, from a fresh production build;
 *   - local STS at 32 concurrent clients, per operation: req/s, p50/p99, errors, and the STS process's CPU time per
 *     request (`process.cpuUsage()` in the server process around the load) as a multiple of one RS256 verify with the
 *     IdP's key, measured in the same process during the same load (`BENCH_CPU_PROF=<dir>` also writes a `--cpu-prof`
 *     profile of the STS process there);
 *   - callback-to-credentials in Chromium vs the raw round trips it needs (uses the `npm run preview` ports).
 * Never part of `npm test` (no timed tests); numbers go into issue notes.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "vite";
import { serve, sts } from "./benchSts";

const KB = 1024;
const gz = (file: string) => gzipSync(readFileSync(file), { level: 9 }).length;

async function bundle() {
  await build({ logLevel: "error" });
  const dist = "dist";
  const manifestHtml = readFileSync(join(dist, "index.html"), "utf8");
  const entry = /<script type="module" crossorigin src="\/(assets\/[^"]+\.js)"/.exec(manifestHtml)?.[1];
  const preloads = [...manifestHtml.matchAll(/<link rel="modulepreload" crossorigin href="\/(assets\/[^"]+\.js)"/g)].map((m) => m[1] as string);
  if (!entry) throw new Error("entry script not found in dist/index.html");
  const firstLoad = [entry, ...preloads].reduce((n, f) => n + gz(join(dist, f)), 0);
  const all = readdirSync(join(dist, "assets")).filter((f) => f.endsWith(".js")).reduce((n, f) => n + gz(join(dist, "assets", f)), 0);
  console.log(`first-load JS (gzip): ${(firstLoad / KB).toFixed(1)} KB  [budget 80 KB]  (${[entry, ...preloads].join(", ")})`);
  console.log(`whole-app JS (gzip):  ${(all / KB).toFixed(1)} KB  [budget 125 KB]`);
}

/**
 * Callback-to-credentials in a real browser against the production bundle and the local stack (`npm run preview`
 * ports): from the app's `wic:callback` mark (config loaded, the callback about to be handled) to its `wic:credentials`
 * mark, versus the raw round trips that path needs (the token POST + the STS POST, from Resource Timing of the same
 * page). Median of 10 sign-ins, after one more that warms the local stack up (not counted).
 *
 * The end of a sign-in is awaited through a PerformanceObserver in the page that logs the mark to the console, not by
 * polling the page with a locator: Playwright's polling runs in the measured page's main thread, inside the window
 * being measured (it showed up in CPU profiles of that window). The timer is checked with a role locator afterwards.
 */
async function callback() {
  const { chromium } = await import("@playwright/test");
  const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(new URL("../local/start.ts", import.meta.url)), "--preview"], { stdio: ["ignore", "pipe", "inherit"] });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("npm run preview did not start in 90 s")), 90_000);
      let out = "";
      child.stdout.on("data", (d: Buffer) => {
        out += d.toString();
        if (out.includes("Press Ctrl+C")) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.on("exit", (code) => reject(new Error(`npm run preview exited (${code}) — are ports 9400/9401/4173 free?`)));
    });
    const executablePath = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => existsSync(p));
    const browser = await chromium.launch({ ...(executablePath ? { executablePath } : {}), args: ["--disable-gpu", "--disable-quic", "--disable-background-networking"] });
    const runs: { total: number; handling: number; raw: number }[] = [];
    const WARM_UP = 1;
    const COUNTED = 10;
    for (let i = 0; i < WARM_UP + COUNTED; i++) {
      const page = await (await browser.newContext()).newPage();
      page.setDefaultTimeout(15_000);
      await page.addInitScript(() => {
        new PerformanceObserver((list) => {
          for (const entry of list.getEntries()) if (entry.name === "wic:credentials") console.debug("wic:credentials");
        }).observe({ type: "mark" });
      });
      await page.goto("http://127.0.0.1:4173/");
      await page.getByRole("button", { name: "Sign in with Local OpenID provider", exact: true }).click();
      await page.getByLabel("Username").fill("alice");
      await page.getByLabel("Password").fill("alice-password");
      const credentials = page.waitForEvent("console", { predicate: (message) => message.text() === "wic:credentials" });
      await page.getByRole("button", { name: "Sign in" }).click();
      await credentials;
      const m = await page.evaluate(() => {
        const credentials = performance.getEntriesByName("wic:credentials")[0]?.startTime ?? NaN;
        const resources = performance.getEntriesByType("resource") as PerformanceResourceTiming[];
        const token = resources.find((r) => r.name.endsWith("/token"));
        const sts = resources.find((r) => r.name.startsWith("http://127.0.0.1:9401"));
        const nav = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming | undefined;
        const tokens = performance.getEntriesByName("wic:tokens")[0]?.startTime ?? NaN;
        const callbackStart = performance.getEntriesByName("wic:callback")[0]?.startTime ?? NaN;
        return { credentials, callbackStart, tokens, token: token?.duration ?? NaN, sts: sts?.duration ?? NaN, nav: nav ? { redirectEnd: nav.redirectEnd, fetchStart: nav.fetchStart, responseEnd: nav.responseEnd, dcl: nav.domContentLoadedEventEnd } : null, res: resources.map((r) => `${r.name.slice(0, 60)} ${r.startTime.toFixed(0)}+${r.duration.toFixed(0)}`) };
      });
      if (process.env.BENCH_DEBUG) console.log(JSON.stringify(m, null, 1));
      await page.getByRole("timer", { name: "AWS credentials valid for" }).waitFor();
      if (i >= WARM_UP) runs.push({ total: m.credentials, handling: m.credentials - m.callbackStart, raw: m.token + m.sts });
      await page.context().close();
    }
    await browser.close();
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
    const total = median(runs.map((r) => r.total));
    const handling = median(runs.map((r) => r.handling));
    const raw = median(runs.map((r) => r.raw));
    console.log(`raw round trips (token POST + STS POST): ${raw.toFixed(1)} ms (median of ${runs.length}, after ${WARM_UP} warm-up)`);
    console.log(`callback handled → credentials: ${handling.toFixed(1)} ms  → ${(handling / raw).toFixed(2)}× raw  [budget ≤ 2×]`);
    console.log(`callback navigation → credentials (page load included): ${total.toFixed(1)} ms`);
  } finally {
    child.kill("SIGTERM");
  }
}

const which = process.argv[2] ?? "all";
if (which === "serve") await serve();
else {
  if (which === "all" || which === "size") await bundle();
  if (which === "all" || which === "sts") await sts(which === "sts" ? (process.argv[3] ?? "") : "");
  if (which === "all" || which === "callback") await callback();
}
