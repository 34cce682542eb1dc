/**
 * `npm test`: every suite in order — type check, lint, unit tests, local-stack interop tests with the official
 * AWS SDK, and the Playwright suite — then one plain line `N passed, N failed` summed from the runners' JSON
 * reports (type check and lint count as one check each). Exit code 1 when anything failed or a report is missing.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";

const root = process.cwd();
const reports = join(root, "reports");
mkdirSync(reports, { recursive: true });
for (const f of ["vitest-unit.json", "vitest-interop.json", "playwright.json"]) rmSync(join(reports, f), { force: true });

interface Tally { suite: string; passed: number; failed: number; skipped: number; note?: string }
const tallies: Tally[] = [];

function run(cmd: string, args: string[], env: Record<string, string> = {}): number {
  console.log(`\n$ ${cmd} ${args.join(" ")}`);
  const r = spawnSync(cmd, args, { stdio: "inherit", env: { ...process.env, ...env } });
  return r.status ?? 1;
}

function check(suite: string, cmd: string, args: string[]): void {
  const code = run(cmd, args);
  tallies.push({ suite, passed: code === 0 ? 1 : 0, failed: code === 0 ? 0 : 1, skipped: 0 });
}

function vitest(project: string): void {
  const out = join(reports, `vitest-${project}.json`);
  const code = run("npx", ["vitest", "run", "--project", project, "--reporter=default", "--reporter=json", `--outputFile.json=${out}`]);
  if (!existsSync(out)) {
    tallies.push({ suite: `vitest ${project}`, passed: 0, failed: 1, skipped: 0, note: `no report (exit ${code})` });
    return;
  }
  const r = JSON.parse(readFileSync(out, "utf8")) as { numPassedTests: number; numFailedTests: number; numPendingTests: number; numTodoTests: number; testResults: { status: string }[] };
  // A test file that fails to load has no tests but a failed status: count it as a failure.
  const brokenFiles = r.testResults.filter((f) => f.status === "failed").length;
  const failed = Math.max(r.numFailedTests, code !== 0 && r.numFailedTests === 0 ? Math.max(1, brokenFiles) : 0);
  tallies.push({ suite: `vitest ${project}`, passed: r.numPassedTests, failed, skipped: r.numPendingTests + r.numTodoTests });
}

function playwright(): void {
  const out = join(reports, "playwright.json");
  const code = run("npx", ["playwright", "test", "-c", "e2e/playwright.config.ts"], { PLAYWRIGHT_JSON_OUTPUT_NAME: out });
  if (!existsSync(out)) {
    tallies.push({ suite: "playwright", passed: 0, failed: 1, skipped: 0, note: `no report (exit ${code})` });
    return;
  }
  const r = JSON.parse(readFileSync(out, "utf8")) as { stats: { expected: number; unexpected: number; flaky: number; skipped: number }; errors?: unknown[] };
  const globalErrors = r.errors?.length ?? 0;
  tallies.push({ suite: "playwright", passed: r.stats.expected + r.stats.flaky, failed: r.stats.unexpected + (code !== 0 && r.stats.unexpected === 0 ? Math.max(1, globalErrors) : 0), skipped: r.stats.skipped });
}

check("typecheck", "npx", ["tsc", "-p", "tsconfig.json", "--noEmit"]);
check("lint", "npx", ["eslint", "-c", ".eslint.config.js", "--max-warnings=0", "."]);
vitest("unit");
vitest("interop");
playwright();

console.log("\nSuites:");
for (const t of tallies) console.log(`  ${t.suite}: ${t.passed} passed, ${t.failed} failed, ${t.skipped} skipped${t.note ? ` (${t.note})` : ""}`);
const passed = tallies.reduce((n, t) => n + t.passed, 0);
const failed = tallies.reduce((n, t) => n + t.failed, 0);
const skipped = tallies.reduce((n, t) => n + t.skipped, 0);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(failed === 0 ? 0 : 1);
