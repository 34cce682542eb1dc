// A provider that goes away or revokes the token, while the app holds an opaque access token that STS checks by
// calling the provider. These tests drive the shared local stack's persona controls, so they run in the
// `stack-controls` project (alone, after the others; the `stack` fixture resets the controls around each test).
import { expect, personas, stackTest as test, users } from "./fixtures";

test.describe.configure({ mode: "serial" });

test("Amazon goes offline: IDPCommunicationError is retried (every attempt in the inspector), explained, and the next try works", async ({ consolePage: app, stack }) => {
  await app.signInWithProvider("Amazon", users.alice.username, users.alice.password);
  await expect(app.field(app.exchangeResult, "Provider")).toHaveText("www.amazon.com");

  await stack.setPersona("amazon", "offline");
  await app.getNewCredentialsButton.click();
  const alert = app.exchangeResult.getByRole("alert");
  await expect(alert).toContainText("IDPCommunicationError");
  await expect(alert).toContainText(/could not reach the identity provider to check the token\. The app tried 3 times/);
  const failed = app.exchangeView("Get new credentials");
  await expect(failed.getByText(/^Attempt 3: the client retried after IDPCommunicationError \(waited \d+ ms\), then after IDPCommunicationError \(waited \d+ ms\)\.$/)).toBeVisible();
  // The credentials from before still stand.
  await expect(app.credentialsTimer).toBeVisible();

  await stack.setPersona("amazon", "up");
  await app.getNewCredentialsButton.click();
  await expect(alert).toHaveCount(0);
  await expect(app.field(app.exchangeResult, "Subject")).toHaveText(personas.amazon.aliceSubject);
});

test("Facebook answers an HTML page: IDPCommunicationError, explained, the app stays usable", async ({ consolePage: app, stack }) => {
  await app.signInWithProvider("Facebook", users.alice.username, users.alice.password);
  await expect(app.field(app.exchangeResult, "Provider")).toHaveText("graph.facebook.com");
  await stack.setPersona("facebook", "garbage");
  await app.getNewCredentialsButton.click();
  await expect(app.exchangeResult.getByRole("alert")).toContainText("IDPCommunicationError");
  await app.whoAmIButton.click();
  await expect(app.field(app.callerIdentity, "Arn")).toHaveText(/assumed-role\/FacebookUser\/alice@example\.test$/);
});

test("Facebook revokes the token: IDPRejectedClaim is explained, and Get new credentials signs in again for a working token", async ({ consolePage: app, stack }) => {
  await app.signInWithProvider("Facebook", users.bob.username, users.bob.password);
  await expect(app.field(app.exchangeResult, "Provider")).toHaveText("graph.facebook.com");

  await stack.revoke("facebook", users.bob.username);
  await app.getCredentialsButton.click();
  const alert = app.exchangeResult.getByRole("alert");
  await expect(alert).toContainText("IDPRejectedClaim");
  await expect(alert).toContainText(/no longer valid: it expired, was revoked .* Sign in again/);
  // Not retried: the provider answered, and its answer will not change.
  await expect(app.exchangeView("requested").getByText(/^Attempt \d/)).toHaveCount(0);
  // The credentials from before keep working until they expire.
  await app.whoAmIButton.click();
  await expect(app.field(app.callerIdentity, "Arn")).toHaveText(/assumed-role\/FacebookUser\/bob@example\.test$/);

  // Facebook has no silent renewal, so Get new credentials goes through its page; it still remembers bob: straight back.
  await app.getNewCredentialsButton.click();
  await app.expectSignedInAs("bob@example.test", "Facebook");
  await expect(app.field(app.exchangeResult, "Assumed role ARN")).toHaveText(/assumed-role\/FacebookUser\/bob@example\.test$/);
  await expect(app.exchangeResult.getByRole("alert")).toHaveCount(0);
});
