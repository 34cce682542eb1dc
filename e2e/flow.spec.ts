// The flow at a glance (issue 9): the step strip from the landing page to a signed call, and on a phone the summary
// card above the fold with the primary actions (each action still exists once for assistive technology).
import { expect, test, users } from "./fixtures";

const STEPS = ["Provider token", "STS exchange", "Credentials", "Signed call"];

test("the step strip: nothing reached on the landing page, then provider, STS and credentials with their durations, then the signed call", async ({ consolePage: app }) => {
  await expect(app.flow.getByRole("listitem")).toHaveText(STEPS.map((name) => `${name} not yet`));
  await expect(app.flowStep("Provider token")).toHaveAttribute("aria-current", "step");
  await expect(app.flow.locator("[aria-current]")).toHaveCount(1);

  await app.signIn(users.alice.username, users.alice.password);
  await expect(app.credentialsTimer).toBeVisible();
  await expect(app.flow.getByRole("listitem")).toHaveText([
    /^Provider token done, \d+ ms$/,
    /^STS exchange done, \d+ ms$/,
    /^Credentials done, \d+ ms \(token \+ STS\)$/,
    "Signed call not yet",
  ]);
  await expect(app.flowStep("Signed call")).toHaveAttribute("aria-current", "step");

  await app.expectWhoAmI(users.alice.username);
  await expect(app.flowStep("Signed call")).toHaveText(/^Signed call done, \d+ ms$/);
  await expect(app.flowStep("Signed call")).toHaveAttribute("aria-current", "step");
  await expect(app.flow.locator("[aria-current]")).toHaveCount(1);

  // Signed out: back to the start.
  await app.signOut();
  await expect(app.flow.getByRole("listitem")).toHaveText(STEPS.map((name) => `${name} not yet`));
});

test("a refused exchange lights the STS step as failed, with its duration", async ({ consolePage: app }) => {
  await app.signIn(users.bob.username, users.bob.password);
  await expect(app.credentialsTimer).toBeVisible();
  await app.roleSelect.selectOption({ label: "Alice only (the trust policy admits alice's subject, not bob's)" });
  await app.getCredentialsButton.click();
  await expect(app.exchangeResult.getByRole("alert")).toContainText("AccessDenied");
  await expect(app.flowStep("STS exchange")).toHaveText(/^STS exchange failed, \d+ ms$/);
  await expect(app.flowStep("STS exchange")).toHaveAttribute("aria-current", "step");
  await expect(app.flowStep("Credentials")).toHaveText(/^Credentials done, \d+ ms/);
});

test.describe("wide screen", () => {
  test.use({ viewport: { width: 1280, height: 800 } });
  test("no summary card: the panels hold the actions", async ({ consolePage: app }) => {
    await app.signIn(users.alice.username, users.alice.password);
    await expect(app.credentialsTimer).toBeVisible();
    await expect(app.summary).toBeHidden();
    await expect(app.callerIdentity.getByRole("button", { name: "Who am I?" })).toBeVisible();
    await expect(app.session.getByRole("button", { name: "Get new credentials", exact: true })).toBeVisible();
  });
});

test.describe("phone, 390×844", () => {
  test.use({ viewport: { width: 390, height: 844 } });
  test("the summary card is above the fold with the user, the role, the time left and the primary actions, each once", async ({ consolePage: app, page }) => {
    await expect(app.flow).toBeVisible();
    await app.signIn(users.alice.username, users.alice.password);
    await expect(app.credentialsTimer).toBeAttached();
    await expect(app.summary).toBeVisible();
    const box = await app.summary.boundingBox();
    expect(box, "the summary card's box").not.toBeNull();
    expect(box?.y ?? Infinity).toBeLessThan(844);
    await expect(app.field(app.summary, "Signed in as")).toHaveText(users.alice.username);
    await expect(app.field(app.summary, "Role")).toHaveText("Web Identity Console user (any signed-in user)");
    await expect(app.field(app.summary, "Credentials")).toHaveText(/^valid for (\d+:)?\d+:\d\d$/);

    // One "Who am I?" and one "Get new credentials" for assistive technology: the card's.
    await expect(app.whoAmIButton).toHaveCount(1);
    await expect(app.getNewCredentialsButton).toHaveCount(1);
    await expect(app.summary.getByRole("button", { name: "Who am I?" })).toBeVisible();
    await expect(app.summary.getByRole("button", { name: "Get new credentials", exact: true })).toBeVisible();
    // Whose answer shows in the Signed calls panel below; focus stays on the card's button; the strip lights up.
    await app.whoAmIButton.focus();
    await page.keyboard.press("Enter");
    await expect(app.field(app.callerIdentity, "Arn")).toHaveText(`arn:aws:sts::123456789012:assumed-role/WebIdentityConsoleUser/${users.alice.username}`);
    await expect(app.whoAmIButton).toBeFocused();
    await expect(app.flowStep("Signed call")).toHaveText(/^Signed call done, \d+ ms$/);
  });
});
