// When the provider will not renew the sign-in silently, or STS says the ID token has expired. These tests move the
// shared local stack's clock and switch its silent renewal off (the /__local/ test controls), so they belong to the
// `stack-controls` project: it starts after every other test has finished and runs its tests one at a time, and the
// `stack` fixture resets the controls before and after each test.
import { expect, idp, isStsCall, serveConfig, stackTest as test, users } from "./fixtures";
import type { Page, Request } from "@playwright/test";
import { ConsolePage } from "./pages/ConsolePage";

test.describe.configure({ mode: "serial" });

const expiredAt = /^expired at \d\d:\d\d:\d\d$/;
const fullHour = /^(59:\d\d|1:00:00)$/;
/** Seconds past a freshly issued ID token's exp + IAM's 300 s grace (the local provider's ID tokens live 3600 s). */
const PAST_ID_TOKEN_GRACE = 3600 + 300 + 60;

/** Sign alice in and wait for her first hour of credentials; returns the page object and the first access key id. */
async function aliceSignedIn(page: Page): Promise<{ app: ConsolePage; firstKey: string }> {
  const app = new ConsolePage(page);
  await app.goto();
  await app.signIn(users.alice.username, users.alice.password);
  await expect(app.credentialsTimer).toHaveText(fullHour);
  return { app, firstKey: await app.field(app.credentials, "Access key id").innerText() };
}

/** The next authorization request that may show the provider's login page (not a prompt=none renewal). */
function interactiveSignInRequest(page: Page): Promise<Request> {
  return page.waitForRequest((r) => r.url().startsWith(`${idp}/auth?`) && new URL(r.url()).searchParams.get("prompt") !== "none");
}

test("silent renewal refused and the ID token too old to reuse: Sign in again, old credentials work until they expire, then Get new credentials signs in again", async ({ page, stack }) => {
  await page.clock.install();
  const { app, firstKey } = await aliceSignedIn(page);
  const left = await app.credentialsSecondsLeft();
  await stack.refuseSilentRenewal(users.alice.username);

  // How the ID token gets too old to reuse: the provider's ID token lives 3600 s and the credentials 3600 s, issued a
  // moment after it; the refresh comes 360 s (10 %) before the credentials expire, when the token has less than that
  // margin left, so the app must renew it rather than reuse it. To get there without waiting an hour, the whole world
  // moves forward by the same amount: the browser (page.clock) and the stack (IdP and STS clock), so the app's view of
  // AWS time, the ID token's exp and STS's checks all agree — only time has passed. 5 s past the refresh point:
  const jump = left - 355;
  await stack.setClock(jump);
  await page.clock.fastForward(jump * 1000);

  await expect(app.signInAgainBanner).toContainText(/Sign in again to keep working — credentials valid for \d+:\d\d/);
  await expect(app.signInAgainButton).toBeVisible();
  await expect(app.session.getByText("Automatic refresh is paused until you sign in again.")).toBeVisible();
  // The old credentials are kept, and still work.
  await expect(app.field(app.credentials, "Access key id")).toHaveText(firstKey);
  await expect(app.credentialsTimer).not.toHaveText(expiredAt);
  await app.expectWhoAmI(users.alice.username);
  await expect(app.signInAgainBanner).toBeVisible();

  // Until they expire.
  const rest = (await app.credentialsSecondsLeft()) + 5;
  await stack.setClock(jump + rest);
  await page.clock.fastForward(rest * 1000);
  await expect(app.credentialsTimer).toHaveText(expiredAt);
  await expect(app.announcements).toHaveText(/^AWS credentials expired at \d\d:\d\d:\d\d\.$/);
  await expect(app.signInAgainBanner).toContainText("Sign in again to keep working — the credentials have expired.");
  await expect(app.whoAmIButton).toHaveCount(0);
  await expect(app.expiredCallsButton).toBeVisible();

  // The expired action leads through the provider's sign-in (its session is still there, so no form) and back.
  const signInRequest = interactiveSignInRequest(page);
  await app.expiredCallsButton.click();
  await signInRequest;
  await app.expectSignedInAs(users.alice.username);
  await expect(app.exchangeView("after sign-in")).toBeVisible();
  await expect(app.credentialsTimer).toHaveText(fullHour);
  await expect(app.field(app.credentials, "Access key id")).not.toHaveText(firstKey);
  await expect(app.signInAgainBanner).toHaveCount(0);
  await app.expectWhoAmI(users.alice.username);
});

