// The inspector and the credential copies: copies are the real values (never a shortened text), the canonical request
// shown hashes to the string to sign, a failed call is what the inspector shows, and "Copy as curl" runs.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { promisify } from "node:util";
import { expect, sts, test, users } from "./fixtures";

const run = promisify(execFile);

test.beforeEach(async ({ context }) => {
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
});

test("copied environment variables and profile hold the real credentials; Copy as curl signs again and works", async ({ consolePage: app, page }) => {
  await app.signIn(users.alice.username, users.alice.password);
  const creds = app.credentials;
  // Copying the secret needs an explicit reveal first.
  await expect(creds.getByRole("button", { name: "Copy secret access key" })).toHaveAttribute("aria-disabled", "true");
  await creds.getByRole("button", { name: "Reveal secret access key" }).click();
  await creds.getByRole("button", { name: "Show full session token" }).click();
  const key = await app.field(creds, "Access key id").innerText();
  const secret = await app.field(creds, "Secret access key").innerText();
  const token = await app.field(creds, "Session token").innerText();
  expect(token).not.toContain("…");
  const clipboard = () => page.evaluate(() => navigator.clipboard.readText());

  await creds.getByRole("button", { name: "Copy session token" }).click();
  expect(await clipboard()).toBe(token);

  await creds.getByRole("button", { name: "Copy as environment variables (bash)" }).click();
  const env = await run("bash", ["-c", `${await clipboard()}\nprintf '%s\\n' "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" "$AWS_SESSION_TOKEN" "$AWS_REGION"`]);
  expect(env.stdout.split("\n").slice(0, 4)).toEqual([key, secret, token, "us-east-1"]);

  await creds.getByRole("button", { name: "Copy as an AWS credentials profile" }).click();
  const profile = await clipboard();
  expect(profile).toContain(`[web-identity-console]\naws_access_key_id = ${key}\naws_secret_access_key = ${secret}\naws_session_token = ${token}\n`);

  await app.expectWhoAmI(users.alice.username);
  await app.callerIdentity.getByRole("button", { name: "Copy as curl" }).click();
  const curl = await run("bash", ["-c", await clipboard()]);
  expect(curl.stdout).toContain("<GetCallerIdentityResponse");
  expect(curl.stdout).toContain("<Arn>arn:aws:sts::123456789012:assumed-role/WebIdentityConsoleUser/alice</Arn>");
});

test("the canonical request shown (secrets shown) hashes to the value in the string to sign; shortened views cannot be copied", async ({ consolePage: app }) => {
  await app.signIn(users.alice.username, users.alice.password);
  await app.expectWhoAmI(users.alice.username);
  const view = app.callerIdentity.getByRole("group", { name: "GetCallerIdentity exchange", exact: true });
  await view.getByText("Canonical request", { exact: true }).click();
  await view.getByText("String to sign", { exact: true }).click();
  // While the session token is shortened, the copy button refuses and says why.
  await expect(view.getByRole("button", { name: "Copy canonical request" })).toHaveAttribute("aria-disabled", "true");
  await expect(view.getByLabel("Canonical request", { exact: true })).toContainText("…[shortened]…");

  await view.getByRole("button", { name: "Show secrets" }).click();
  const canonical = await view.getByLabel("Canonical request", { exact: true }).innerText();
  const toSign = await view.getByLabel("String to sign", { exact: true }).innerText();
  expect(canonical).not.toContain("…");
  expect(toSign.trim().split("\n").at(-1)).toBe(createHash("sha256").update(canonical).digest("hex"));
  await expect(view.getByRole("button", { name: "Copy canonical request" })).not.toHaveAttribute("aria-disabled", "true");
  // The form body, decoded.
  await expect(view.getByRole("term").filter({ hasText: /^Action$/ }).locator("xpath=following-sibling::dd[1]")).toHaveText("GetCallerIdentity");
});

test("a failed call is what the inspector shows; the earlier answer is marked as previous", async ({ consolePage: app, page }) => {
  await app.signIn(users.alice.username, users.alice.password);
  await app.expectWhoAmI(users.alice.username);
  await page.route(`${sts}/**`, (route) => (route.request().postData()?.includes("GetCallerIdentity") ? route.fulfill({ status: 503, contentType: "text/html", body: "<html><body>Service Unavailable</body></html>" }) : route.fallback()));
  await app.whoAmIButton.click();
  await expect(app.callerIdentity.getByRole("heading", { name: "GetCallerIdentity failed" })).toBeVisible();
  const failed = app.callerIdentity.getByRole("group", { name: "GetCallerIdentity exchange (failed)" });
  await expect(failed.getByText(/HTTP 503/).first()).toBeVisible();
  await expect(app.callerIdentity.getByText("The previous answer, from before the failed call:")).toBeVisible();
  await expect(app.callerIdentity.getByRole("group", { name: "GetCallerIdentity exchange", exact: true })).toHaveCount(0);
});
