import { expect, test, users } from "./fixtures";
import { parseCountdown } from "./pages/ConsolePage";

const account = "123456789012";

test("alice signs in, gets temporary credentials with a live countdown, and GetCallerIdentity names her session", async ({ consolePage, page }) => {
  await consolePage.signIn(users.alice.username, users.alice.password);

  const exchange = consolePage.exchangeResult;
  await expect(consolePage.field(exchange, "Assumed role ARN")).toHaveText(`arn:aws:sts::${account}:assumed-role/WebIdentityConsoleUser/alice`);
  await expect(consolePage.field(exchange, "Subject")).toHaveText("alice");
  await expect(consolePage.field(exchange, "Provider")).toHaveText(`arn:aws:iam::${account}:oidc-provider/127.0.0.1:9400`);
  await expect(consolePage.field(exchange, "Audience")).toHaveText("web-identity-console");

  const creds = page.getByRole("region", { name: "3. Temporary credentials" });
  await expect(consolePage.field(creds, "Access key id")).toHaveText(/^ASIA[A-Z2-7]{16}$/);
  // Masked: bullets to the eye, "hidden" to a screen reader.
  await expect(consolePage.field(creds, "Secret access key")).toContainText("•".repeat(40));
  await expect(consolePage.field(creds, "Secret access key")).toMatchAriaSnapshot("- definition: hidden");
  await creds.getByRole("button", { name: "Reveal secret access key" }).click();
  await expect(consolePage.field(creds, "Secret access key")).toHaveText(/^[A-Za-z0-9/+]{40}$/);

  const first = parseCountdown(await consolePage.credentialsTimer.innerText());
  expect(first).toBeGreaterThan(3500);
  expect(first).toBeLessThanOrEqual(3600);
  await expect.poll(async () => parseCountdown(await consolePage.credentialsTimer.innerText()), { timeout: 5_000 }).toBeLessThan(first);

  await consolePage.whoAmIButton.click();
  const calls = consolePage.callerIdentity;
  await expect(consolePage.field(calls, "Arn")).toHaveText(`arn:aws:sts::${account}:assumed-role/WebIdentityConsoleUser/alice`);
  await expect(consolePage.field(calls, "Account")).toHaveText(account);
  await expect(consolePage.field(calls, "UserId")).toHaveText(/^AROA[A-Z2-7]{17}:alice$/);
  // The inspector shows the SigV4 steps of the call.
  await calls.getByText("Canonical request", { exact: true }).click();
  await expect(calls.getByLabel("Canonical request", { exact: true })).toContainText("POST\n/\n");
});

test("bob signs in and his session is his own", async ({ consolePage }) => {
  await consolePage.signIn(users.bob.username, users.bob.password);
  await expect(consolePage.field(consolePage.exchangeResult, "Assumed role ARN")).toHaveText(`arn:aws:sts::${account}:assumed-role/WebIdentityConsoleUser/bob`);
  await consolePage.whoAmIButton.click();
  await expect(consolePage.field(consolePage.callerIdentity, "Arn")).toHaveText(`arn:aws:sts::${account}:assumed-role/WebIdentityConsoleUser/bob`);
});

test("bob is refused the alice-only role with a clear error, and the app stays usable", async ({ consolePage, page }) => {
  await consolePage.signIn(users.bob.username, users.bob.password);
  await expect(consolePage.field(consolePage.exchangeResult, "Assumed role ARN")).toHaveText(/WebIdentityConsoleUser\/bob$/);

  await consolePage.roleSelect.selectOption({ label: "Alice only (the trust policy admits alice's subject, not bob's)" });
  await consolePage.getCredentialsButton.click();
  const alert = consolePage.exchangeResult.getByRole("alert");
  await expect(alert).toContainText("AccessDenied");
  await expect(alert).toContainText("Not authorized to perform sts:AssumeRoleWithWebIdentity");
  await expect(alert).toContainText(/trust policy/i);

  // The earlier credentials are still there and still work.
  await expect(consolePage.credentialsTimer).toBeVisible();
  await consolePage.whoAmIButton.click();
  await expect(consolePage.field(consolePage.callerIdentity, "Arn")).toHaveText(/assumed-role\/WebIdentityConsoleUser\/bob$/);

  // And the user can pick the other role again.
  await consolePage.roleSelect.selectOption({ index: 0 });
  await consolePage.getCredentialsButton.click();
  await expect(page.getByRole("status").filter({ hasText: "Credentials received." })).toBeVisible();
  await expect(alert).toHaveCount(0);
});

