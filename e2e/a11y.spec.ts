// Accessibility and reflow of the main path and its failure paths (issue 9): axe-core (WCAG 2.2 AA + best practice)
// finds nothing in light and dark at desktop and phone sizes, nothing sticks out of a 320 or 390 px wide screen, and
// an invalid exchange form is never sent silently.
import AxeBuilder from "@axe-core/playwright";
import type { Page } from "@playwright/test";
import { expect, sts, test, users } from "./fixtures";
import type { ConsolePage } from "./pages/ConsolePage";

const WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"];

/**
 * axe finds no violation, and nothing it could not decide ("incomplete"). Reviewed: on these states axe currently
 * leaves nothing undecided. An incomplete result is usually colour contrast over a background axe cannot compute
 * (text over an overlapping element): look at it, then fix it or list it here with the reason it is acceptable.
 */
async function expectNoAxeFindings(page: Page, state: string) {
  const results = await new AxeBuilder({ page }).withTags(WCAG_22_AA).analyze();
  const describe = (items: typeof results.violations) => items.map((v) => `${v.id}: ${v.help}\n${v.nodes.map((n) => `  ${n.target.join(" ")}: ${n.failureSummary ?? ""}`).join("\n")}`);
  expect(describe(results.violations), `axe violations (${state})`).toEqual([]);
  expect(describe(results.incomplete), `axe incomplete results (${state})`).toEqual([]);
}

/**
 * Runs in the page: everything that sticks out of the viewport sideways — the page's own horizontal scroll, element
 * boxes and lines of text. Content inside an element that scrolls (or clips) sideways on purpose, such as a code pane,
 * is that element's business; form controls draw their own content.
 */
function overflowingSideways(): string[] {
  const width = window.innerWidth;
  const problems: string[] = [];
  const scrollWidth = document.documentElement.scrollWidth;
  if (scrollWidth > width) problems.push(`the page scrolls sideways: scrollWidth ${scrollWidth} > ${width}`);
  const outside = (r: DOMRect) => r.width > 0 && (r.right > width + 0.5 || r.left < -0.5);
  const describe = (el: Element) => `<${el.tagName.toLowerCase()} class="${el.getAttribute("class") ?? ""}"> "${(el.textContent ?? "").trim().slice(0, 50)}"`;
  const visit = (el: Element) => {
    const box = el.getBoundingClientRect();
    if (outside(box)) problems.push(`${describe(el)} spans ${Math.round(box.left)}–${Math.round(box.right)} px`);
    if (getComputedStyle(el).overflowX !== "visible" || ["SELECT", "TEXTAREA", "INPUT"].includes(el.tagName)) return;
    for (const child of Array.from(el.childNodes)) {
      if (child instanceof Element) visit(child);
      else if (child.nodeType === Node.TEXT_NODE && child.textContent?.trim()) {
        const range = document.createRange();
        range.selectNodeContents(child);
        const line = Array.from(range.getClientRects()).find(outside);
        if (line) problems.push(`text "${child.textContent.trim().slice(0, 50)}" in ${describe(el)} spans ${Math.round(line.left)}–${Math.round(line.right)} px`);
      }
    }
  };
  visit(document.body);
  return problems;
}

/** Every <details> open, so the scans see the raw panes (requests, responses, tokens) too. */
async function openEveryDetails(page: Page) {
  await page.evaluate(() => document.querySelectorAll("details").forEach((d) => (d.open = true)));
}

/**
 * The main path and its failure paths, each state checked by `check`: signed out; signed in as bob with everything
 * shown in full (tokens, secret, raw panes); bob refused the "Alice only" role, with an invalid form submitted; and the
 * More STS calls panel after its refusals (GetSessionToken; AssumeRole into DeployRole, with the policy trace).
 */
async function walkTheStates(app: ConsolePage, check: (state: string) => Promise<void>) {
  const page = app.page;
  await expect(app.signInHeading).toBeVisible();
  await check("signed out");

  await app.signIn(users.bob.username, users.bob.password);
  await app.expectWhoAmI(users.bob.username);
  await app.providerToken.getByRole("button", { name: "Show the full ID token" }).click();
  await app.credentials.getByRole("button", { name: "Reveal secret access key" }).click();
  await app.credentials.getByRole("button", { name: "Show full session token" }).click();
  await app.exchangeResult.getByRole("button", { name: "Show secrets" }).click();
  await app.callerIdentity.getByRole("button", { name: "Show secrets" }).click();
  await openEveryDetails(page);
  await check("signed in, everything shown");

  await app.roleSelect.selectOption({ label: "Alice only (the trust policy admits alice's subject, not bob's)" });
  await app.getCredentialsButton.click();
  await expect(app.exchangeResult.getByRole("alert")).toContainText("AccessDenied");
  await app.durationField.fill("90");
  await app.fillSessionPolicy('{ "Version": "2012-10-17" "Statement": [] }');
  await app.getCredentialsButton.click();
  await expect(app.durationField).toBeFocused();
  await openEveryDetails(page);
  await check("exchange refused, then an invalid form");

  const sessionToken = app.moreCalls.getByRole("region", { name: "GetSessionToken" });
  await sessionToken.getByRole("button", { name: "Call GetSessionToken" }).click();
  await expect(sessionToken.getByRole("alert")).toContainText("AccessDenied");
  const chain = app.moreCalls.getByRole("region", { name: "AssumeRole (role chaining)" });
  await chain.getByRole("button", { name: /^Use Deploy role/ }).click();
  await chain.getByRole("button", { name: "Call AssumeRole" }).click();
  await expect(chain.getByRole("heading", { name: "Why (the local stack's policy trace)" })).toBeVisible();
  await openEveryDetails(page);
  await check("More STS calls refused");
}

