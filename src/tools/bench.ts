/**
 * `npm run bench`: measures the budgets of DESIGN §10 on this machine, in one run, and prints them.
 *   - first-load JS (entry chunk + its static imports) and whole-app JS, gzip, from a fresh production build;
 *   - local STS: AssumeRoleWithWebIdentity request rate vs a bare node:http server, p99 at 32 concurrent clients;
 *   - callback-to-credentials in Chromium vs the raw round trips it needs (uses the `npm run preview` ports).
 * Never part of `npm test` (no timed tests); numbers go into issue notes.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { spawn } from "node:child_process";
import { Agent, createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "vite";
import { loadStackConfig } from "../local/config";
import { startIdp } from "../local/idp/server";
import { signInHeadless } from "../local/idp/headless";
import { startSts } from "../local/sts/server";

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

interface LoadResult { rps: number; p50: number; p99: number; errors: number; count: number }

/** One POST over a keep-alive agent; resolves true on HTTP 200. Times out after 10 s. */
function post(agent: Agent, url: URL, body: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(url, { method: "POST", agent, headers: { "content-type": "application/x-www-form-urlencoded", "content-length": Buffer.byteLength(body) }, timeout: 10_000 }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode === 200));
      res.on("error", () => resolve(false));
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(false));
    req.end(body);
  });
}

/** Fire `total` requests from `concurrency` workers; bounded in count and time. */
async function load(url: string, body: string, total: number, concurrency: number, maxMs = 60_000): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const target = new URL(url);
  const latencies: number[] = [];
  let errors = 0;
  let issued = 0;
  const deadline = performance.now() + maxMs;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (issued < total && performance.now() < deadline) {
        issued++;
        const t = performance.now();
        const ok = await post(agent, target, body);
        latencies.push(performance.now() - t);
        if (!ok) errors++;
      }
    }),
  );
  agent.destroy();
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
  return { rps: latencies.length / elapsed, p50: at(0.5), p99: at(0.99), errors, count: latencies.length };
}

/**
 * Child process (`bench.ts serve`): the IdP, the STS and a bare node:http server, so the load client in the parent
 * does not share a thread with the servers it measures. Prints one JSON line, exits when stdin closes.
 */
async function serve() {
  const idp = await startIdp({ config: loadStackConfig(), port: 0, quiet: true });
  const config = loadStackConfig(undefined, { issuer: idp.issuer });
  const server = await startSts({ config, port: 0 });
  const client = config.clients[0];
  if (!client) throw new Error("no client configured");
  const { idToken } = await signInHeadless({ issuer: idp.issuer, clientId: client.clientId, redirectUri: client.redirectUris[0] ?? "", username: "alice", password: "alice-password" });
  const bare = createServer((_req, res) => {
    _req.resume();
    _req.on("end", () => {
      res.writeHead(200, { "content-type": "text/xml" });
      res.end("<ok/>");
    });
  });
  await new Promise<void>((r) => bare.listen(0, "127.0.0.1", r));
  const body = new URLSearchParams({
    Action: "AssumeRoleWithWebIdentity",
    Version: "2011-06-15",
    RoleArn: `arn:aws:iam::${config.account}:role/WebIdentityConsoleUser`,
    RoleSessionName: "bench",
    WebIdentityToken: idToken,
  }).toString();
  console.log(JSON.stringify({ sts: server.url, bare: `http://127.0.0.1:${(bare.address() as AddressInfo).port}/`, body }));
  process.stdin.resume();
  process.stdin.on("end", () => {
    bare.close();
    void Promise.all([server.close(), idp.close()]).then(() => process.exit(0));
  });
}

async function sts() {
  const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), "serve"], { stdio: ["pipe", "pipe", "inherit"] });
  const line = await new Promise<string>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error("bench servers did not start in 30 s")), 30_000);
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf("\n");
      if (nl >= 0) {
        clearTimeout(timer);
        resolve(out.slice(0, nl));
      }
    });
    child.on("exit", (code) => reject(new Error(`bench servers exited (${code})`)));
  });
  const { sts: stsUrl, bare, body } = JSON.parse(line) as { sts: string; bare: string; body: string };
  await load(stsUrl, body, 300, 8); // warm-up
  await load(bare, body, 300, 8);
  const baseline = await load(bare, body, 10_000, 32);
  const awrwi = await load(stsUrl, body, 5_000, 32);
  const fmt = (r: LoadResult) => `${r.rps.toFixed(0)} req/s, p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, ${r.errors} errors / ${r.count}`;
  console.log(`bare node:http (same body):     ${fmt(baseline)}`);
  console.log(`STS AssumeRoleWithWebIdentity:  ${fmt(awrwi)}`);
  console.log(`ratio: ${((awrwi.rps / baseline.rps) * 100).toFixed(0)} % of bare  [budget ≥ 30 %, p99 < 50 ms at 32 clients, 0 errors]`);
  child.stdin.end();
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
  if (which === "all" || which === "sts") await sts();
  if (which === "all" || which === "callback") await callback();
}