test("after sign-in no token or credential is in storage, cookies or the URL; sign-out forgets them", async ({ consolePage, page, context }) => {
  const secrets: string[] = [];
  page.on("response", async (response) => {
    const url = response.url();
    try {
      if (url.includes("/token") && response.request().method() === "POST") {
        const body = (await response.json()) as { id_token?: string; access_token?: string; refresh_token?: string };
        for (const v of [body.id_token, body.access_token, body.refresh_token]) if (v) secrets.push(v);
      } else if (url.startsWith("http://127.0.0.1:9401") && response.request().method() === "POST") {
        const xml = await response.text();
        for (const tag of ["AccessKeyId", "SecretAccessKey", "SessionToken"]) {
          const m = new RegExp(`<${tag}>([^<]+)</${tag}>`).exec(xml);
          if (m?.[1]) secrets.push(m[1]);
        }
      }
    } catch {
      // preflights and redirects have no body
    }
  });

  await consolePage.signIn(users.alice.username, users.alice.password);
  await expect(consolePage.credentialsTimer).toBeVisible();
  await expect.poll(() => secrets.length).toBeGreaterThanOrEqual(5);
  await consolePage.whoAmIButton.click();
  await expect(consolePage.field(consolePage.callerIdentity, "Arn")).toHaveText(/alice$/);

  // Raw views (request, response, canonical request) never show a secret in full: revealing is an explicit action.
  const secretAccessKey = secrets.find((s) => /^[A-Za-z0-9/+]{40}$/.test(s));
  expect(secretAccessKey).toBeDefined();
  const shown = await page.evaluate(() => document.body.textContent ?? "");
  // The access key id is an identifier the design shows; everything else must stay hidden.
  for (const secret of secrets.filter((s) => !/^ASIA[A-Z2-7]{16}$/.test(s))) expect(shown).not.toContain(secret);
  await page.getByRole("button", { name: "Reveal secret access key" }).click();
  await expect(page.getByText(secretAccessKey ?? "never")).toBeVisible();

  const stored = await page.evaluate(async () => {
    const dump = (s: Storage) => Array.from({ length: s.length }, (_, i) => `${s.key(i)}=${s.getItem(s.key(i) ?? "")}`);
    const dbs = (await indexedDB.databases()).map((d) => d.name ?? "");
    const cacheKeys = "caches" in window ? await caches.keys() : [];
    return { local: dump(localStorage), session: dump(sessionStorage), dbs, cacheKeys, cookie: document.cookie, url: location.href, history: history.length };
  });
  const cookies = (await context.cookies()).map((c) => `${c.name}=${c.value}`);
  const haystack = [...stored.local, ...stored.session, ...stored.dbs, ...stored.cacheKeys, stored.cookie, stored.url, ...cookies].join("\n");
  for (const secret of secrets) expect(haystack).not.toContain(secret);
  expect(stored.local).toEqual([]);
  expect(stored.session).toEqual([]); // the PKCE redirect state is gone after the callback
  expect(stored.dbs).toEqual([]);
  expect(stored.url).toBe("http://127.0.0.1:5173/");
  expect(stored.url).not.toMatch(/code=|state=/);

  // Sign-out ends the provider session too (RP-initiated logout with client_id): the provider asks to confirm.
  await consolePage.signOutButton.click();
  await consolePage.confirmProviderSignOut();
  await expect(consolePage.signInButton).toBeVisible();
  await expect(consolePage.signedOutHeading).toBeVisible();
  await expect(page.getByRole("timer")).toHaveCount(0);
  const after = await page.evaluate(() => document.body.innerText);
  for (const secret of secrets) expect(after).not.toContain(secret.slice(0, 20));
  // Coming back through the provider left nothing behind either.
  const storedAfter = await page.evaluate(() => {
    const dump = (s: Storage) => Array.from({ length: s.length }, (_, i) => `${s.key(i)}=${s.getItem(s.key(i) ?? "")}`);
    return { local: dump(localStorage), session: dump(sessionStorage), cookie: document.cookie, url: location.href, state: JSON.stringify(history.state) };
  });
  const cookiesAfter = (await context.cookies()).map((c) => `${c.name}=${c.value}`);
  const haystackAfter = [...storedAfter.local, ...storedAfter.session, storedAfter.cookie, storedAfter.url, storedAfter.state, ...cookiesAfter].join("\n");
  for (const secret of secrets) expect(haystackAfter).not.toContain(secret);
  expect(storedAfter.local).toEqual([]);
  expect(storedAfter.session).toEqual([]);
  expect(storedAfter.url).toBe("http://127.0.0.1:5173/");
});
