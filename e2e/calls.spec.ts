// The console's "More STS calls": the rest of STS's API with the web-identity session's credentials, against the local
// STS — AWS's answers (refusals included) explained, role chaining and its 1-hour limit, a refusal's encoded
// authorization message decoded, and AssumeRoleWithSAML with an assertion from the local SAML IdP.
import { expect, test, users } from "./fixtures";

test("GetAccessKeyInfo names the key's account; GetSessionToken and GetFederationToken are refused for session credentials", async ({ consolePage: app, page }) => {
  await expect(page).toHaveTitle("Web Identity Console");
  await app.signIn(users.alice.username, users.alice.password);
  // The tab names who is signed in.
  await expect(page).toHaveTitle("alice (Local OpenID provider) – Web Identity Console");
  const more = page.getByRole("region", { name: "5. More STS calls" });
  const keyInfo = more.getByRole("region", { name: "GetAccessKeyInfo" });
  await keyInfo.getByRole("button", { name: "Call GetAccessKeyInfo" }).click();
  await expect(app.field(keyInfo, "Account")).toHaveText("123456789012");
  // Asked for this session's own key, named in the card.
  await expect(keyInfo.getByRole("code")).toHaveText(await app.field(app.credentials, "Access key id").innerText());

  for (const operation of ["GetSessionToken", "GetFederationToken"]) {
    const card = more.getByRole("region", { name: operation });
    const button = card.getByRole("button", { name: `Call ${operation}` });
    await button.click();
    const refusal = card.getByRole("alert");
    await expect(refusal.getByRole("heading", { name: `${operation} failed` })).toBeVisible();
    await expect(app.field(refusal, "Code")).toHaveText("AccessDenied");
    await expect(app.field(refusal, "AWS message")).toHaveText(`Cannot call ${operation} with session credentials`);
    await expect(refusal).toContainText("AWS does not allow this call with temporary (session) credentials");
    await expect(button).toBeFocused();
    // The refused round trip can be inspected; the session's secret key never shows in it.
    await card.getByText(`Inspect the ${operation} exchange (failed)`).click();
    await expect(card.getByRole("group", { name: `${operation} exchange` }).getByLabel("Response", { exact: true })).toBeAttached();
  }
});

test("role chaining: AssumeRole into ChainedReader, 7200 s refused by the 1-hour limit, DeployRole refused with a trace whose message decodes", async ({ consolePage: app, page }) => {
  await app.signIn(users.alice.username, users.alice.password);
  const chain = page.getByRole("region", { name: "AssumeRole (role chaining)" });
  const call = chain.getByRole("button", { name: "Call AssumeRole" });
  await chain.getByRole("button", { name: /^Use Chained reader/ }).click();
  await expect(chain.getByLabel("Role ARN")).toHaveValue("arn:aws:iam::123456789012:role/demo/ChainedReader");
  await call.click();
  await expect(app.field(chain, "Assumed role ARN")).toHaveText("arn:aws:sts::123456789012:assumed-role/ChainedReader/chained");
  await expect(app.field(chain, "Access key id")).toHaveText(/^ASIA/);
  await expect(chain.getByRole("group", { name: "Use these credentials" })).toBeVisible();

  await chain.getByLabel("Duration (seconds)").fill("7200");
  await call.click();
  const limit = chain.getByRole("alert");
  await expect(app.field(limit, "AWS message")).toHaveText("The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.");
  await expect(limit).toContainText("Role chaining — assuming a role with another role session's credentials — limits the new session to 1 hour");

  await chain.getByLabel("Duration (seconds)").fill("3600");
  await chain.getByRole("button", { name: /^Use Deploy role/ }).click();
  await call.click();
  const denied = chain.getByRole("alert");
  await expect(app.field(denied, "AWS message")).toHaveText(
    "User: arn:aws:sts::123456789012:assumed-role/WebIdentityConsoleUser/alice is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123456789012:role/demo/DeployRole",
  );
  const why = chain.getByRole("heading", { name: "Why (the local stack's policy trace)" });
  await expect(why).toBeVisible();
  await expect(chain.getByText(/^No statement allows sts:AssumeRole on arn:aws:iam::123456789012:role\/demo\/DeployRole/)).toBeVisible();

  await chain.getByRole("button", { name: "Decode its authorization message" }).click();
  const decode = page.getByRole("region", { name: "DecodeAuthorizationMessage" });
  const field = decode.getByLabel("Encoded message");
  await expect(field).toBeFocused();
  await expect(field).not.toHaveValue("");
  await decode.getByRole("button", { name: "Call DecodeAuthorizationMessage" }).click();
  const decoded = decode.getByLabel("Decoded message", { exact: true });
  await expect(decoded).toContainText('"allowed": false');
  await expect(decoded).toContainText("arn:aws:iam::123456789012:role/demo/DeployRole");
});

test("AssumeRoleWithSAML with an assertion from the local SAML IdP: what it says, then the session STS computes", async ({ consolePage: app, page }) => {
  await app.signIn(users.alice.username, users.alice.password);
  const saml = page.getByRole("region", { name: "AssumeRoleWithSAML" });
  const [popup] = await Promise.all([page.waitForEvent("popup"), saml.getByRole("button", { name: "Get an assertion from Local SAML IdP" }).click()]);
  await popup.getByLabel("Username").fill(users.bob.username);
  await popup.getByLabel("Password").fill(users.bob.password);
  await popup.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(saml.getByRole("status").filter({ hasText: "Local SAML IdP handed over a SAML response." })).toBeVisible();
  await expect(app.field(saml, "Audience")).toHaveText("https://signin.aws.amazon.com/saml");
  await expect(app.field(saml, "Role session name")).toHaveText("bob");
  await expect(saml.getByLabel("Role (from the assertion's Role attribute)")).toContainText("arn:aws:iam::123456789012:role/SamlUser via arn:aws:iam::123456789012:saml-provider/LocalSAML");

  await saml.getByRole("button", { name: "Call AssumeRoleWithSAML" }).click();
  const session = saml.getByLabel("AssumeRoleWithSAML result");
  await expect(app.field(session, "Assumed role ARN")).toHaveText("arn:aws:sts::123456789012:assumed-role/SamlUser/bob");
  await expect(app.field(session, "Subject type")).toHaveText("persistent");
  await expect(app.field(session, "Issuer")).toHaveText("http://127.0.0.1:9406/saml/metadata");
  await expect(app.field(session, "Name qualifier")).toHaveText(/^[A-Za-z0-9+/]{27}=$/);

  // The assertion is a credential while valid: the inspector shows it shortened until "Show secrets".
  const assertion = await saml.getByLabel("SAMLResponse (base64, as the identity provider posts it)").inputValue();
  await saml.getByText("Inspect the AssumeRoleWithSAML exchange").click();
  const request = saml.getByRole("group", { name: "AssumeRoleWithSAML exchange" }).getByLabel("Request", { exact: true });
  await saml.getByRole("group", { name: "AssumeRoleWithSAML exchange" }).getByText("Request", { exact: true }).click();
  await expect(request).not.toContainText(encodeURIComponent(assertion));

  // A replay of the same assertion is refused by STS.
  await saml.getByRole("button", { name: "Call AssumeRoleWithSAML" }).click();
  const replay = saml.getByRole("alert");
  await expect(app.field(replay, "Code")).toHaveText("InvalidIdentityToken");
  await expect(app.field(replay, "AWS message")).toContainText("already been used");
  await expect(replay).toContainText("An assertion can be used once, and only until it expires");
});
