// The session across a reload and Back, a real sign-out (the provider's session ends, refresh tokens are revoked), and
// signing in as someone else while the provider remembers the last user.
import type { Page } from "@playwright/test";
import { clientId, expect, idp, serveConfig, test, users } from "./fixtures";
import { ConsolePage } from "./pages/ConsolePage";

/** Notes whether the provider ever served its login form to this page. */
function watchLoginForm(page: Page): () => boolean {
  let shown = false;
  page.on("response", async (r) => {
    if (!r.url().startsWith(idp) || r.request().resourceType() !== "document") return;
    const html = await r.text().catch(() => "");
    if (html.includes('id="login-form"')) shown = true;
  });
  return () => shown;
}

test("a reload restores the session silently as the same user with new credentials; Back returns to a signed-in console", async ({ consolePage: app, page }) => {
  await app.signIn(users.alice.username, users.alice.password);
  await expect(app.credentialsTimer).toBeVisible();
  await expect(app.sessionHeading).toBeFocused();
  const firstKey = await app.field(app.credentials, "Access key id").innerText();
  await app.expectWhoAmI(users.alice.username);

  // The one thing kept across a reload: a non-secret hint in history.state.
  expect(await page.evaluate(() => history.state as unknown)).toEqual({
    wicResume: {
      providerId: "local",
      exchange: { roleArn: "arn:aws:iam::123456789012:role/WebIdentityConsoleUser", sessionName: expect.any(String), durationSeconds: 3600 },
    },
  });

  await page.reload();
  await expect(app.session.getByText(/^Session restored: the provider signed you in again silently after the reload/)).toBeVisible();
  await app.expectSignedInAs(users.alice.username);
  await expect(app.sessionHeading).toBeFocused();
  await expect(app.exchangeView("session restored after reload")).toBeVisible();
  await expect(app.field(app.exchangeResult, "Subject")).toHaveText(users.alice.username);
  await expect(app.field(app.credentials, "Access key id")).toHaveText(/^ASIA[A-Z2-7]{16}$/);
  await expect(app.field(app.credentials, "Access key id")).not.toHaveText(firstKey);
  await expect(app.credentialsTimer).toHaveText(/^(59:\d\d|1:00:00)$/);
  await app.expectWhoAmI(users.alice.username);

  // Back from another site: either the page comes back as it was (back/forward cache) or it restores itself.
  await page.goto(`${idp}/`);
  await expect(page).toHaveURL(`${idp}/`);
  await page.goBack();
  await expect(page).toHaveURL("http://127.0.0.1:5173/");
  await app.expectSignedInAs(users.alice.username);
  await expect(app.credentialsTimer).toHaveText(/^(59:\d\d|1:00:00)$/);
  await app.expectWhoAmI(users.alice.username);
});

test("sign-out ends the provider's session: the next Sign in shows its login form", async ({ consolePage: app, page }) => {
  await app.signIn(users.alice.username, users.alice.password);
  await app.signOut();
  await expect(page).toHaveURL("http://127.0.0.1:5173/");
  await expect(app.credentialsTimer).toHaveCount(0);

  await app.signInButton.click();
  await expect(page.getByLabel("Username")).toBeVisible();
  await app.fillProviderLogin(users.alice.username, users.alice.password);
  await app.expectSignedInAs(users.alice.username);
  await expect(app.credentialsTimer).toBeVisible();
});

test("with refresh tokens on, sign-in gets one and sign-out revokes it: the provider then answers invalid_grant", async ({ page, request, secrets }) => {
  await serveConfig(page, { refreshTokens: true });
  const authorize: URL[] = [];
  const revocations: number[] = [];
  page.on("request", (r) => {
    if (r.url().startsWith(`${idp}/auth?`)) authorize.push(new URL(r.url()));
  });
  page.on("response", (r) => {
    if (r.url() === `${idp}/token/revocation`) revocations.push(r.status());
  });
  const app = new ConsolePage(page);
  await app.goto();
  await app.signIn(users.alice.username, users.alice.password);
  await expect(app.field(app.providerToken, "Refresh token")).toHaveText("granted (in memory; revoked on sign-out)");
  await expect(app.credentialsTimer).toBeVisible();
  expect(authorize[0]?.searchParams.get("scope")?.split(" ")).toContain("offline_access");
  expect(authorize[0]?.searchParams.get("prompt")?.split(" ")).toContain("consent");
  await secrets.settled();
  expect(secrets.refreshTokens).toHaveLength(1);
  const refreshToken = secrets.refreshTokens[0] ?? "";
  expect(refreshToken.length).toBeGreaterThan(20);

  await app.signOut();
  expect(revocations).toEqual([200]);

  const answer = await request.post(`${idp}/token`, { form: { grant_type: "refresh_token", client_id: clientId, refresh_token: refreshToken } });
  expect(answer.status()).toBe(400);
  expect(((await answer.json()) as { error?: string }).error).toBe("invalid_grant");
});

test("Sign in as someone else while the provider remembers alice: its login form, then bob", async ({ consolePage: app, context }) => {
  await app.signIn(users.alice.username, users.alice.password);

  // Control: in another tab a plain Sign in goes straight through as alice — the provider has her session.
  const second = await context.newPage();
  const loginFormInSecond = watchLoginForm(second);
  const tab2 = new ConsolePage(second);
  await tab2.goto();
  await expect(tab2.signInHeading).toBeVisible();
  await tab2.signInButton.click();
  await tab2.expectSignedInAs(users.alice.username);
  expect(loginFormInSecond()).toBe(false);

  const third = await context.newPage();
  const tab3 = new ConsolePage(third);
  await tab3.goto();
  await tab3.someoneElseCheckbox.check();
  await tab3.signInButton.click();
  await expect(third.getByLabel("Username")).toBeVisible();
  await tab3.fillProviderLogin(users.bob.username, users.bob.password);
  await tab3.expectSignedInAs(users.bob.username);
  await expect(tab3.field(tab3.exchangeResult, "Subject")).toHaveText(users.bob.username);
  await tab3.expectWhoAmI(users.bob.username);
});
