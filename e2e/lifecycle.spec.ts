// Credentials that live and end (DESIGN §6) on a fake browser clock (page.clock): refresh before expiry, the
// threshold announcements, and a device clock that is an hour off. The local stack's clock is not touched here (that
// is the stack-controls project's job), so these run in parallel with the rest.
import type { Page } from "@playwright/test";
import { expect, isStsCall, serveConfig, sts, test, users } from "./fixtures";
import { ConsolePage } from "./pages/ConsolePage";

/** Record every text the "AWS credentials valid for" timer shows from now on (in the page, so nothing is missed). */
async function watchCredentialsTimer(page: Page) {
  await page.evaluate(() => {
    const w = window as unknown as { __timerTexts: string[] };
    w.__timerTexts = [];
    const read = () => {
      for (const el of document.querySelectorAll('[role="timer"]')) {
        const label = document.getElementById(el.getAttribute("aria-labelledby") ?? "")?.textContent;
        if (label === "AWS credentials valid for") {
          const text = el.textContent ?? "";
          if (w.__timerTexts.at(-1) !== text) w.__timerTexts.push(text);
        }
      }
    };
    read();
    new MutationObserver(read).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
  return () => page.evaluate(() => (window as unknown as { __timerTexts: string[] }).__timerTexts);
}

test("a 900 s session is refreshed before it expires: its own exchange, no failed STS call, the countdown never shows expired", async ({ page }) => {
  await serveConfig(page, { durationSeconds: 900 });
  const stsAnswers: { action: string; status: number }[] = [];
  page.on("response", (r) => {
    if (r.url().startsWith(sts) && r.request().method() === "POST") {
      stsAnswers.push({ action: isStsCall(r, "AssumeRoleWithWebIdentity") ? "AssumeRoleWithWebIdentity" : "other", status: r.status() });
    }
  });
  await page.clock.install();
  const app = new ConsolePage(page);
  await app.goto();
  await app.signIn(users.alice.username, users.alice.password);
  await expect(app.exchangeView("after sign-in")).toBeVisible();
  const first = await app.credentialsSecondsLeft();
  expect(first).toBeGreaterThan(880);
  expect(first).toBeLessThanOrEqual(900);
  // 900 s session: margin = max(60 s, 10 %) = 90 s, so the refresh is planned 810 s after issue, reusing the ID token.
  await expect(app.session.getByText(/^Next automatic refresh at \d\d:\d\d:\d\d, reusing the ID token/)).toBeVisible();
  const firstKey = await app.field(app.credentials, "Access key id").innerText();
  const timerTexts = await watchCredentialsTimer(page);

  // Jump to just before the refresh point (810 s) and see the countdown there — a jump straight past it can finish the
  // refresh before the countdown renders the jumped-to time, and then nothing shows what came before the refresh —
  // then past it, but not past expiry (900 s).
  await page.clock.fastForward((first - 100) * 1000);
  await expect.poll(() => app.credentialsSecondsLeft()).toBeLessThanOrEqual(100);
  expect(await app.credentialsSecondsLeft()).toBeGreaterThan(90);
  await page.clock.fastForward(20_000);

  await expect(app.exchangeView("automatic refresh before expiry")).toBeVisible();
  await expect(app.earlierExchanges(1)).toBeVisible();
  await expect(app.field(app.credentials, "Access key id")).not.toHaveText(firstKey);
  await expect(app.field(app.credentials, "Obtained")).toHaveText("automatic refresh before expiry");
  await expect(app.announcements).toHaveText(/^AWS credentials refreshed: valid until \d\d:\d\d:\d\d\.$/);
  await expect(app.session.getByText(/^Next automatic refresh at /)).toBeVisible();

  // The new credentials count down from a full session again, and keep ticking.
  await expect.poll(() => app.credentialsSecondsLeft()).toBeGreaterThan(880);
  const afterRefresh = await app.credentialsSecondsLeft();
  await expect.poll(() => app.credentialsSecondsLeft(), { timeout: 5_000 }).toBeLessThan(afterRefresh);

  await app.expectWhoAmI(users.alice.username);

  const shown = await timerTexts();
  expect(shown.length).toBeGreaterThan(3);
  expect(shown.filter((t) => /expired/.test(t))).toEqual([]);
  expect(shown.filter((t) => !/^\d+:\d\d(:\d\d)?$/.test(t))).toEqual([]);
  expect(stsAnswers.filter((a) => a.status >= 400)).toEqual([]);
  expect(stsAnswers.filter((a) => a.action === "AssumeRoleWithWebIdentity")).toHaveLength(2);
});

for (const { hours, words } of [
  { hours: 1, words: "ahead of" },
  { hours: -1, words: "behind" },
]) {
  test(`a browser clock ${words} AWS by 1 h: the countdown is right, signed calls work, and the skew is shown`, async ({ page }) => {
    await page.clock.install({ time: Date.now() + hours * 3600_000 });
    const app = new ConsolePage(page);
    await app.goto();
    await app.signIn(users.alice.username, users.alice.password);

    await expect(app.credentialsTimer).toHaveText(/^(59:\d\d|1:00:00)$/);
    const left = await app.credentialsSecondsLeft();
    expect(left).toBeGreaterThan(3500);
    expect(left).toBeLessThanOrEqual(3600);
    await expect(app.idTokenTimer).toHaveText(/^(59:\d\d|1:00:00)$/);
    // The Date header has 1 s resolution: allow the measured offset to be a second either side of 1 h.
    await expect(app.session.getByText(new RegExp(`^Your clock is (1 h|1 h 1 s|59 min 59 s) ${words} AWS; signatures use AWS time\\.$`))).toBeVisible();

    await app.expectWhoAmI(users.alice.username);
    await expect(app.credentialsTimer).toHaveText(/^(59:\d\d|1:00:00)$/);
  });
}

test("the live region announces 5 min, 1 min and expiry — and nothing in between, not every second", async ({ page }) => {
  // A 900 s session refreshed only 10 s before expiry, and every STS exchange after the first fails (network): the
  // credentials run out, so every threshold is reached.
  await serveConfig(page, { durationSeconds: 900, refreshMarginSeconds: 10 });
  let exchanges = 0;
  await page.route(`${sts}/`, (route) => {
    const request = route.request();
    if (request.method() === "POST" && (request.postData() ?? "").includes("Action=AssumeRoleWithWebIdentity") && ++exchanges > 1) return route.abort("connectionrefused");
    return route.fallback();
  });
  await page.clock.install();
  const app = new ConsolePage(page);
  await app.goto();
  await app.signIn(users.alice.username, users.alice.password);
  await expect(app.credentialsTimer).toBeVisible();
  await expect(app.announcements).toHaveText("");

  const left = await app.credentialsSecondsLeft();
  await page.clock.fastForward((left - 298) * 1000);
  await expect(app.announcements).toHaveText("AWS credentials expire in 5 minutes.");

  // Over the next minute the countdown ticks every second; the live region stays as it is.
  await page.evaluate(() => {
    const w = window as unknown as { __statusMutations: number; __timerMutations: number };
    w.__statusMutations = 0;
    w.__timerMutations = 0;
    const status = document.querySelector('[aria-labelledby="session-heading"] [role="status"]');
    const timers = document.querySelectorAll('[role="timer"]');
    if (!status || timers.length === 0) throw new Error("no status or timer to watch");
    new MutationObserver((m) => (w.__statusMutations += m.length)).observe(status, { subtree: true, childList: true, characterData: true, attributes: true });
    for (const timer of timers) new MutationObserver((m) => (w.__timerMutations += m.length)).observe(timer, { subtree: true, childList: true, characterData: true });
  });
  await page.clock.runFor(60_000);
  const counts = await page.evaluate(() => {
    const w = window as unknown as { __statusMutations: number; __timerMutations: number };
    return { status: w.__statusMutations, timer: w.__timerMutations };
  });
  expect(counts.timer).toBeGreaterThanOrEqual(30); // the minute really ran (the timers ticked)
  expect(counts.status).toBe(0);
  await expect(app.announcements).toHaveText("AWS credentials expire in 5 minutes.");

  const left2 = await app.credentialsSecondsLeft();
  await page.clock.fastForward((left2 - 58) * 1000);
  await expect(app.announcements).toHaveText("AWS credentials expire in 1 minute.");

  await page.clock.fastForward(70_000);
  await expect(app.announcements).toHaveText(/^AWS credentials expired at \d\d:\d\d:\d\d\.$/);
  const at = /(\d\d:\d\d:\d\d)/.exec(await app.announcements.innerText())?.[1];
  await expect(app.credentialsTimer).toHaveText(`expired at ${at}`);
  await expect(app.expiredCallsButton).toBeVisible();
  expect(exchanges).toBeGreaterThan(1); // the refresh was tried, and failed
});

test("after the device sleeps past expiry, the countdown and the live region say expired — no stale threshold in between", async ({ page }) => {
  await serveConfig(page, { durationSeconds: 900, refreshMarginSeconds: 10 });
  let slept = false;
  await page.route(`${sts}/`, (route) => {
    const request = route.request();
    // The first exchange (sign-in) goes through; the refresh after the wake-up cannot reach STS.
    if (request.method() === "POST" && (request.postData() ?? "").includes("Action=AssumeRoleWithWebIdentity") && slept) return route.abort("connectionrefused");
    return route.fallback();
  });
  await page.clock.install();
  const app = new ConsolePage(page);
  await app.goto();
  await app.signIn(users.alice.username, users.alice.password);
  await expect(app.credentialsTimer).toHaveText(/^1[45]:\d\d$/);
  await page.evaluate(() => {
    const w = window as unknown as { __announced: string[] };
    w.__announced = [];
    const status = document.querySelector('[aria-labelledby="session-heading"] [role="status"]');
    if (!status) throw new Error("no status to watch");
    new MutationObserver(() => w.__announced.push(status.textContent ?? "")).observe(status, { subtree: true, childList: true, characterData: true });
  });
  slept = true;

  // The lid closes for 20 minutes: every timer fires at most once, late.
  await page.clock.fastForward(20 * 60_000);
  await expect(app.credentialsTimer).toHaveText(/^expired at \d\d:\d\d:\d\d$/);
  await expect(app.announcements).toHaveText(/^AWS credentials expired at \d\d:\d\d:\d\d\.$/);
  await expect(app.expiredCallsButton).toBeVisible();
  const announced = await page.evaluate(() => (window as unknown as { __announced: string[] }).__announced.filter((t) => t !== ""));
  expect(announced.filter((t) => !t.startsWith("AWS credentials expired at "))).toEqual([]);
});
