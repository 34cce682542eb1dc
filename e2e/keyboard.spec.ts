import type { Locator, Page } from "@playwright/test";
import { expect, test, users } from "./fixtures";

/** Press Tab until `target` has focus: proves it is reachable from the keyboard (bounded: 40 presses). */
async function tabTo(page: Page, target: Locator) {
  for (let i = 0; i < 40; i++) {
    if (await target.evaluate((el) => el === document.activeElement)) return;
    await page.keyboard.press("Tab");
  }
  await expect(target).toBeFocused();
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
  await expect(page.getByRole("button", { name: "Hide secret access key" })).toHaveAttribute("aria-pressed", "true");

  await tabTo(page, consolePage.signOutButton);
  await page.keyboard.press("Enter");
  await expect(consolePage.signInButton).toBeVisible();
});
