import type { Locator, Page } from "@playwright/test";
import { expect, sts, test, users } from "./fixtures";

/**
 * Press Tab (or Shift+Tab, when `target` comes before the focused element) until `target` has focus: proves it is
 * reachable from the keyboard (bounded: 60 presses).
 */
async function tabTo(page: Page, target: Locator) {
  const before = await target.evaluate((el) => {
    const active = document.activeElement;
    return !!active && active !== document.body && !!(el.compareDocumentPosition(active) & Node.DOCUMENT_POSITION_FOLLOWING);
  });
  const key = before ? "Shift+Tab" : "Tab";
  for (let i = 0; i < 60; i++) {
    if (await target.evaluate((el) => el === document.activeElement)) return;
    await page.keyboard.press(key);
  }
  await expect(target).toBeFocused();
}

/** Focus is not lost: on `expected` (after a page load, once the app has placed it), not on <body>, on a visible element. */
async function expectFocusOn(page: Page, expected: Locator) {
  await expect(expected).toBeFocused();
  const active = await page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body || el === document.documentElement) return { onBody: true, visible: false, what: String(el?.tagName) };
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    return { onBody: false, visible: box.width > 0 && box.height > 0 && style.visibility !== "hidden" && style.display !== "none", what: `${el.tagName} ${el.textContent?.slice(0, 40)}` };
  });
  expect(active.onBody, `focus fell to ${active.what}`).toBe(false);
  expect(active.visible, `focused element is not visible: ${active.what}`).toBe(true);
}

test("the whole flow works from the keyboard alone", async ({ consolePage, page }) => {
  await tabTo(page, consolePage.signInButton);
  await page.keyboard.press("Enter");

  const username = page.getByLabel("Username");
  await tabTo(page, username);
  await page.keyboard.type(users.alice.username);
  await tabTo(page, page.getByLabel("Password"));
  await page.keyboard.type(users.alice.password);
  await page.keyboard.press("Enter");

  await expect(consolePage.credentialsTimer).toBeVisible();
  await tabTo(page, consolePage.whoAmIButton);
  await page.keyboard.press("Enter");
  await expect(consolePage.field(consolePage.callerIdentity, "Arn")).toHaveText(/assumed-role\/WebIdentityConsoleUser\/alice$/);

  const reveal = page.getByRole("button", { name: "Reveal secret access key" });
  await tabTo(page, reveal);
  await page.keyboard.press("Space");
  // A toggle keeps its label; its state is aria-pressed.
  await expect(reveal).toHaveAttribute("aria-pressed", "true");

  await tabTo(page, consolePage.signOutButton);
  await page.keyboard.press("Enter");
  // The provider asks to confirm the sign-out; its "Yes" button has focus.
  const yes = page.getByRole("button", { name: "Yes, sign me out" });
  await expect(yes).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(consolePage.signInButton).toBeVisible();
  await expect(consolePage.signInButton).toBeFocused();
});

test("with STS answering slowly, focus stays on something sensible through every keyboard action", async ({ consolePage: app, page, context }) => {
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  // Every STS call takes 400 ms more, so each busy state is long enough to look at.
  await page.route(`${sts}/`, async (route) => {
    if (route.request().method() === "POST") await new Promise((resolve) => setTimeout(resolve, 400));
    await route.fallback();
  });

  await tabTo(page, app.signInButton);
  await page.keyboard.press("Enter");
  await expect(page.getByLabel("Username")).toBeFocused(); // the provider's form starts there
  await page.keyboard.type(users.alice.username);
  await tabTo(page, page.getByLabel("Password"));
  await page.keyboard.type(users.alice.password);
  await page.keyboard.press("Enter");

  // After sign-in: the console's first heading.
  await expect(app.sessionHeading).toBeFocused();
  await expectFocusOn(page, app.sessionHeading);
  await expect(app.credentialsTimer).toBeVisible();
  await expectFocusOn(page, app.sessionHeading);

  // Each action's button keeps focus while it is busy (aria-disabled, never disabled) and after.
  const busyThenDone = async (button: Locator, done: () => Promise<void>) => {
    await tabTo(page, button);
    await page.keyboard.press("Enter");
    await expect(button).toHaveAttribute("aria-disabled", "true");
    await expect(button).not.toBeDisabled();
    await expectFocusOn(page, button);
    await done();
    await expect(button).not.toHaveAttribute("aria-disabled");
    await expectFocusOn(page, button);
  };

  await busyThenDone(app.getCredentialsButton, async () => {
    await expect(app.exchangeResult.getByRole("status").filter({ hasText: "Credentials received." })).toBeVisible();
    await expect(app.exchangeView("requested")).toBeVisible();
  });
  await busyThenDone(app.whoAmIButton, async () => {
    await expect(app.field(app.callerIdentity, "Arn")).toHaveText(/assumed-role\/WebIdentityConsoleUser\/alice$/);
  });
  await busyThenDone(app.getNewCredentialsButton, async () => {
    await expect(app.exchangeView("Get new credentials")).toBeVisible();
  });

  // A copy from the keyboard: focus stays on the button, and its status says so.
  const copy = app.credentials.getByRole("button", { name: "Copy as environment variables (bash)" });
  await tabTo(page, copy);
  await page.keyboard.press("Enter");
  await expect(app.credentials.getByRole("status").filter({ hasText: "Copied." })).toBeVisible();
  await expectFocusOn(page, copy);

  // More STS calls, far down the page: buttons are in the tab order like every other; to keep the walk short, focus
  // starts on the role field, then Tab and Enter do the rest.
  const chain = page.getByRole("region", { name: "AssumeRole (role chaining)" });
  await chain.getByLabel("Role ARN").focus();
  await page.keyboard.press("ControlOrMeta+A");
  await page.keyboard.type("arn:aws:iam::123456789012:role/demo/ChainedReader");
  await busyThenDone(chain.getByRole("button", { name: "Call AssumeRole" }), async () => {
    await expect(app.field(chain, "Assumed role ARN")).toHaveText("arn:aws:sts::123456789012:assumed-role/ChainedReader/chained");
  });

  await tabTo(page, app.signOutButton);
  await page.keyboard.press("Enter");
  const yes = page.getByRole("button", { name: "Yes, sign me out" });
  await expectFocusOn(page, yes);
  await page.keyboard.press("Enter");
  await expect(app.signedOutHeading).toBeVisible();
  await expectFocusOn(page, app.signInButton);
});