test("an ID token expired at STS (stack clock past exp + 300 s): Get new credentials renews it silently — ExpiredTokenException, then credentials", async ({ page, stack }) => {
  const { app, firstKey } = await aliceSignedIn(page);

  // Only the stack moves: by the browser's clock the ID token still has an hour, so the app reuses it, and STS —
  // past exp + IAM's 300 s grace — refuses it.
  await stack.setClock(PAST_ID_TOKEN_GRACE);
  await app.getNewCredentialsButton.click();

  await expect(app.exchangeView("Get new credentials")).toBeVisible();
  await expect(app.field(app.credentials, "Access key id")).not.toHaveText(firstKey);
  await expect(app.field(app.credentials, "Obtained")).toHaveText("Get new credentials");
  await expect(app.providerToken.getByText(/^Renewed silently \(prompt=none in a hidden frame\)/)).toBeVisible();
  expect(await app.rawResponse(app.exchangeView("Get new credentials"))).toMatch(/^HTTP 200[\s\S]*<AssumeRoleWithWebIdentityResponse/);

  // The inspector keeps the refused exchange: STS's ExpiredTokenException, before the success.
  await app.earlierExchanges(2).click();
  const refused = app.earlierExchange("Exchange 2 (Get new credentials, failed)");
  expect(await app.rawResponse(refused)).toMatch(/^HTTP 400[\s\S]*<Code>ExpiredTokenException<\/Code>/);
  await expect(app.earlierExchange("Exchange 1 (after sign-in)")).toBeVisible();

  await expect(app.credentialsTimer).toHaveText(fullHour);
  await expect(app.signInAgainBanner).toHaveCount(0);
  await app.expectWhoAmI(users.alice.username);
});

test("an ID token expired at STS and silent renewal refused: Get new credentials goes through sign-in and back to credentials", async ({ page, stack }) => {
  const { app, firstKey } = await aliceSignedIn(page);

  await stack.setClock(PAST_ID_TOKEN_GRACE);
  await stack.refuseSilentRenewal(users.alice.username);
  const signInRequest = interactiveSignInRequest(page);
  await app.getNewCredentialsButton.click();
  await signInRequest;

  await app.expectSignedInAs(users.alice.username);
  await expect(app.exchangeView("after sign-in")).toBeVisible();
  await expect(app.credentialsTimer).toHaveText(fullHour);
  await expect(app.field(app.credentials, "Access key id")).not.toHaveText(firstKey);
  await app.expectWhoAmI(users.alice.username);
});

test("a signed call answered ExpiredToken refreshes once and retries once: Who am I? still answers", async ({ page, stack }) => {
  const { app, firstKey } = await aliceSignedIn(page);
  const calls: { action: string; status: number; code: string }[] = [];
  page.on("response", async (response) => {
    if (!isStsCall(response, "GetCallerIdentity") && !isStsCall(response, "AssumeRoleWithWebIdentity")) return;
    const body = await response.text().catch(() => "");
    calls.push({ action: isStsCall(response, "GetCallerIdentity") ? "GetCallerIdentity" : "AssumeRoleWithWebIdentity", status: response.status(), code: /<Code>([^<]+)<\/Code>/.exec(body)?.[1] ?? "" });
  });

  // Two hours pass at the stack only: the credentials (1 h) and the ID token (1 h + 300 s grace) are expired for
  // STS, while the browser's clock — and so the app — has not noticed yet. "Who am I?" is the first to find out.
  await stack.setClock(7200);
  await app.whoAmIButton.click();
  await expect(app.field(app.callerIdentity, "Arn")).toHaveText(new RegExp(`assumed-role/WebIdentityConsoleUser/${users.alice.username}$`));
  await expect(app.field(app.credentials, "Access key id")).not.toHaveText(firstKey);
  await expect(app.field(app.credentials, "Obtained")).toHaveText("refresh after an ExpiredToken answer");
  await expect(app.credentialsTimer).toHaveText(fullHour);
  await expect(app.session.getByText("Your clock is 2 h behind AWS; signatures use AWS time.")).toBeVisible();

  // The wire, in order: the call signed by this device's clock is refused for skew and re-signed by AWS time; that
  // answer is ExpiredToken; one refresh (STS refuses the old ID token, the app renews it silently, STS issues new
  // credentials); one retry of the call. Nothing more.
  expect(calls).toEqual([
    { action: "GetCallerIdentity", status: 403, code: "SignatureDoesNotMatch" },
    { action: "GetCallerIdentity", status: 403, code: "ExpiredToken" },
    { action: "AssumeRoleWithWebIdentity", status: 400, code: "ExpiredTokenException" },
    { action: "AssumeRoleWithWebIdentity", status: 200, code: "" },
    { action: "GetCallerIdentity", status: 200, code: "" },
  ]);
});

test("with refresh tokens on, an ID token expired at STS is renewed with the refresh token (no frame), then credentials", async ({ page, stack }) => {
  await serveConfig(page, { refreshTokens: true });
  const { app } = await aliceSignedIn(page);
  await expect(app.field(app.providerToken, "Refresh token")).toHaveText("granted (in memory; revoked on sign-out)");
  const grants: string[] = [];
  page.on("request", (r) => {
    if (r.method() === "POST" && r.url() === `${idp}/token`) grants.push(new URLSearchParams(r.postData() ?? "").get("grant_type") ?? "");
    if (r.url().startsWith(`${idp}/auth?`)) grants.push("authorization request");
  });

  // Only the stack moves past the ID token's exp + 300 s: STS refuses it, and the app renews with the refresh token.
  await stack.setClock(PAST_ID_TOKEN_GRACE);
  await app.getNewCredentialsButton.click();
  await expect(app.exchangeView("Get new credentials")).toBeVisible();
  await expect(app.providerToken.getByText(/^Renewed with the in-memory refresh token/)).toBeVisible();
  await expect(app.field(app.credentials, "Obtained")).toHaveText("Get new credentials");
  expect(grants).toEqual(["refresh_token"]);
  await app.expectWhoAmI(users.alice.username);
});
