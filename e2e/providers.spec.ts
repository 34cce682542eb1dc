// Each built-in provider end to end through its local persona: its button, its login form, its token to STS (an ID
// token for Google; an opaque access token with ProviderId for Amazon and Facebook), and what STS answers for it.
import { expect, personas, test, users } from "./fixtures";

const account = "123456789012";
const googleClientId = "918273645012-webidentityconsole.apps.googleusercontent.com";

test("Sign in with Google: an ID token with azp; STS answers Provider accounts.google.com and Audience = the client id", async ({ consolePage: app, page }) => {
  await app.signInWith("Google").click();
  await expect(page).toHaveURL(new RegExp(`^${personas.google.origin}/`));
  await app.fillProviderLogin(users.alice.username, users.alice.password);
  await app.expectSignedInAs("alice@example.test", "Google");

  const token = app.providerToken;
  await expect(app.field(token, "Subject \\(sub\\)")).toHaveText(personas.google.aliceSubject);
  await expect(app.field(token, "Authorized party \\(azp\\)")).toHaveText(googleClientId);
  await expect(app.field(token, "Audience \\(aud\\)")).toHaveText(googleClientId);

  const exchange = app.exchangeResult;
  await expect(app.field(exchange, "Provider")).toHaveText("accounts.google.com");
  await expect(app.field(exchange, "Audience")).toHaveText(googleClientId);
  await expect(app.field(exchange, "Subject")).toHaveText(personas.google.aliceSubject);
  await expect(app.field(exchange, "Assumed role ARN")).toHaveText(`arn:aws:sts::${account}:assumed-role/GoogleUser/alice@example.test`);
  // Only the roles offered to Google users.
  await expect(app.roleSelect.getByRole("option")).toHaveText([/^Google users/, /^Any social sign-in/]);

  await app.whoAmIButton.click();
  await expect(app.field(app.callerIdentity, "Arn")).toHaveText(`arn:aws:sts::${account}:assumed-role/GoogleUser/alice@example.test`);
});

// Audience: Amazon's client id (token-info `aud`), Facebook's app id.
for (const [name, providerId, audience] of [
  ["amazon", "www.amazon.com", "amzn1.application-oa2-client.5e1f0c0ffee04c7d9b1a2c3d4e5f6a7b"],
  ["facebook", "graph.facebook.com", "1234567890123456"],
] as const) {
  const persona = personas[name];
  test(`Sign in with ${persona.label}: an opaque access token sent with ProviderId ${providerId}, checked by STS calling the provider`, async ({ consolePage: app, page }) => {
    await app.signInWith(persona.label).click();
    await expect(page).toHaveURL(new RegExp(`^${persona.origin}/`));
    await app.fillProviderLogin(users.bob.username, users.bob.password);
    await app.expectSignedInAs("bob@example.test", persona.label);

    // Nothing to decode: the page says so, and shows who the provider's profile endpoint says this is.
    const token = app.providerToken;
    await expect(token.getByText(/opaque access token/)).toBeVisible();
    await expect(app.field(token, "ProviderId sent to STS")).toHaveText(providerId);
    await expect(app.field(token, "Name")).toHaveText("Bob Example");
    await expect(app.field(token, "User id")).toHaveText(/\S/);
    await expect(token.getByRole("heading", { name: /ID token/ })).toHaveCount(0);

    const exchange = app.exchangeResult;
    await expect(app.field(exchange, "Provider")).toHaveText(providerId);
    await expect(app.field(exchange, "Audience")).toHaveText(audience);
    const subject = await app.field(token, "User id").innerText();
    await expect(app.field(exchange, "Subject")).toHaveText(subject);
    await expect(app.field(exchange, "Assumed role ARN")).toHaveText(`arn:aws:sts::${account}:assumed-role/${persona.role}/bob@example.test`);
    // The request carried ProviderId; the token in the raw view is masked.
    const view = app.exchangeView("after sign-in");
    await view.getByText("Request", { exact: true }).click();
    const request = await view.getByLabel("Request", { exact: true }).innerText();
    expect(request).toContain(`ProviderId=${providerId}`);
    expect(request).not.toMatch(/WebIdentityToken=(Atza%7C|EAA)[A-Za-z0-9_-]{30,}/);

    await app.whoAmIButton.click();
    await expect(app.field(app.callerIdentity, "Arn")).toHaveText(`arn:aws:sts::${account}:assumed-role/${persona.role}/bob@example.test`);
  });
}

test("one role trusts all three: an Amazon user assumes SocialUser", async ({ consolePage: app }) => {
  await app.signInWithProvider("Amazon", users.alice.username, users.alice.password);
  await app.expectSignedInAs("alice@example.test", "Amazon");
  await app.roleSelect.selectOption({ label: "Any social sign-in (one role trusting Google, Amazon and Facebook)" });
  await app.getCredentialsButton.click();
  await expect(app.field(app.exchangeResult, "Assumed role ARN")).toHaveText(`arn:aws:sts::${account}:assumed-role/SocialUser/alice@example.test`);
  await expect(app.field(app.exchangeResult, "Subject")).toHaveText(personas.amazon.aliceSubject);
});

test("Sign out of Google: no end-session endpoint, so the app forgets the tokens and says Google may still remember you", async ({ consolePage: app, page }) => {
  await app.signInWithProvider("Google", users.alice.username, users.alice.password);
  await app.expectSignedInAs("alice@example.test", "Google");
  const visits: string[] = [];
  page.on("request", (r) => {
    if (r.isNavigationRequest() && r.url().startsWith(personas.google.origin)) visits.push(r.url());
  });
  await app.signOutButton.click();
  // No trip to the provider: the signed-out screen comes at once, and says what could not be done.
  await expect(app.signedOutHeading).toBeVisible();
  expect(visits).toEqual([]);
  await expect(page.getByText(/^Google offers apps no way to end its session \(no end_session_endpoint\), so it may still remember you/)).toBeVisible();
  await expect(app.signInWith("Google")).toBeFocused();
  // And it does remember her: the next sign-in goes straight through without its login form.
  await app.signInWith("Google").click();
  await app.expectSignedInAs("alice@example.test", "Google");
});
