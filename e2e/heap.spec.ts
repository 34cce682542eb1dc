// Sign-out wipes everything (DESIGN §6): not only from the screen and storage, but from the page's JavaScript heap.
import type { CDPSession, Page } from "@playwright/test";
import { expect, idp, serveConfig, test, users } from "./fixtures";
import { ConsolePage } from "./pages/ConsolePage";

/** Force a full garbage collection, then take a heap snapshot of the page's V8 isolate; returns it as text. */
async function heapSnapshot(cdp: CDPSession): Promise<string> {
  const chunks: string[] = [];
  const onChunk = ({ chunk }: { chunk: string }) => chunks.push(chunk);
  cdp.on("HeapProfiler.addHeapSnapshotChunk", onChunk);
  try {
    for (let i = 0; i < 3; i++) await cdp.send("HeapProfiler.collectGarbage");
    await cdp.send("HeapProfiler.takeHeapSnapshot", { reportProgress: false });
  } finally {
    cdp.off("HeapProfiler.addHeapSnapshotChunk", onChunk);
  }
  return chunks.join("");
}

/**
 * Which of `secrets` occur in `haystack` (the snapshot's strings are JSON-escaped; none of these values need escaping).
 * A snapshot keeps only the first 1,024 characters of a string, so a long value (a SAML assertion, a session token
 * carrying a SAML session) is looked for by its first 256 characters, which are unique to it.
 */
function found(haystack: string, secrets: { kind: string; value: string }[]): string[] {
  return secrets.filter((s) => haystack.includes(s.value.slice(0, 256))).map((s) => `${s.kind} ${s.value.slice(0, 12)}…`);
}

async function openHeapProfiler(page: Page): Promise<CDPSession> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("HeapProfiler.enable");
  return cdp;
}

test("after sign-out the page's JS heap holds no token or credential it received", async ({ page, secrets }) => {
  // With refresh tokens on, so a refresh token is among the secrets too.
  await serveConfig(page, { refreshTokens: true });
  const app = new ConsolePage(page);
  await app.goto();
  const appUrl = page.url();
  await app.signIn(users.alice.username, users.alice.password);
  await expect(app.credentialsTimer).toBeVisible();
  await app.expectWhoAmI(users.alice.username);
  // The user looked at the secret once.
  const reveal = app.credentials.getByRole("button", { name: "Reveal secret access key" });
  await reveal.click();
  await expect(reveal).toHaveAttribute("aria-pressed", "true");
  await reveal.click();
  await expect(reveal).toHaveAttribute("aria-pressed", "false");

  // More STS calls: chained credentials from AssumeRole, and a SAML assertion with the credentials STS gave for it.
  const chain = page.getByRole("region", { name: "AssumeRole (role chaining)" });
  await chain.getByRole("button", { name: /^Use Chained reader/ }).click();
  await chain.getByRole("button", { name: "Call AssumeRole" }).click();
  await expect(chain.getByLabel("AssumeRole result")).toBeVisible();
  const saml = page.getByRole("region", { name: "AssumeRoleWithSAML" });
  const [popup] = await Promise.all([page.waitForEvent("popup"), saml.getByRole("button", { name: "Get an assertion from Local SAML IdP" }).click()]);
  await popup.getByLabel("Username").fill(users.alice.username);
  await popup.getByLabel("Password").fill(users.alice.password);
  await popup.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(saml.getByLabel("What the assertion says")).toBeVisible();
  const assertion = await saml.getByLabel("SAMLResponse (base64, as the identity provider posts it)").inputValue();
  await saml.getByRole("button", { name: "Call AssumeRoleWithSAML" }).click();
  await expect(saml.getByLabel("AssumeRoleWithSAML result")).toBeVisible();

  await secrets.settled();
  const all = [...secrets.all(), { kind: "SAML assertion", value: assertion }];
  expect(all.map((s) => s.kind).sort()).toEqual(["ID token", "SAML assertion", "SecretAccessKey", "SecretAccessKey", "SecretAccessKey", "SessionToken", "SessionToken", "SessionToken", "access token", "refresh token"]);

  // Signed in, the snapshot must contain every one of them: proof that the search below can find them.
  const cdp = await openHeapProfiler(page);
  const before = await heapSnapshot(cdp);
  expect(found(before, all)).toHaveLength(all.length);

  // Sign-out wipes memory first, then navigates to the provider's end-session endpoint. That navigation is blocked
  // (aborted like a cancelled navigation, so no error page replaces the document): the page — and its heap — stay,
  // and what is tested is what the app itself left in memory, not the fact that a navigation throws the heap away.
  // (A page can outlive its sign-out like this for real: a slow or failed navigation, or the back/forward cache.)
  let reachedEndSession = () => {};
  const endSession = new Promise<void>((resolve) => (reachedEndSession = resolve));
  await page.route(/\/session\/end(\?|$)/, async (route) => {
    reachedEndSession();
    await route.abort("aborted");
  });
  await page.evaluate(() => ((window as unknown as { __sameDocument: string }).__sameDocument = "yes"));
  await app.signOutButton.click();
  await endSession;
  await expect(app.credentialsTimer).toHaveCount(0);
  await expect(app.signOutButton).toHaveCount(0);
  await expect(page.getByRole("status").filter({ hasText: "Signing out of Local OpenID provider…" })).toBeVisible();
  expect(page.url()).toBe(appUrl);
  expect(page.url().startsWith(idp)).toBe(false);
  expect(await page.evaluate(() => (window as unknown as { __sameDocument?: string }).__sameDocument)).toBe("yes");

  const after = await heapSnapshot(cdp);
  expect(found(after, all), "secrets still in the JS heap after sign-out").toEqual([]);
});