for (const colorScheme of ["light", "dark"] as const) {
  test.describe(`${colorScheme}, 1280×800`, () => {
    test.use({ viewport: { width: 1280, height: 800 } });
    test("axe finds nothing on the main path and its failures", async ({ consolePage: app, page }) => {
      // Four states, each scanned by axe (~5 s a scan on a busy 2-core machine): more than the default 30 s.
      test.slow();
      await page.emulateMedia({ colorScheme });
      await walkTheStates(app, (state) => expectNoAxeFindings(page, state));
    });
  });

  test.describe(`${colorScheme}, 390×844`, () => {
    test.use({ viewport: { width: 390, height: 844 } });
    test("axe finds nothing and nothing is wider than the screen, on the main path and its failures", async ({ consolePage: app, page }) => {
      test.slow(); // four axe scans and reflow measurements (see above)
      await page.emulateMedia({ colorScheme });
      await walkTheStates(app, async (state) => {
        expect(await page.evaluate(overflowingSideways), `wider than 390 px (${state})`).toEqual([]);
        await expectNoAxeFindings(page, state);
      });
    });
  });
}

test.describe("320×640", () => {
  test.use({ viewport: { width: 320, height: 640 } });
  test("nothing is wider than the screen on the main path and its failures", async ({ consolePage: app, page }) => {
    await walkTheStates(app, async (state) => {
      expect(await page.evaluate(overflowingSideways), `wider than 320 px (${state})`).toEqual([]);
    });
  });
});

test("an invalid exchange form is not sent: focus goes to the first field to fix, which says why; a policy's JSON error has its line and column", async ({ consolePage: app, page }) => {
  await app.signIn(users.alice.username, users.alice.password);
  await expect(app.credentialsTimer).toBeVisible(); // the exchange after sign-in is done
  let exchanges = 0;
  page.on("request", (request) => {
    if (request.url().startsWith(sts) && request.method() === "POST" && (request.postData() ?? "").includes("Action=AssumeRoleWithWebIdentity")) exchanges += 1;
  });

  // The policy is only checked on submission; its <details> opens to show where the error is.
  await app.fillSessionPolicy('{\n  "Version": "2012-10-17"\n  "Statement": []\n}');
  await app.sessionPolicyToggle.click();
  await app.getCredentialsButton.click();
  await expect(app.sessionPolicyField).toBeFocused();
  await expect(app.sessionPolicyField).toHaveAttribute("aria-invalid", "true");
  await expect(app.sessionPolicyField).toHaveAccessibleDescription(/^Session policy is not valid JSON: line 3, column 3: .* — “"Statement": \[\]”$/);
  await expect(app.exchangeStatus).toHaveText("Not sent to STS: fix Session policy JSON.");

  // Two problems: focus goes to the first, in the order of the form; the browser's own bubble never shows (noValidate).
  await app.durationField.fill("90");
  await expect(app.durationField).toHaveAccessibleDescription("Duration must be 900–43200 seconds.");
  await app.getCredentialsButton.click();
  await expect(app.durationField).toBeFocused();
  await expect(app.exchangeStatus).toHaveText("Not sent to STS: fix Duration (seconds) and Session policy JSON.");
  // Enter in the field submits again: still refused, still said.
  await page.keyboard.press("Enter");
  await expect(app.durationField).toBeFocused();
  await expect(app.exchangeStatus).toHaveText("Not sent to STS: fix Duration (seconds) and Session policy JSON.");
  expect(exchanges).toBe(0);

  // Fixed, it goes.
  await app.durationField.fill("3600");
  await app.sessionPolicyField.fill('{ "Version": "2012-10-17", "Statement": [{ "Effect": "Allow", "Action": "sts:GetCallerIdentity", "Resource": "*" }] }');
  await expect(app.durationField).not.toHaveAttribute("aria-describedby");
  await expect(app.sessionPolicyField).toHaveAttribute("aria-invalid", "false");
  await app.getCredentialsButton.click();
  await expect(app.exchangeStatus).toHaveText("Credentials received.");
  expect(exchanges).toBe(1);
});
