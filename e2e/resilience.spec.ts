import { expect, test, users } from "./fixtures";

const sts = "http://127.0.0.1:9401/";

test("an identity provider that is down gives a clear error and sign-in can be retried", async ({ consolePage, page }) => {
  await page.route("http://127.0.0.1:9400/**", (route) => route.abort("connectionrefused"));
  await consolePage.signInButton.click();
  const alert = page.getByRole("alert");
  await expect(alert).toContainText("Sign-in did not complete");
  await expect(alert).toContainText("Could not reach Local OpenID provider at http://127.0.0.1:9400 (");

  await page.unroute("http://127.0.0.1:9400/**");
  await consolePage.signIn(users.alice.username, users.alice.password);
  await expect(consolePage.credentialsTimer).toBeVisible();
});

test("an HTML page from a proxy instead of STS XML is explained, and a retry works", async ({ consolePage, page }) => {
  await page.route(sts, (route) =>
    route.request().method() === "POST"
      ? route.fulfill({ status: 502, contentType: "text/html", headers: { "access-control-allow-origin": "*" }, body: "<html><body><h1>502 Bad Gateway</h1></body></html>" })
      : route.fallback(),
  );
  await consolePage.signIn(users.alice.username, users.alice.password);
  const alert = consolePage.exchangeResult.getByRole("alert");
  await expect(alert.getByRole("heading", { name: "STS's answer could not be read" })).toBeVisible();
  await expect(alert).toContainText("unexpected-response");
  await expect(alert).toContainText(/HTML/);
  await expect(consolePage.credentialsTimer).toHaveCount(0);

  await page.unroute(sts);
  await consolePage.getCredentialsButton.click();
  await expect(consolePage.credentialsTimer).toBeVisible();
  await expect(alert).toHaveCount(0);
});

test("STS unreachable (network or CORS) says so and keeps the signed-in session", async ({ consolePage, page }) => {
  await page.route(sts, (route) => route.abort("connectionrefused"));
  await consolePage.signIn(users.bob.username, users.bob.password);
  const alert = consolePage.exchangeResult.getByRole("alert");
  await expect(alert).toContainText("cors-or-network", { timeout: 15_000 });
  await expect(alert.getByRole("heading", { name: "Could not reach STS" })).toBeVisible();
  await expect(alert).toContainText(/CORS/);
  await expect(consolePage.signOutButton).toBeVisible();
});
