import { expect, test, users } from "./fixtures";
import { ConsolePage } from "./pages/ConsolePage";

test("the production bundle works under its strict Content-Security-Policy", async ({ page }) => {
  const violations: string[] = [];
  page.on("console", (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text());
  });
  const response = await page.goto("/");
  expect(response?.headers()["content-security-policy"]).toContain("script-src 'self'");

  const app = new ConsolePage(page);
  await app.signIn(users.alice.username, users.alice.password);
  await expect(app.credentialsTimer).toBeVisible();
  await app.whoAmIButton.click();
  await expect(app.field(app.callerIdentity, "Arn")).toHaveText(/assumed-role\/WebIdentityConsoleUser\/alice$/);
  expect(violations).toEqual([]);
});
