import { expect, type Locator, type Page } from "@playwright/test";

/** The console as a user sees it: role-based locators only. */
export class ConsolePage {
  readonly signInButton: Locator;
  readonly signOutButton: Locator;
  readonly credentialsTimer: Locator;
  readonly exchangeResult: Locator;
  readonly roleSelect: Locator;
  readonly getCredentialsButton: Locator;
  readonly whoAmIButton: Locator;
  readonly callerIdentity: Locator;
  readonly alert: Locator;

  constructor(readonly page: Page) {
    this.signInButton = page.getByRole("button", { name: "Sign in" });
    this.signOutButton = page.getByRole("button", { name: "Sign out" });
    this.credentialsTimer = page.getByRole("timer", { name: "Credentials expire in" });
    this.exchangeResult = page.getByRole("region", { name: "2. AssumeRoleWithWebIdentity" });
    this.roleSelect = page.getByLabel("Role", { exact: true });
    this.getCredentialsButton = page.getByRole("button", { name: "Get AWS credentials" });
    this.whoAmIButton = page.getByRole("button", { name: "Who am I?" });
    this.callerIdentity = page.getByRole("region", { name: "4. Signed calls" });
    this.alert = page.getByRole("alert");
  }

  async goto() {
    await this.page.goto("/");
    await expect(this.page.getByRole("heading", { name: "Web Identity Console" })).toBeVisible();
  }

  /** Sign in through the local provider's real login form. */
  async signIn(username: string, password: string) {
    await this.signInButton.click();
    await expect(this.page.getByRole("heading", { name: /sign in/i })).toBeVisible();
    await this.page.getByLabel("Username").fill(username);
    await this.page.getByLabel("Password").fill(password);
    await this.page.getByRole("button", { name: "Sign in" }).click();
    await expect(this.signOutButton).toBeVisible();
  }

  /** The value shown for a field label inside a region. */
  field(region: Locator, label: string): Locator {
    return region.getByRole("term").filter({ hasText: new RegExp(`^${label}$`) }).locator("xpath=following-sibling::dd[1]");
  }
}

/** "59:58" or "1:00:00" → seconds. */
export function parseCountdown(text: string): number {
  return text
    .trim()
    .split(":")
    .map(Number)
    .reduce((acc, n) => acc * 60 + n, 0);
}
